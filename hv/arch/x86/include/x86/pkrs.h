/*
 * IA32_PKRS around guest VM runs (common/pkrs.c): the root VM owns the
 * processor's PKRS (passed through, docs/root-vm.md "CPUID policy"); a guest
 * VM runs with PKRS 0, so it neither sees nor is restricted by the root's.
 */
#ifndef X86_PKRS_H
#define X86_PKRS_H

#include <stdint.h>

/* Before a guest VM's entry: the root's PKRS (0 also where the processor
 * has no PKS), after setting the processor's to 0. */
uint64_t x86_pkrs_guest_enter(void);
/* After that guest's exit: the root's PKRS back (`saved` from enter). */
void x86_pkrs_guest_leave(uint64_t saved);

#endif /* X86_PKRS_H */
