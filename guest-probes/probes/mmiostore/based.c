/*
 * mmiostore: stores from code whose CS base is not 0 (based.S).  Outside
 * 64-bit mode the processor fetches at CS.base + EIP (SDM Vol 3 3.4.5, 5.2):
 * so must the hypervisor (hv/core/mmio_store.c).  A root OS may run such
 * code (a compatibility-mode or 16-bit segment with a base); the probe's
 * other forms all run with base 0, where adding it or not changes nothing.
 *
 * A copy of the runtime's GDT with two more code descriptors is loaded for
 * the forms and the runtime's put back after them: 0x20, 32-bit (D = 1,
 * L = 0) with base 0x10000, and 0x28, 16-bit (D = 0) with a base 0..4 KiB
 * below its form (its EIP must fit 16 bits).  Each form must store its
 * value and land right behind the store (EDX = MS_LANDED).
 */
#include "probe.h"

#define SEL_BASED32 0x20
#define SEL_BASED16 0x28
#define BASED32_BASE 0x10000ull
#define MS_LANDED 0x1A2DED00u
#define RUNTIME_GDT_ENTRIES 4 /* null, 64-bit code, data, 32-bit code (boot.S) */

typedef uint32_t based_fn(uint64_t addr, uint32_t value);
based_fn ms_based32_89, ms_based32_a3, ms_based16_89;
extern char ms_based16_end[];
extern uint64_t ms_based32_base, ms_based16_base;

void based_checks(uint64_t reg); /* called by main.c */

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t based_gdt[SEL_BASED16 / 8 + 1] __attribute__((aligned(16)));

/* A present DPL-0 execute/read code descriptor; `flags` is G D L AVL. */
static uint64_t based_code_desc(uint64_t base, uint32_t limit, unsigned flags)
{
	return (limit & 0xFFFFull) | (base & 0xFFFFFFull) << 16 | 0x9Aull << 40 |
	       (uint64_t)(limit >> 16 & 0xF) << 48 | (uint64_t)(flags & 0xF) << 52 |
	       (base >> 24 & 0xFF) << 56;
}

static void based_check(const char *id, based_fn *fn, uint64_t reg, uint32_t value,
			const char *desc)
{
	volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)reg;

	*r = 0;
	uint32_t mark = fn(reg, value);
	uint32_t got = *r;
	check_tok(id, "none", rt_fmt("0x%x:landed", value),
		  rt_fmt("0x%x:%s", got, mark == MS_LANDED ? "landed" : "off"),
		  got == value && mark == MS_LANDED,
		  "%s to the timer's initial count is emulated: it reads back (0x%x) and RIP "
		  "lands right behind it (EDX 0x%x)", desc, got, mark);
}

void based_checks(uint64_t reg)
{
	struct gdtr rt_gdtr, gdtr = { sizeof(based_gdt) - 1, (uint64_t)(uintptr_t)based_gdt };
	uint64_t base16 = (uint64_t)(uintptr_t)ms_based16_89 & ~0xFFFull;

	__asm__ volatile("sgdt %0" : "=m"(rt_gdtr));
	memcpy(based_gdt, (const void *)(uintptr_t)rt_gdtr.base, RUNTIME_GDT_ENTRIES * 8);
	based_gdt[SEL_BASED32 / 8] = based_code_desc(BASED32_BASE, 0xFFFFF, 0xC); /* G, D */
	based_gdt[SEL_BASED16 / 8] = based_code_desc(base16, 0xFFFF, 0);
	ms_based32_base = BASED32_BASE;
	ms_based16_base = base16;
	rt_log("CS bases: 0x%llx (32-bit), 0x%llx (16-bit, form ends at EIP 0x%llx)",
	       (unsigned long long)BASED32_BASE, (unsigned long long)base16,
	       (unsigned long long)((uintptr_t)ms_based16_end - base16));
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");

	based_check("store-based32-89", ms_based32_89, reg, 0x11000020u,
		    "89 03 in compatibility mode from a code segment with base 0x10000");
	based_check("store-based32-a3", ms_based32_a3, reg, 0x11000021u,
		    "A3 moffs32 in compatibility mode from a code segment with base 0x10000");
	based_check("store-based16-89", ms_based16_89, reg, 0x11000022u,
		    "66 67 89 03 in a 16-bit code segment (CS.D = 0) with a nonzero base");

	__asm__ volatile("lgdt %0" : : "m"(rt_gdtr) : "memory");
}
