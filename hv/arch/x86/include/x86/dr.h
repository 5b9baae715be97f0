/*
 * DR0-DR3 (debug address registers) around guest VM runs (common/dr.c).
 * Neither VM entry nor VMRUN switches them and no backend intercepts MOV
 * DR, so a guest would read the root's breakpoint addresses and leave its
 * own in the processor for the root's DR7 (probe drisol, E-61).  A guest
 * VPS keeps its own four (0 after reset); the root's stay in the processor
 * while it runs.
 */
#ifndef X86_DR_H
#define X86_DR_H

#include <stdint.h>

/* Before a guest VM's entry: the processor's DR0-DR3 (the root's) into
 * `root`, the guest's `guest` loaded. */
void x86_dr_guest_enter(const uint64_t guest[4], uint64_t root[4]);
/* After that guest's exit: its DR0-DR3 into `guest`, `root` loaded back. */
void x86_dr_guest_leave(uint64_t guest[4], const uint64_t root[4]);

#endif /* X86_DR_H */
