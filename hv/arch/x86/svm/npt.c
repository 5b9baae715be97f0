/*
 * Nested page tables: svm_vm_init/fini, svm_slpt_map/unmap/flush.
 *
 * 4-level tables (the host's long-mode format) built from pool pages.
 * Every entry has U/S set: the processor treats nested walks as user
 * accesses (QEMU faults without it).  Leaf: R/W from
 * MV_GPA_FLAG_WRITE_ACCESS, NX from !EXECUTE (only with host EFER.NXE; NPT
 * cannot express write- or execute-only: any access flag makes the page
 * readable), cacheability through PWT/PCD/PAT into the host PAT, which
 * host_cpu_setup() programs as WB WT UC- UC WB WC WP UC.
 * A table whose last entry is removed is freed, so that map/unmap cycles
 * leave the pool as they found it.
 */
#include <microv/mv_abi.h>

#include <hv/arch.h>
#include <hv/log.h>
#include <hv/page.h>
#include <hv/vm.h>

#include <x86/cpu.h>

#include "svm.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PAT (1ull << 7) /* 4 KiB entries */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)

static uint64_t *table(uint64_t pa)
{
	return page_hva(pa);
}

static unsigned idx(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

static uint64_t cache_bits(uint64_t flags)
{
	/* PAT index = PAT:PCD:PWT; host PAT: 0 WB 1 WT 2 UC- 3 UC 4 WB 5 WC 6 WP 7 UC */
	if (flags & MV_GPA_FLAG_UNCACHEABLE)
		return PTE_PCD | PTE_PWT;
	if (flags & MV_GPA_FLAG_UNCACHEABLE_MINUS)
		return PTE_PCD;
	if (flags & (MV_GPA_FLAG_WRITE_COMBINING | MV_GPA_FLAG_WRITE_COMBINING_PLUS))
		return PTE_PAT | PTE_PWT;
	if (flags & MV_GPA_FLAG_WRITE_THROUGH)
		return PTE_PWT;
	if (flags & MV_GPA_FLAG_WRITE_PROTECTED)
		return PTE_PAT | PTE_PCD;
	return 0; /* write-back */
}

int svm_vm_init(struct hv_vm *vm)
{
	uint64_t self = page_alloc();
	uint64_t pml4 = self ? page_alloc() : 0;
	uint32_t r[4];

	if (!pml4) {
		if (self)
			page_free(self);
		return -1;
	}
	struct arch_vm *a = page_hva(self);
	a->self = self;
	a->npt_pml4 = pml4;
	cpuid(0x8000000A, 0, r);
	uint32_t nasid = r[1] ? r[1] : 2;
	if ((uint32_t)vm->id + 1 < nasid) {
		a->asid = vm->id + 1u;
	} else {
		a->asid = 1u + vm->id % (nasid - 1u);
		a->asid_shared = true;
	}
	a->gen = 1; /* the first entry on every PP flushes: the ASID may be stale */
	vm->arch = a;
	return 0;
}

static void free_tables(uint64_t pa, int level)
{
	uint64_t *t = table(pa);

	if (level > 0)
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & PTE_P)
				free_tables(t[i] & PTE_ADDR, level - 1);
	page_free(pa);
}

void svm_vm_fini(struct hv_vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!a)
		return;
	free_tables(a->npt_pml4, 3);
	page_free(a->self);
	vm->arch = NULL;
}

int svm_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct arch_vm *a = vm->arch;
	uint64_t *t = table(a->npt_pml4);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(gpa, level)];
		if (!(*e & PTE_P)) {
			uint64_t pa = page_alloc();
			if (!pa)
				return -1;
			*e = pa | TABLE_FLAGS;
		}
		t = table(*e & PTE_ADDR);
	}
	uint64_t pte = 0;
	if (flags & MV_GPA_FLAG_ACCESS_MASK) {
		pte = (spa & PTE_ADDR) | PTE_P | PTE_US | cache_bits(flags);
		if (flags & MV_GPA_FLAG_WRITE_ACCESS)
			pte |= PTE_RW;
		if (!(flags & MV_GPA_FLAG_EXECUTE_ACCESS) && svm_has_nxe)
			pte |= PTE_NX;
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

void svm_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	struct arch_vm *a = vm->arch;
	uint64_t *path[4];

	path[3] = table(a->npt_pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t e = path[level][idx(gpa, level)];
		if (!(e & PTE_P))
			return;
		path[level - 1] = table(e & PTE_ADDR);
	}
	path[0][idx(gpa, 0)] = 0;
	/* Free the tables this left empty (never the root). */
	for (int level = 0; level < 3; level++) {
		if (!table_empty(path[level]))
			break;
		uint64_t *parent = &path[level + 1][idx(gpa, level + 1)];
		uint64_t pa = *parent & PTE_ADDR;
		*parent = 0;
		page_free(pa);
	}
}

void svm_slpt_flush(struct hv_vm *vm)
{
	struct arch_vm *a = vm->arch;

	__atomic_add_fetch(&a->gen, 1, __ATOMIC_RELEASE);
}
