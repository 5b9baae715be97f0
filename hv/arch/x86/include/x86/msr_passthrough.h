/*
 * A guest VM's MSR permission map (SVM MSRPM, VMX MSR bitmap), built the
 * same way for both backends: every access exits except reads and writes
 * of the MSRs a VPS keeps (hv/core/msr.c's list), and reads of IA32_TSC (a
 * guest reads its clock as RDTSC does; its writes exit: the core turns
 * them into mv_vp_exit_t_sync_tsc).  Only the map's layout differs.
 */
#ifndef X86_MSR_PASSTHROUGH_H
#define X86_MSR_PASSTHROUGH_H

#include <hv/arch/core.h>

/* The map's layout: the bit that intercepts RDMSR (write false) or WRMSR
 * (write true) of `msr`, or -1 when the map has none (the access exits). */
typedef long (*x86_msr_bit_fn)(uint32_t msr, bool write);

/* Sets every bit of map[0..size) (all exit), then clears the bits of the
 * accesses above. */
void x86_msr_map_init(uint8_t *map, size_t size, x86_msr_bit_fn bit);

/* common/apic_msrs.c: set the bits that make the root's RDMSR/WRMSR of
 * IA32_APIC_BASE and of 0x800-0x8FF exit (hv/core/apic.c's policy). */
void x86_apic_msrs_intercept(uint8_t *map, x86_msr_bit_fn bit);

#endif /* X86_MSR_PASSTHROUGH_H */
