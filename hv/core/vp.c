/* The VP table.  VPID = index; root VPs take the first IDs, one per PP. */
#include <hv/string.h>
#include <hv/vm.h>
#include <hv/vp.h>

static struct hv_vp vps_table[HV_MAX_VPS];

struct hv_vp *vp_get(uint16_t vpid)
{
	if (vpid >= HV_MAX_VPS || vps_table[vpid].state == HV_VP_FREE)
		return NULL;
	return &vps_table[vpid];
}

static struct hv_vp *vp_fail(enum hv_alloc_err *err, enum hv_alloc_err why)
{
	if (err)
		*err = why;
	return NULL;
}

struct hv_vp *vp_alloc(uint16_t vmid, enum hv_alloc_err *err)
{
	struct hv_vm *vm = vm_get(vmid);

	if (!vm)
		return vp_fail(err, HV_ALLOC_PARENT);
	for (uint16_t i = 0; i < HV_MAX_VPS; i++) {
		if (vps_table[i].state != HV_VP_FREE)
			continue;
		hv_memset(&vps_table[i], 0, sizeof(vps_table[i]));
		vps_table[i].id = i;
		vps_table[i].state = HV_VP_ACTIVE;
		vps_table[i].vmid = vmid;
		vps_table[i].ppid = 0xFFFF;
		vm->num_vps++;
		if (err)
			*err = HV_ALLOC_OK;
		return &vps_table[i];
	}
	return vp_fail(err, HV_ALLOC_FULL);
}

void vp_free(struct hv_vp *vp)
{
	struct hv_vm *vm = vm_get(vp->vmid);

	if (vm)
		vm->num_vps--;
	vp->state = HV_VP_FREE;
}
