/*
 * 6.10.4-6.10.6 MDL memory hypercalls: map_mdl, unmap_mdl, set_gpa_flags_mdl.
 *
 * Root VM only.  Checks, in register order, each failure naming its
 * register (MV_STATUS_INVALID_PARAMSn), nothing changed on failure:
 *   REG1  src VMID: [63:16] 0, an existing VM (map: not a zombie)
 *   REG2  src MDL: [11:0] 0, a valid chain in the root's own memory
 *         (mdl.h), no page twice
 *   REG3  dst VMID: [63:16] 0, an existing live VM, != src
 *   REG4  dst MDL: as REG2, and as many bytes as the src MDL
 *   REG5  flags (map, set_gpa_flags): REVZ bits 0, at most one cache flag;
 *         map: not DONATE with ZOMBIE; set_gpa_flags: no DONATE or ZOMBIE
 * then the pages themselves (mdl_ops.c): a src page that cannot be used is
 * PARAMS2, a dst page PARAMS4; a page shared MM_MAX_SHARES times is
 * MV_STATUS_INVALID_PERM_DENIED (a fixed limit, E-15); the pool running out
 * or the backend refusing a mapping is MV_STATUS_FAILURE_UNKNOWN (E-30).
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/vm.h>

#include "mdl.h"

/* Copies of the two MDLs of the current call (hypercalls are serialised
 * by hc_lock). */
static struct mdl mdl_src_list, mdl_dst_list;

static uint64_t api_mdl_args(const struct hv_caller *c, uint64_t r1, uint64_t r2, uint64_t r3,
			     uint64_t r4, bool zombie_src_ok, struct mdl_call *call)
{
	if (!vm_is_root(c->vm))
		return MV_STATUS_INVALID_PERM_EXT;
	struct hv_vm *src = (r1 >> 16) ? NULL : vm_get((uint16_t)r1);
	if (!src || !(src->state == HV_VM_ACTIVE || (zombie_src_ok && src->state == HV_VM_ZOMBIE)))
		return MV_STATUS_INVALID_PARAMS1;
	if ((r2 & ~HV_PAGE_MASK) || !mdl_read(c->vm, r2, &mdl_src_list) ||
	    mdl_overlaps(&mdl_src_list))
		return MV_STATUS_INVALID_PARAMS2;
	struct hv_vm *dst = (r3 >> 16) ? NULL : vm_get((uint16_t)r3);
	if (!dst || dst->state != HV_VM_ACTIVE || dst == src)
		return MV_STATUS_INVALID_PARAMS3;
	if ((r4 & ~HV_PAGE_MASK) || !mdl_read(c->vm, r4, &mdl_dst_list) ||
	    mdl_overlaps(&mdl_dst_list) || mdl_dst_list.pages != mdl_src_list.pages)
		return MV_STATUS_INVALID_PARAMS4;
	call->src = src;
	call->dst = dst;
	call->sm = &mdl_src_list;
	call->dm = &mdl_dst_list;
	call->flags = 0;
	return MV_STATUS_SUCCESS;
}

static bool api_mdl_flags_ok(uint64_t flags)
{
	uint64_t cache = flags & MV_GPA_FLAG_CACHE_MASK;

	return !(flags & MV_GPA_FLAG_REVZ_MASK) && (cache & (cache - 1)) == 0;
}

struct hv_ret api_vm_map_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			     uint64_t dst_vmid, uint64_t dst_mdl, uint64_t flags)
{
	struct mdl_call call;
	uint64_t st = api_mdl_args(c, src_vmid, src_mdl, dst_vmid, dst_mdl, false, &call);

	if (st != MV_STATUS_SUCCESS)
		return hv_ret_status(st);
	if (!api_mdl_flags_ok(flags) ||
	    ((flags & MV_GPA_FLAG_DONATE) && (flags & MV_GPA_FLAG_ZOMBIE)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS5);
	call.flags = flags;
	return hv_ret_status(mdl_map(&call));
}

struct hv_ret api_vm_unmap_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			       uint64_t dst_vmid, uint64_t dst_mdl)
{
	struct mdl_call call;
	uint64_t st = api_mdl_args(c, src_vmid, src_mdl, dst_vmid, dst_mdl, true, &call);

	if (st != MV_STATUS_SUCCESS)
		return hv_ret_status(st);
	return hv_ret_status(mdl_unmap(&call));
}

struct hv_ret api_vm_set_gpa_flags_mdl(const struct hv_caller *c, uint64_t src_vmid,
				       uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl,
				       uint64_t flags)
{
	struct mdl_call call;
	uint64_t st = api_mdl_args(c, src_vmid, src_mdl, dst_vmid, dst_mdl, true, &call);

	if (st != MV_STATUS_SUCCESS)
		return hv_ret_status(st);
	if (!api_mdl_flags_ok(flags) || (flags & (MV_GPA_FLAG_DONATE | MV_GPA_FLAG_ZOMBIE)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS5);
	call.flags = flags;
	return hv_ret_status(mdl_set_flags(&call));
}
