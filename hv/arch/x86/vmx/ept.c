/*
 * Extended page tables: vmx_vm_init/fini, vmx_slpt_map/unmap/flush.
 *
 * 4-level EPT from pool pages, EPTP memory type WB.  Tables: R/W/X all set.
 * Leaf: W from MV_GPA_FLAG_WRITE_ACCESS, X from EXECUTE, and R whenever
 * any access flag is given (EPT cannot express write-only, and the SVM
 * backend maps write- or execute-only pages readable too); the memory type
 * from the cacheability flag (UC, WC, WT, WP, WB; UC- -> UC, WC+ -> WC;
 * default WB), combined with the guest's PAT (the "ignore PAT" bit is
 * clear).  The walk, allocation and freeing of tables: common/sl_table.c.
 *
 * arch_slpt_flush bumps a generation; the next entry of a VPS of the VM on
 * each PP runs INVEPT (single-context when supported, else global) and, with
 * VPIDs, INVVPID for the VM's VPID (vmx.c).  VPID: VM id + 1 when the
 * processor supports VPIDs.
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include <x86/sl_table.h>

#include "vmx.h"

/* Tables: R/W/X all set; an entry with any of them is present. */
static const struct sl_table_fmt ept_fmt = {
	.present = EPT_R | EPT_W | EPT_X,
	.table_flags = EPT_R | EPT_W | EPT_X,
	.addr = EPT_ADDR,
};

static uint64_t mem_type(uint64_t flags)
{
	if (flags & (MV_GPA_FLAG_UNCACHEABLE | MV_GPA_FLAG_UNCACHEABLE_MINUS))
		return EPT_MT_UC;
	if (flags & (MV_GPA_FLAG_WRITE_COMBINING | MV_GPA_FLAG_WRITE_COMBINING_PLUS))
		return EPT_MT_WC;
	if (flags & MV_GPA_FLAG_WRITE_THROUGH)
		return EPT_MT_WT;
	if (flags & MV_GPA_FLAG_WRITE_PROTECTED)
		return EPT_MT_WP;
	return EPT_MT_WB;
}

int vmx_vm_init(struct hv_vm *vm)
{
	uint64_t self, pml4;

	if (sl_table_alloc(&self, &pml4))
		return -1;
	struct arch_vm *a = page_hva(self);
	hv_memset(a, 0, sizeof(*a));
	a->self = self;
	a->ept_pml4 = pml4;
	a->eptp = pml4 | (3ull << 3) | EPT_MT_WB; /* 4-level walk, WB */
	a->vpid = vmx_caps.vpid ? (uint16_t)(vm_id(vm) + 1u) : 0;
	a->gen = 1; /* the first entry on every PP flushes: the VPID may be stale */
	vm_set_arch(vm, a);
	return 0;
}

void vmx_vm_fini(struct hv_vm *vm)
{
	struct arch_vm *a = vm_arch(vm);

	if (!a)
		return;
	sl_table_release(&ept_fmt, a->ept_pml4, a->self);
	vm_set_arch(vm, NULL);
}

int vmx_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	uint64_t pte = 0;

	if (flags & MV_GPA_FLAG_ACCESS_MASK) {
		pte = (spa & EPT_ADDR) | EPT_R | (mem_type(flags) << EPT_MT_SHIFT);
		if (flags & MV_GPA_FLAG_WRITE_ACCESS)
			pte |= EPT_W;
		if (flags & MV_GPA_FLAG_EXECUTE_ACCESS)
			pte |= EPT_X;
	}
	return sl_table_map(&ept_fmt, vm_arch(vm)->ept_pml4, gpa, pte);
}

void vmx_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	sl_table_unmap(&ept_fmt, vm_arch(vm)->ept_pml4, gpa);
}

void vmx_slpt_flush(struct hv_vm *vm)
{
	struct arch_vm *a = vm_arch(vm);

	__atomic_add_fetch(&a->gen, 1, __ATOMIC_RELEASE);
}
