/* VMs: the table of virtual machines (spec section 3). */
#ifndef HV_VM_H
#define HV_VM_H

#include <hv/types.h>

#define HV_MAX_VMS 16 /* including the root VM; documented in docs/limits.md */

enum hv_vm_state {
	HV_VM_FREE = 0,
	HV_VM_ACTIVE,
	HV_VM_ZOMBIE, /* destroyed while its memory is still shared (6.10.4) */
};

struct arch_vm;

struct hv_vm {
	uint16_t id;
	enum hv_vm_state state;
	/* The open handle of this VM (6.9), 0 when none is open. */
	uint64_t handle;
	/* Bumped on every open so that stale handle values stay invalid. */
	uint32_t handle_gen;
	/* XVIO partition ID assigned by the root (0 = none). */
	uint8_t partition;
	/* Number of VPs that belong to this VM. */
	uint16_t num_vps;
	struct arch_vm *arch;
};

struct hv_vm *vm_get(uint16_t vmid);            /* NULL if not allocated */
struct hv_vm *vm_root(void);
struct hv_vm *vm_alloc(void);                   /* NULL when the table is full */
void vm_free(struct hv_vm *vm);
uint16_t vm_count(void);
static inline bool vm_is_root(const struct hv_vm *vm) { return vm->id == 0; }

#endif /* HV_VM_H */
