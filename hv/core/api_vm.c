/* 6.10 VM hypercalls: create, destroy, vmid.  (MDL calls: api_mdl.c.) */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/vm.h>

struct hv_ret api_vm_create(const struct hv_caller *c)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vm *vm = vm_alloc();
	if (!vm)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-15: table full */
	return hv_ret_out1(MV_STATUS_SUCCESS, vm->id);
}

struct hv_ret api_vm_destroy(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	uint16_t vmid = (uint16_t)reg1; /* REG1[63:16] is REVI */
	struct hv_vm *vm = vm_get(vmid);
	if (!vm || vm_is_root(vm) || vm->state != HV_VM_ACTIVE)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (vm->num_vps != 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-16: still has VPs */
	/* Frees the VM (vm_free) or makes it a zombie; refuses while some of its
	 * memory is shared without MV_GPA_FLAG_ZOMBIE to a guest (hv/mm.h). */
	if (mm_vm_destroy(vm) < 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vm_vmid(const struct hv_caller *c)
{
	return hv_ret_out1(MV_STATUS_SUCCESS, c->vm->id);
}
