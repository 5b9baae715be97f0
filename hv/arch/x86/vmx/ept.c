/*
 * Extended page tables: vmx_vm_init and the EPT entry format (leaves:
 * ept_leaf) that common/sl_table.c's arch_vm_fini and
 * arch_slpt_map/unmap/flush use.
 *
 * 4-level EPT from pool pages, EPTP memory type WB.  Tables: R/W/X all set.
 * Leaf: W from MV_GPA_FLAG_WRITE_ACCESS, X from EXECUTE, and R whenever
 * any access flag is given (EPT cannot express write-only, and the SVM
 * backend maps write- or execute-only pages readable too); the memory type
 * from the cacheability flag (UC, WC, WT, WP, WB; UC- -> UC, WC+ -> WC;
 * default WB), combined with the guest's PAT (the "ignore PAT" bit is
 * clear).  The walk, allocation, freeing and flush generation of tables:
 * common/sl_table.c.
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

static uint64_t ept_leaf(uint64_t spa, uint64_t flags)
{
	uint64_t pte = (spa & EPT_ADDR) | EPT_R | (mem_type(flags) << EPT_MT_SHIFT);

	if (flags & MV_GPA_FLAG_WRITE_ACCESS)
		pte |= EPT_W;
	if (flags & MV_GPA_FLAG_EXECUTE_ACCESS)
		pte |= EPT_X;
	return pte;
}

#define EPT_LARGE (1ull << 7)
#define EPT_CAP_2M (1ull << 16)

static uint64_t ept_leaf_2m(uint64_t spa, uint64_t flags)
{
	return ept_leaf(spa, flags) | EPT_LARGE;
}

/* The 4 KiB leaf at `off` inside the 2 MiB leaf `pde` (a split). */
static uint64_t ept_leaf_from_2m(uint64_t pde, uint64_t off)
{
	return (pde & ~EPT_LARGE) + off;
}

/* Tables: R/W/X all set; an entry with any of them is present.  2 MiB
 * leaves only where IA32_VMX_EPT_VPID_CAP says the processor has them
 * (leaf_2m is set by vmx_vm_init; without it sl_table.c maps pages). */
static struct sl_table_fmt ept_fmt = {
	.present = EPT_R | EPT_W | EPT_X,
	.table_flags = EPT_R | EPT_W | EPT_X,
	.addr = EPT_ADDR,
	.leaf = ept_leaf,
	.leaf_from_2m = ept_leaf_from_2m,
	.large = EPT_LARGE,
};

int vmx_vm_init(struct hv_vm *vm)
{
	ept_fmt.leaf_2m = (vmx_caps.ept_vpid_cap & EPT_CAP_2M) ? ept_leaf_2m : NULL;
	struct sl_table *t = sl_table_create(&ept_fmt);

	if (!t)
		return -1;
	struct arch_vm *a = (struct arch_vm *)t;
	a->eptp = t->root | (3ull << 3) | EPT_MT_WB; /* 4-level walk, WB */
	a->vpid = vmx_caps.vpid ? (uint16_t)(vm_id(vm) + 1u) : 0;
	vm_set_arch(vm, a);
	return 0;
}

_Static_assert(__builtin_offsetof(struct arch_vm, slpt) == 0,
	       "common/sl_table.c finds struct sl_table at the start of struct arch_vm");
_Static_assert(sizeof(struct arch_vm) <= HV_PAGE_SIZE, "sl_table_create allocates one page");
