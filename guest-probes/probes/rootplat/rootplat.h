/* The parts of the rootplat probe (one file each). */
#ifndef ROOTPLAT_H
#define ROOTPLAT_H

#include "probe.h"

void rootplat_cpuid(void);  /* cpuid_policy.c */
void rootplat_memmap(void); /* memmap.c */
void rootplat_hlt(void);    /* hlt.c */
void rootplat_xsetbv(void); /* xsetbv.c */
void rootplat_cr4(void);    /* cr4.c */
void rootplat_apic(void);   /* apic.c */

/* idt.c: the parts' interrupt gates, in a copy of the runtime's IDT. */
struct __attribute__((packed)) rootplat_idtr {
	uint16_t limit;
	uint64_t base;
};
void rootplat_idt_copy(struct rootplat_idtr *saved); /* saved: the runtime's */
void rootplat_idt_gate(uint8_t vector, const void *handler);
void rootplat_idt_restore(const struct rootplat_idtr *saved);

#endif /* ROOTPLAT_H */
