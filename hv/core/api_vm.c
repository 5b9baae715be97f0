/*
 * 6.10 VM hypercalls: create, destroy, vmid, and the MDL memory calls
 * map_mdl, unmap_mdl, set_gpa_flags_mdl (the MDL machinery: mdl*.c, mm*.c).
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/xvio.h>

#include "mdl.h"

struct hv_ret api_vm_create(const struct hv_caller *c)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	enum hv_alloc_err err;
	struct hv_vm *vm = vm_alloc(&err);
	if (!vm)
		return hv_ret_status(vm_alloc_status(err));
	return hv_ret_out1(MV_STATUS_SUCCESS, vm->id);
}

/*
 * A continuation (spec 6.1, E-31): each call releases at most
 * HV_VM_DESTROY_BATCH page entries.  While pages remain the VM is
 * HV_VM_DYING and the call answers MV_STATUS_RETRY_CONTINUATION: without
 * the SCC flag hypercall.c leaves RIP on the VMCALL, so the root executes
 * the same call again without seeing it; with SCC the root gets the status
 * and calls destroy_vm again.  Every refusal happens on the first call,
 * before anything changes; a dying VM is only ever continued.
 */
struct hv_ret api_vm_destroy(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	uint16_t vmid = (uint16_t)reg1; /* REG1[63:16] is REVI */
	struct hv_vm *vm = vm_get(vmid);
	if (!vm || vm_is_root(vm) || (vm->state != HV_VM_ACTIVE && vm->state != HV_VM_DYING))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (vm->num_vps != 0) {
		HV_ASSERT(vm->state == HV_VM_ACTIVE); /* a dying VM gets no VPs */
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-16: still has VPs */
	}
	if (vm->state == HV_VM_ACTIVE) {
		/* The first call: refuse before anything changes (hv/mm.h), then
		 * XVIO lets go of the VM: its partition, services, queues and
		 * rings (unmapped from both sides, docs/xvio.md). */
		if (mm_vm_destroy_refused(vm))
			return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
		xvio_vm_destroy(vm);
	}
	/* Frees the VM (vm_free) or makes it a zombie; refuses while some of its
	 * memory is shared without MV_GPA_FLAG_ZOMBIE to a guest (hv/mm.h). */
	switch (mm_vm_destroy(vm, HV_VM_DESTROY_BATCH)) {
	case MM_DESTROY_REFUSED:
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	case MM_DESTROY_MORE:
		return hv_ret_status(MV_STATUS_RETRY_CONTINUATION);
	default:
		return hv_ret_status(MV_STATUS_SUCCESS);
	}
}

struct hv_ret api_vm_vmid(const struct hv_caller *c)
{
	return hv_ret_out1(MV_STATUS_SUCCESS, c->vm->id);
}

/* ---- 6.10.4-6.10.6 MDL memory hypercalls ---------------------------------
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
