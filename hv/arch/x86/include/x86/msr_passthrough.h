/*
 * The MSR permission maps (SVM MSRPM, VMX MSR bitmap).  The root VM's map
 * lets through exactly the accesses its MSR policy passes (hv/core/msr_root.c,
 * msr_root_passes): every other access, and every MSR outside the map's
 * ranges, exits to the core, which emulates it or injects #GP.
 *
 * A guest VM's map is built the
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

/* Sets every bit of map[0..size), then clears those of the accesses the
 * root's MSR policy passes (the CPU's vendor's table). */
void x86_msr_root_map_init(uint8_t *map, size_t size, x86_msr_bit_fn bit);

#endif /* X86_MSR_PASSTHROUGH_H */
