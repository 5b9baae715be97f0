/*
 * 6.9 handles.  Each VM has at most one open handle (E-14); the value is
 * opaque to the guest, never 0, and carries a generation so that a closed
 * handle's value is never valid again: generation (bits 63:16) | VMID.  The
 * generation is 48 bits and never wraps: once all 2^48 - 1 are issued,
 * open_handle refuses (E-42).
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/vm.h>

/* One generation counter for all VMs (under the hypercall lock): a handle
 * value is never issued twice, even to a new VM that reuses a VMID.  The
 * last generation issued (0: none yet); exported for the tests only. */
uint64_t api_handle_gen_last;

static uint64_t handle_make(const struct hv_vm *vm)
{
	return vm->handle_gen << 16 | vm->id;
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

	if (api_handle_gen_last >= API_HANDLE_GEN_MAX)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* never reissue one */
	vm->handle_gen = ++api_handle_gen_last;
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
