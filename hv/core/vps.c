/* The VPS table.  VPSID = index. */
#include <hv/arch/arch.h>
#include <hv/table.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

static struct hv_vps vpss[HV_MAX_VPSS];

struct hv_vps *vps_get(uint16_t vpsid)
{
	if (vpsid >= HV_MAX_VPSS || vpss[vpsid].state == HV_VPS_FREE)
		return NULL;
	return &vpss[vpsid];
}

static bool vps_slot_free(const void *entry)
{
	return ((const struct hv_vps *)entry)->state == HV_VPS_FREE;
}

struct hv_vps *vps_alloc(uint16_t vpid, enum hv_alloc_err *err)
{
	struct hv_vp *vp = vp_get(vpid);

	if (!vp)
		return table_result(err, HV_ALLOC_PARENT, NULL);
	int i = table_claim(vpss, sizeof(vpss[0]), HV_MAX_VPSS, vps_slot_free);
	if (i < 0)
		return table_result(err, HV_ALLOC_FULL, NULL);
	vpss[i].id = (uint16_t)i;
	vpss[i].state = HV_VPS_ACTIVE;
	vpss[i].vpid = vpid;
	vpss[i].vmid = vp->vmid;
	vpss[i].vp = vp;
	vpss[i].vm = vm_get(vp->vmid);
	evq_reset(&vpss[i].evq);
	if (arch_vps_init(&vpss[i])) {
		vpss[i].state = HV_VPS_FREE;
		return table_result(err, HV_ALLOC_BACKEND, NULL);
	}
	vp->num_vpss++;
	if (!vp->active)
		vp->active = &vpss[i];
	return table_result(err, HV_ALLOC_OK, &vpss[i]);
}

void vps_free(struct hv_vps *vps)
{
	struct hv_vp *vp = vps->vp;

	arch_vps_fini(vps);
	vps->arch = NULL;
	vps->vp = NULL;
	vps->vm = NULL;
	vps->state = HV_VPS_FREE;
	if (vp) {
		vp->num_vpss--;
		/* The VP goes on with its lowest remaining VPS (none: NULL), so
		 * that run_vp refuses only a VP that has no VPS (E-21). */
		if (vp->active == vps) {
			vp->active = NULL;
			for (uint16_t i = 0; i < HV_MAX_VPSS && !vp->active; i++)
				if (vpss[i].state != HV_VPS_FREE && vpss[i].vpid == vp->id)
					vp->active = &vpss[i];
		}
	}
}

struct hv_vm *vps_vm(const struct hv_vps *vps)
{
	return vps->vm;
}

struct hv_vp *vps_vp(const struct hv_vps *vps)
{
	return vps->vp;
}
