/*
 * Extended page tables: vmx_vm_init/fini, vmx_slpt_map/unmap/flush.
 *
 * 4-level EPT from pool pages, EPTP memory type WB.  Tables: R/W/X all set.
 * Leaf: W from MV_GPA_FLAG_WRITE_ACCESS, X from EXECUTE, and R whenever
 * any access flag is given (EPT cannot express write-only, and the SVM
 * backend maps write- or execute-only pages readable too); the memory type
 * from the cacheability flag (UC, WC, WT, WP, WB; UC- -> UC, WC+ -> WC;
 * default WB), combined with the guest's PAT (the "ignore PAT" bit is
 * clear).  A table whose last entry is removed is freed.
 *
 * arch_slpt_flush bumps a generation; the next entry of a VPS of the VM on
 * each PP runs INVEPT (single-context when supported, else global) and, with
 * VPIDs, INVVPID for the VM's VPID (vmx.c).  VPID: VM id + 1 when the
 * processor supports VPIDs.
 */
#include <microv/mv_abi.h>

#include <hv/arch.h>
#include <hv/log.h>
#include <hv/page.h>
#include <hv/string.h>
#include <hv/vm.h>

#include "vmx.h"

#define TABLE_FLAGS (EPT_R | EPT_W | EPT_X)

static uint64_t *table(uint64_t pa)
{
	return page_hva(pa);
}

static unsigned idx(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

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
	uint64_t self = page_alloc();
	uint64_t pml4 = self ? page_alloc() : 0;

	if (!pml4) {
		if (self)
			page_free(self);
		return -1;
	}
	struct arch_vm *a = page_hva(self);
	hv_memset(a, 0, sizeof(*a));
	a->self = self;
	a->ept_pml4 = pml4;
	a->eptp = pml4 | (3ull << 3) | EPT_MT_WB; /* 4-level walk, WB */
	a->vpid = vmx_caps.vpid ? (uint16_t)(vm->id + 1u) : 0;
	a->gen = 1; /* the first entry on every PP flushes: the VPID may be stale */
	vm->arch = a;
	return 0;
}

static void free_tables(uint64_t pa, int level)
{
	uint64_t *t = table(pa);

	if (level > 0)
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & TABLE_FLAGS)
				free_tables(t[i] & EPT_ADDR, level - 1);
	page_free(pa);
}

void vmx_vm_fini(struct hv_vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!a)
		return;
	free_tables(a->ept_pml4, 3);
	page_free(a->self);
	vm->arch = NULL;
}

int vmx_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct arch_vm *a = vm->arch;
	uint64_t *t = table(a->ept_pml4);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(gpa, level)];
		if (!(*e & TABLE_FLAGS)) {
			uint64_t pa = page_alloc();
			if (!pa)
				return -1;
			*e = pa | TABLE_FLAGS;
		}
		t = table(*e & EPT_ADDR);
	}
	uint64_t pte = 0;
	if (flags & MV_GPA_FLAG_ACCESS_MASK) {
		pte = (spa & EPT_ADDR) | EPT_R | (mem_type(flags) << EPT_MT_SHIFT);
		if (flags & MV_GPA_FLAG_WRITE_ACCESS)
			pte |= EPT_W;
		if (flags & MV_GPA_FLAG_EXECUTE_ACCESS)
			pte |= EPT_X;
	}
	t[idx(gpa, 0)] = pte;
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

void vmx_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	struct arch_vm *a = vm->arch;
	uint64_t *path[4];

	path[3] = table(a->ept_pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t e = path[level][idx(gpa, level)];
		if (!(e & TABLE_FLAGS))
			return;
		path[level - 1] = table(e & EPT_ADDR);
	}
	path[0][idx(gpa, 0)] = 0;
	for (int level = 0; level < 3; level++) {
		if (!table_empty(path[level]))
			break;
		uint64_t *parent = &path[level + 1][idx(gpa, level + 1)];
		uint64_t pa = *parent & EPT_ADDR;
		*parent = 0;
		page_free(pa);
	}
}

void vmx_slpt_flush(struct hv_vm *vm)
{
	struct arch_vm *a = vm->arch;

	__atomic_add_fetch(&a->gen, 1, __ATOMIC_RELEASE);
}
