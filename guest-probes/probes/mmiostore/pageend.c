/*
 * mmiostore's page-end checks: a store to the local APIC whose bytes end
 * exactly at the end of a page, with the next page not present in the
 * root's page tables.  The processor fetched and executed the store, so the
 * hypervisor must emulate it: its fetch of up to 15 bytes crosses into the
 * absent page, and it must then decode from the bytes up to the page's end
 * (hv/core/mmio_store.c) instead of refusing the store.  The next
 * instruction's fetch then raises #PF in the root exactly as on hardware:
 * RIP and CR2 at the absent page, error code "not present, read,
 * supervisor" (bits 0-2 clear; bit 4, I/D, depends on EFER.NXE, not
 * checked).
 *
 * The probe's 4 GiB identity map uses 2 MiB pages (runtime/boot.S): the
 * 2 MiB page holding pe_pages is split into 4 KiB pages for the check (the
 * same addresses), the second page made not present, and the 2 MiB entry
 * put back afterwards.
 */
#include "probe.h"

#define PAGE 4096ull
#define PTE_P 1ull
#define PDE_PS (1ull << 7)
#define ADDR_MASK 0x000FFFFFFFFFF000ull
#define VECTOR_PF 14

typedef void store_fn(uint64_t addr, uint32_t value);
extern store_fn ms_ret;

static uint8_t pe_pages[2 * PAGE] __attribute__((aligned(4096)));
static uint64_t pe_pt[512] __attribute__((aligned(4096)));

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void flush_tlb(void)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(read_cr3()) : "memory");
}

/* The PD entry that maps `va` (identity-mapped tables). */
static volatile uint64_t *pde_of(uint64_t va)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(va >> 39) & 511] & ADDR_MASK);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & ADDR_MASK);

	return &pd[(va >> 21) & 511];
}

/* One store of `len` bytes (`insn`) placed to end at the first page's end,
 * run with the second page absent. */
static void page_end_store(const char *id, uint64_t reg, const uint8_t *insn, size_t len,
			   uint32_t value, const char *desc)
{
	uint64_t absent = (uint64_t)(uintptr_t)pe_pages + PAGE;
	uint8_t *at = pe_pages + PAGE - len;
	struct rt_exc e = { 0 };

	memcpy(at, insn, len);
	*(volatile uint32_t *)(uintptr_t)reg = 0;
	__asm__ volatile("mfence" ::: "memory");
	rt_expect(VECTOR_PF, (uintptr_t)absent, (uintptr_t)ms_ret);
	((store_fn *)(uintptr_t)at)(reg, value);
	bool fired = rt_expect_take(&e);
	uint64_t cr2 = read_cr2();
	uint32_t got = *(volatile uint32_t *)(uintptr_t)reg;
	bool ok = got == value && fired && cr2 == absent && (e.error & 7) == 0;

	check_tok(id, "none", rt_fmt("0x%x:pf", value),
		  rt_fmt("0x%x:%s", got, !fired ? "no-pf" : ok ? "pf" : "pf-other"), ok,
		  "%s, ending at a page's end with the next page not present: the store is "
		  "emulated (reads 0x%x) and the next fetch raises #PF at 0x%llx (%s, CR2 0x%llx, "
		  "error 0x%llx)", desc, got, (unsigned long long)absent, fired ? "taken" : "none",
		  (unsigned long long)cr2, (unsigned long long)e.error);
}

void page_end_checks(uint64_t reg, uint32_t v89, uint32_t vc7)
{
	uint64_t base = (uint64_t)(uintptr_t)pe_pages & ~0x1FFFFFull;
	volatile uint64_t *pde = pde_of(base);
	uint64_t big = *pde;

	if (!(big & PDE_PS) || (big & ADDR_MASK) != base)
		probe_error("the identity map of 0x%llx is not a 2 MiB page (PDE 0x%llx)",
			    (unsigned long long)base, (unsigned long long)big);
	for (unsigned i = 0; i < 512; i++)
		pe_pt[i] = (base + i * PAGE) | (big & 7);
	pe_pt[(((uint64_t)(uintptr_t)pe_pages + PAGE) >> 12) & 511] = 0;
	__asm__ volatile("mfence" ::: "memory");
	*pde = (uint64_t)(uintptr_t)pe_pt | (big & 7);
	flush_tlb();

	static const uint8_t st89[] = { 0x89, 0x37 };
	page_end_store("store-89-page-end", reg, st89, sizeof(st89), v89,
		       "89 37 (MOV [RDI], ESI, 2 bytes)");
	const uint8_t stc7[] = { 0xC7, 0x07, (uint8_t)vc7, (uint8_t)(vc7 >> 8),
				 (uint8_t)(vc7 >> 16), (uint8_t)(vc7 >> 24) };
	page_end_store("store-c7-page-end", reg, stc7, sizeof(stc7), vc7,
		       "C7 07 imm32 (MOV [RDI], imm32, 6 bytes)");

	*pde = big;
	flush_tlb();
}
