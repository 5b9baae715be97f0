/* 6.10 VM hypercalls: create, destroy, vmid.  (MDL calls: api_mdl.c.) */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/xvio.h>

struct hv_ret api_vm_create(const struct hv_caller *c)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	enum hv_alloc_err err;
	struct hv_vm *vm = vm_alloc(&err);
	if (!vm)
		return hv_ret_status(api_alloc_status(err));
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

uint64_t api_alloc_status(enum hv_alloc_err err)
{
	switch (err) {
	case HV_ALLOC_FULL:
		return MV_STATUS_INVALID_PERM_DENIED; /* E-15: a fixed table is full */
	case HV_ALLOC_BACKEND:
		return MV_STATUS_FAILURE_UNKNOWN; /* E-30: the backend could not */
	default:
		/* The callers checked the parent exists: reaching here is a bug,
		 * reported as what it is rather than blamed on a parameter. */
		return MV_STATUS_FAILURE_UNKNOWN;
	}
}
