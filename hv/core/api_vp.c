/* 6.11 VP hypercalls: create, destroy, vmid, vpid; 6.13 run_vp (the VP management group). */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/pp.h>
#include <hv/vm.h>
#include <hv/vp.h>

struct hv_ret api_vp_create(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vm *vm = vm_get((uint16_t)reg1); /* REG1[63:16] is REVI */
	/* Root VPs exist one per PP from boot; no more can be made (spec 4). */
	if (!vm || vm_is_root(vm) || vm->state != HV_VM_ACTIVE)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	enum hv_alloc_err err;
	struct hv_vp *vp = vp_alloc(vm->id, &err);
	if (!vp)
		return hv_ret_status(vm_alloc_status(err));
	return hv_ret_out1(MV_STATUS_SUCCESS, vp->id);
}

struct hv_ret api_vp_destroy(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vp *vp = vp_get((uint16_t)reg1);
	if (!vp || vp->vmid == MV_ROOT_VMID)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (vp->running || vp->num_vpss != 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-16 */
	vp_free(vp);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vp_vmid(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vp *vp = vp_get((uint16_t)reg1);
	if (!vp)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	return hv_ret_out1(MV_STATUS_SUCCESS, vp->vmid);
}

struct hv_ret api_vp_vpid(const struct hv_caller *c)
{
	return hv_ret_out1(MV_STATUS_SUCCESS, c->vp->id);
}

/* 6.13 mv_vp_run_vp: the calling root VP donates its PP to a guest VP until
 * the guest stops (run.c hands the PP back). */
struct hv_ret api_vp_run(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	/* REG1 is the whole VPID (63:0): anything above 16 bits is invalid. */
	struct hv_vp *vp = reg1 <= 0xFFFF ? vp_get((uint16_t)reg1) : NULL;
	if (!vp || vp->vmid == MV_ROOT_VMID)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (vp->running || !vp->active)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-16 */

	struct hv_pp *pp = pp_this();
	vp->running = true;
	vp->ppid = pp->id;
	pp->current = vp->active;
	return hv_ret_status(MV_STATUS_SUCCESS);
}

void api_vp_run_end(struct hv_vp *vp)
{
	if (vp) {
		vp->running = false;
		vp->ppid = 0xFFFF;
	}
}
