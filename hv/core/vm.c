/* The VM table.  VMID = index; VMID 0 is the root VM (spec 1.7). */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/table.h>
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

static bool vm_slot_free(const void *entry)
{
	return ((const struct hv_vm *)entry)->state == HV_VM_FREE;
}

/* Allocate the lowest free VMID; the first call returns the root VM.  A VMID
 * whose VM is a zombie or still dying is not free. */
struct hv_vm *vm_alloc(enum hv_alloc_err *err)
{
	int i = table_claim(vms, sizeof(vms[0]), HV_MAX_VMS, vm_slot_free);

	if (i < 0)
		return table_result(err, HV_ALLOC_FULL, NULL);
	vms[i].id = (uint16_t)i;
	vms[i].state = HV_VM_ACTIVE;
	if (arch_vm_init(&vms[i])) {
		vms[i].state = HV_VM_FREE;
		return table_result(err, HV_ALLOC_BACKEND, NULL);
	}
	return table_result(err, HV_ALLOC_OK, &vms[i]);
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

uint64_t vm_alloc_status(enum hv_alloc_err err)
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
