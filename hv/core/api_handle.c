/*
 * 6.9 handles.  Each VM has at most one open handle (E-14); the value is
 * opaque to the guest, never 0, and carries a generation so that a closed
 * handle's value is never valid again.
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/vm.h>

#define HANDLE_TAG 0x6876000000000000ull /* "hv" in the top 16 bits */

/* One generation counter for all VMs (under the hypercall lock): a handle
 * value is never issued twice, even to a new VM that reuses a VMID. */
static uint32_t handle_gen_next;

static uint64_t handle_make(const struct hv_vm *vm)
{
	return HANDLE_TAG | ((uint64_t)vm->handle_gen << 16) | vm->id;
}

bool api_handle_valid(const struct hv_caller *c, uint64_t handle)
{
	return c->vm->handle != 0 && c->vm->handle == handle;
}

struct hv_ret api_handle_open(const struct hv_caller *c, uint64_t version)
{
	struct hv_vm *vm = c->vm;

	/* REG0[63:32] is REVI. */
	if ((uint32_t)version != MV_SPEC_ID1_VAL)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS0);
	if (vm->handle != 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);

	vm->handle_gen = ++handle_gen_next;
	vm->handle = handle_make(vm);
	return hv_ret_out1(MV_STATUS_SUCCESS, vm->handle);
}

struct hv_ret api_handle_close(const struct hv_caller *c, uint64_t handle)
{
	/* hypercall.c has checked the handle already; check again so this
	 * function is safe on its own. */
	if (!api_handle_valid(c, handle))
		return hv_ret_status(MV_STATUS_FAILURE_INVALID_HANDLE);
	c->vm->handle = 0;
	return hv_ret_status(MV_STATUS_SUCCESS);
}
