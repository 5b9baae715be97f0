/*
 * rootplat's interrupt gates: a copy of the runtime's IDT (its exception
 * handlers kept) in which the parts install their own interrupt handlers
 * (hlt.c: the PIT's IRQ0; apic.c: the local APIC's vectors), and the
 * runtime's IDT back afterwards.
 */
#include "rootplat.h"

static uint8_t idt_copy[256 * 16] __attribute__((aligned(16)));

void rootplat_idt_copy(struct rootplat_idtr *saved)
{
	struct rootplat_idtr mine;

	__asm__ volatile("sidt %0" : "=m"(*saved));
	memset(idt_copy, 0, sizeof(idt_copy));
	memcpy(idt_copy, (const void *)(uintptr_t)saved->base,
	       (size_t)saved->limit + 1 < sizeof(idt_copy) ? (size_t)saved->limit + 1
							 : sizeof(idt_copy));
	mine.limit = sizeof(idt_copy) - 1;
	mine.base = (uint64_t)(uintptr_t)idt_copy;
	__asm__ volatile("lidt %0" : : "m"(mine));
}

void rootplat_idt_gate(uint8_t vector, const void *handler)
{
	uint16_t cs;
	uint64_t h = (uint64_t)(uintptr_t)handler;
	uint8_t *g = idt_copy + vector * 16;
	uint16_t lo = (uint16_t)h, mid = (uint16_t)(h >> 16);
	uint32_t hi = (uint32_t)(h >> 32);

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	memcpy(g + 0, &lo, 2);
	memcpy(g + 2, &cs, 2);
	g[4] = 0;
	g[5] = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
	memcpy(g + 6, &mid, 2);
	memcpy(g + 8, &hi, 4);
}

void rootplat_idt_restore(const struct rootplat_idtr *saved)
{
	__asm__ volatile("lidt %0" : : "m"(*saved));
}
