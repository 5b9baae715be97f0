/*
 * What a backend may read or set of a VM (hv/arch/core.h): its VMID and its
 * backend state.  Apart from vm.c so that a backend's code links against
 * these alone (sim/tests).
 */
#include <hv/vm.h>

uint16_t vm_id(const struct hv_vm *vm)
{
	return vm->id;
}

struct arch_vm *vm_arch(const struct hv_vm *vm)
{
	return vm->arch;
}

void vm_set_arch(struct hv_vm *vm, struct arch_vm *arch)
{
	vm->arch = arch;
}
