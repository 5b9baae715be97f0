/*
 * Unit test of the entry-state loader (sim/unicorn/loader.c) on a bare engine:
 *   1. fresh engine (64-bit, paging off) -> 32-bit protected mode, paging off
 *   2. 32-bit protected mode -> 64-bit long mode with the guest's page tables
 *   3. long mode -> 32-bit protected mode again
 *   4. 32-bit protected mode -> real mode with a CS base that is not
 *      selector << 4 (like the reset state's 0xFFFF0000)
 *   5. real mode -> real mode (another CS), 6. real mode -> 32-bit again
 * After each load a guest instruction sequence proves the mode: 0x40 is
 * INC EAX in 32-bit code and a REX prefix in 64-bit code; B8 34 12 F4 is
 * MOV AX,0x1234; HLT only in 16-bit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/check.h"
#include "../ucsim.h"

static void seg(struct arch_vps *a, enum seg_idx s, uint16_t sel, uint32_t attrib)
{
	a->seg[s] = (struct seg_state){ sel, 0, 0xFFFFFFFF, attrib };
}

/* xor eax,eax ; 0x40 ; 0x90 (nop) ; hlt  -> RAX = 1 in 32-bit, 0 in 64-bit */
static const uint8_t probe_code[] = { 0x31, 0xC0, 0x40, 0x90, 0xF4 };

static uint64_t run_at(struct arch_vps *a, uint64_t rip)
{
	regs_write(a->uc, UC_X86_REG_RIP, rip);
	uc_err e = uc_emu_start(a->uc, rip, 0xDEAD0000DEAD0000ull, 0, 0);
	CHECK(e == UC_ERR_OK, "probe run: %s", uc_strerror(e));
	return regs_read(a->uc, UC_X86_REG_RAX);
}

static uint64_t run_probe(struct arch_vps *a)
{
	return run_at(a, 0x1000);
}

/* The multiboot state: 32-bit protected mode, paging off, flat segments. */
static void pm32_state(struct arch_vps *a)
{
	a->cr0 = 0x11; a->cr4 = 0; a->efer = 0;
	seg(a, SEG_CS, 0x10, 0xC09B);
	for (int s = SEG_DS; s < SEG_COUNT; s++)
		seg(a, (enum seg_idx)s, 0x18, 0xC093);
}

/* Real mode with CS = sel and the given hidden base; data segments 0. */
static void real_state(struct arch_vps *a, uint16_t sel, uint64_t base)
{
	a->cr0 = 0x60000010; a->cr4 = 0; a->efer = 0;
	a->seg[SEG_CS] = (struct seg_state){ sel, base, 0xFFFF, 0x9B };
	for (int s = SEG_DS; s < SEG_COUNT; s++)
		a->seg[s] = (struct seg_state){ 0, 0, 0xFFFF, 0x93 };
}

static void check_real(struct arch_vps *a, const char *what, uint16_t sel, uint64_t base, uint64_t ip)
{
	struct seg_state cs;
	CHECK((regs_read(a->uc, UC_X86_REG_CR0) & 1) == 0, "%s: CR0.PE still set", what);
	CHECK(ctxseg_read(a->uc, SEG_CS, &cs) == 0 && cs.sel == sel && cs.base == base &&
		      cs.limit == 0xFFFF,
	      "%s: CS 0x%x base 0x%llx limit 0x%x", what, cs.sel, (unsigned long long)cs.base, cs.limit);
	CHECK((run_at(a, ip) & 0xFFFF) == 0x1234, "%s: code does not run as 16-bit at CS base", what);
}

static void load(struct arch_vps *a, const char *what)
{
	const char *why = NULL;
	a->entry_dirty = true;
	int rc = loader_apply(a, &why);
	CHECK(rc == 0, "%s: loader: %s", what, why ? why : "?");
}

int main(void)
{
	static uint8_t mem[0x10000] __attribute__((aligned(4096)));
	struct arch_vps a;

	memset(&a, 0, sizeof(a));
	uc_engine *scratch;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &scratch) != UC_ERR_OK)
		return 1;
	ctxseg_calibrate(scratch);
	uc_close(scratch);
	CHECK(ctxseg_available(), "ctxseg: Unicorn's segment state not located");
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &a.uc) != UC_ERR_OK)
		return 1;
	memcpy(mem + 0x1000, probe_code, sizeof(probe_code));
	static const uint8_t code16[] = { 0xB8, 0x34, 0x12, 0xF4 };
	memcpy(mem + 0x1100, code16, sizeof(code16));
	/* identity map of 0..2 MiB: PML4 0x2000, PDPT 0x3000, PD 0x4000 */
	uint64_t *pml4 = (uint64_t *)(mem + 0x2000), *pdpt = (uint64_t *)(mem + 0x3000),
		 *pd = (uint64_t *)(mem + 0x4000);
	pml4[0] = 0x3003;
	pdpt[0] = 0x4003;
	pd[0] = 0x83;
	uc_mem_map_ptr(a.uc, 0, sizeof(mem), UC_PROT_ALL, mem);

	/* 1: multiboot state */
	pm32_state(&a);
	load(&a, "64->32");
	CHECK(run_probe(&a) == 1, "64->32: code does not run as 32-bit");
	CHECK((regs_efer(a.uc) & (1u << 10)) == 0, "64->32: EFER.LMA still set");
	CHECK(regs_read(a.uc, UC_X86_REG_CS) == 0x10, "64->32: CS selector");

	/* 2: long mode, the guest's page tables */
	regs_write(a.uc, UC_X86_REG_CR3, 0x2000);
	a.cr0 = 0x80000011; a.cr4 = 0x20; a.efer = 0x500;
	seg(&a, SEG_CS, 0x08, 0xA09B);
	load(&a, "32->64");
	CHECK(run_probe(&a) == 0, "32->64: code does not run as 64-bit");
	CHECK((regs_efer(a.uc) & 0x500) == 0x500, "32->64: EFER 0x%llx",
	      (unsigned long long)regs_efer(a.uc));
	CHECK(regs_read(a.uc, UC_X86_REG_CR3) == 0x2000, "32->64: CR3 not restored");
	CHECK(regs_read(a.uc, UC_X86_REG_CR0) == 0x80000011, "32->64: CR0");

	/* 3: back to 32-bit */
	a.cr0 = 0x11; a.cr4 = 0; a.efer = 0;
	seg(&a, SEG_CS, 0x10, 0xC09B);
	load(&a, "64->32 again");
	CHECK(run_probe(&a) == 1, "64->32 again: code does not run as 32-bit");

	/* 4: real mode, CS 0xF000 with base 0x1000 (not 0xF0000) */
	real_state(&a, 0xF000, 0x1000);
	load(&a, "32->real");
	check_real(&a, "32->real", 0xF000, 0x1000, 0x100);

	/* 5: real mode again, CS 0x0100 with base 0x1000 (= selector << 4) */
	real_state(&a, 0x0100, 0x1000);
	load(&a, "real->real");
	check_real(&a, "real->real", 0x0100, 0x1000, 0x100);

	/* 6: real -> 32-bit */
	pm32_state(&a);
	load(&a, "real->32");
	CHECK(run_probe(&a) == 1, "real->32: code does not run as 32-bit");

	uc_close(a.uc);
	printf("%d checks: %s\n", checks, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
