/* CPUID emulation: the hypervisor-present bit and the MicroV leaves (spec 2). */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <hv/types.h>

struct hv_vps;

/* What CPUID(leaf, subleaf) returns to a guest: EAX, EBX, ECX, EDX. */
void cpuid_compute(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* What CPUID returns to this VPS: its mv_vps_op_set_cpuid values first. */
void cpuid_for_vps(const struct hv_vps *vps, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* The bits of CPUID(leaf, subleaf) that mirror CR4 (OSXSAVE, OSPKE), set
 * in `out` from a VP's `cr4`. */
void cpuid_apply_cr4(uint64_t cr4, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* The bits the root VM has and guest VMs do not (PKS) cleared in `out`. */
void cpuid_hide_from_guest(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* Emulate the CPUID instruction the VPS exited on (registers only). */
void cpuid_emulate(struct hv_vps *vps);

#endif /* HV_CPUID_H */
