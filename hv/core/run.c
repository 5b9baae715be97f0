/*
 * 6.13 mv_vp_run_vp: the calling root VP donates its PP to a guest VP until
 * the guest stops for one of the mv_vp_exit_t reasons (docs/exit-reasons.md).
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/arch.h>
#include <hv/hypercall.h>
#include <hv/pp.h>
#include <hv/run.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

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

/* Called from the exit handlers, outside any hypercall: the VP's state is
 * what run_vp, destroy_vp and the VPS calls on other PPs read under the
 * hypercall lock, so it changes under the lock too (and the guest's
 * registers, written before, are visible to the next PP that runs it). */
void run_return_to_root(struct hv_pp *pp, uint64_t reason, uint64_t arg)
{
	hypercall_lock();
	struct hv_vp *vp = vps_vp(pp->current);

	if (vp) {
		vp->running = false;
		vp->ppid = 0xFFFF;
	}
	hypercall_unlock();
	pp->current = pp->root_vps;
	arch_vps_set_reg(pp->root_vps, bf_reg_t_rax, MV_STATUS_SUCCESS);
	arch_vps_set_reg(pp->root_vps, bf_reg_t_r10, reason);
	arch_vps_set_reg(pp->root_vps, bf_reg_t_r11, arg);
}
