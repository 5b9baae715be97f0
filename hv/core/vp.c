/* The VP table.  VPID = index; root VPs take the first IDs, one per PP. */
#include <hv/table.h>
#include <hv/vm.h>
#include <hv/vp.h>

static struct hv_vp vps_table[HV_MAX_VPS];

struct hv_vp *vp_get(uint16_t vpid)
{
	if (vpid >= HV_MAX_VPS || vps_table[vpid].state == HV_VP_FREE)
		return NULL;
	return &vps_table[vpid];
}

static bool vp_slot_free(const void *entry)
{
	return ((const struct hv_vp *)entry)->state == HV_VP_FREE;
}

struct hv_vp *vp_alloc(uint16_t vmid, enum hv_alloc_err *err)
{
	struct hv_vm *vm = vm_get(vmid);

	if (!vm)
		return table_result(err, HV_ALLOC_PARENT, NULL);
	int i = table_claim(vps_table, sizeof(vps_table[0]), HV_MAX_VPS, vp_slot_free);
	if (i < 0)
		return table_result(err, HV_ALLOC_FULL, NULL);
	vps_table[i].id = (uint16_t)i;
	vps_table[i].state = HV_VP_ACTIVE;
	vps_table[i].vmid = vmid;
	vps_table[i].ppid = 0xFFFF;
	vm->num_vps++;
	return table_result(err, HV_ALLOC_OK, &vps_table[i]);
}

void vp_free(struct hv_vp *vp)
{
	struct hv_vm *vm = vm_get(vp->vmid);

	if (vm)
		vm->num_vps--;
	vp->state = HV_VP_FREE;
}
