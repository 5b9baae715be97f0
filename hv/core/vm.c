/* The VM table.  VMID = index; VMID 0 is the root VM (spec 1.7). */
#include <hv/arch.h>
#include <hv/string.h>
#include <hv/vm.h>

static struct hv_vm vms[HV_MAX_VMS];

struct hv_vm *vm_get(uint16_t vmid)
{
	if (vmid >= HV_MAX_VMS || vms[vmid].state == HV_VM_FREE)
		return NULL;
	return &vms[vmid];
}

struct hv_vm *vm_root(void)
{
	return &vms[0];
}

static struct hv_vm *vm_fail(enum hv_alloc_err *err, enum hv_alloc_err why)
{
	if (err)
		*err = why;
	return NULL;
}

/* Allocate the lowest free VMID; the first call returns the root VM.  A VMID
 * whose VM is a zombie or still dying is not free. */
struct hv_vm *vm_alloc(enum hv_alloc_err *err)
{
	for (uint16_t i = 0; i < HV_MAX_VMS; i++) {
		if (vms[i].state != HV_VM_FREE)
			continue;
		hv_memset(&vms[i], 0, sizeof(vms[i]));
		vms[i].id = i;
		vms[i].state = HV_VM_ACTIVE;
		if (arch_vm_init(&vms[i])) {
			vms[i].state = HV_VM_FREE;
			return vm_fail(err, HV_ALLOC_BACKEND);
		}
		if (err)
			*err = HV_ALLOC_OK;
		return &vms[i];
	}
	return vm_fail(err, HV_ALLOC_FULL);
}

void vm_free(struct hv_vm *vm)
{
	arch_vm_fini(vm);
	vm->arch = NULL;
	vm->state = HV_VM_FREE;
}

uint16_t vm_count(void)
{
	uint16_t n = 0;

	for (uint16_t i = 0; i < HV_MAX_VMS; i++)
		n += vms[i].state != HV_VM_FREE;
	return n;
}
