/* VMs: the table of virtual machines (spec section 3). */
#ifndef HV_VM_H
#define HV_VM_H

#include <hv/arch/core.h>
#include <hv/types.h>

#define HV_MAX_VMS 16 /* including the root VM; documented in docs/limits.md */

enum hv_vm_state {
	HV_VM_FREE = 0,
	HV_VM_ACTIVE,
	HV_VM_ZOMBIE, /* destroyed while its memory is still shared (6.10.4) */
	HV_VM_DYING,  /* mv_vm_op_destroy_vm is releasing its pages, a batch per
		       * call (spec 6.1 continuation, E-31): no handle, no VPs,
		       * its VMID not reused; to every other hypercall it is a
		       * VM that does not exist */
};

/* Page entries one mv_vm_op_destroy_vm call releases at most (E-31). */
#define HV_VM_DESTROY_BATCH 64u

struct arch_vm;

struct hv_vm {
	uint16_t id;
	enum hv_vm_state state;
	/* The open handle of this VM (6.9), 0 when none is open. */
	uint64_t handle;
	/* The generation of the open handle (api_handle.c: a global 48-bit
	 * counter that never wraps, so a handle value is never issued twice). */
	uint64_t handle_gen;
	/* XVIO partition ID assigned by the root (0 = none). */
	uint8_t partition;
	/* Number of VPs that belong to this VM. */
	uint16_t num_vps;
	struct arch_vm *arch;
};

struct hv_vm *vm_get(uint16_t vmid);            /* NULL if not allocated */
struct hv_vm *vm_root(void);
/* The lowest free VMID (the first call gives the root VM); NULL and *err
 * when the table is full or the backend could not set the VM up. */
struct hv_vm *vm_alloc(enum hv_alloc_err *err);
void vm_free(struct hv_vm *vm);
uint16_t vm_count(void);
/* vm_id, vm_arch, vm_set_arch: hv/arch/core.h. */
/* The status of a failed vm_alloc / vp_alloc / vps_alloc: a full table is
 * the policy (E-15), a backend that could not set the object up is
 * MV_STATUS_FAILURE_UNKNOWN (E-30). */
uint64_t vm_alloc_status(enum hv_alloc_err err);
static inline bool vm_is_root(const struct hv_vm *vm) { return vm->id == 0; }

#endif /* HV_VM_H */
