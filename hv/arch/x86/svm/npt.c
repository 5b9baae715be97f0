/*
 * Nested page tables: svm_vm_init and the NPT entry format (leaves: npt_leaf)
 * that common/sl_table.c's arch_vm_fini and arch_slpt_map/unmap/flush use.
 *
 * 4-level tables (the host's long-mode format) built from pool pages.
 * Every entry has U/S set: the processor treats nested walks as user
 * accesses (QEMU faults without it).  Leaf: R/W from
 * MV_GPA_FLAG_WRITE_ACCESS, NX from !EXECUTE (only with host EFER.NXE; NPT
 * cannot express write- or execute-only: any access flag makes the page
 * readable), cacheability through PWT/PCD/PAT into the host PAT, which
 * host_cpu_setup() programs as WB WT UC- UC WB WC WP UC.
 * The walk, allocation, freeing and flush generation of tables:
 * common/sl_table.c; svm_vps_run flushes the TLB (the VM's ASID) after
 * a change.
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include <x86/cpu.h>
#include <x86/sl_table.h>

#include "svm.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PAT (1ull << 7) /* 4 KiB entries */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

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

static uint64_t npt_leaf(uint64_t spa, uint64_t flags)
{
	uint64_t pte = (spa & PTE_ADDR) | PTE_P | PTE_US | cache_bits(flags);

	if (flags & MV_GPA_FLAG_WRITE_ACCESS)
		pte |= PTE_RW;
	if (!(flags & MV_GPA_FLAG_EXECUTE_ACCESS) && svm_has_nxe)
		pte |= PTE_NX;
	return pte;
}

#define PDE_PS (1ull << 7)
#define PDE_PAT (1ull << 12) /* 2 MiB entries */

/* A 2 MiB leaf: PS set, and the PAT bit at 12 instead of 7. */
static uint64_t npt_leaf_2m(uint64_t spa, uint64_t flags)
{
	uint64_t pte = npt_leaf(spa, flags);

	if (pte & PTE_PAT)
		pte = (pte & ~PTE_PAT) | PDE_PAT;
	return pte | PDE_PS;
}

/* The 4 KiB leaf at `off` inside the 2 MiB leaf `pde` (a split): the same
 * bits, PS clear, the PAT bit back at 7. */
static uint64_t npt_leaf_from_2m(uint64_t pde, uint64_t off)
{
	uint64_t pte = (pde & ~(PDE_PS | PDE_PAT)) + off;

	return (pde & PDE_PAT) ? pte | PTE_PAT : pte;
}

static const struct sl_table_fmt npt_fmt = {
	.present = PTE_P,
	.table_flags = PTE_P | PTE_RW | PTE_US,
	.addr = PTE_ADDR,
	.leaf = npt_leaf,
	.leaf_2m = npt_leaf_2m,
	.leaf_from_2m = npt_leaf_from_2m,
	.large = PDE_PS,
};

int svm_vm_init(struct hv_vm *vm)
{
	uint32_t r[4];
	struct sl_table *t = sl_table_create(&npt_fmt);

	if (!t)
		return -1;
	struct arch_vm *a = (struct arch_vm *)t;
	cpuid(0x8000000A, 0, r);
	uint32_t nasid = r[1] ? r[1] : 2;
	if ((uint32_t)vm_id(vm) + 1 < nasid) {
		a->asid = vm_id(vm) + 1u;
	} else {
		a->asid = 1u + vm_id(vm) % (nasid - 1u);
		a->asid_shared = true;
	}
	vm_set_arch(vm, a);
	return 0;
}

_Static_assert(__builtin_offsetof(struct arch_vm, slpt) == 0,
	       "common/sl_table.c finds struct sl_table at the start of struct arch_vm");
_Static_assert(sizeof(struct arch_vm) <= HV_PAGE_SIZE, "sl_table_create allocates one page");
