/*
 * The root VM's local APIC and CPU start-up (apic.c, docs/root-vm.md
 * "Local APIC" and "CPU start-up"): the xAPIC page is the real one, mapped
 * read-only; its trapped stores are emulated; INIT and SIPI never reach the
 * hardware but start or park root VPs; IA32_APIC_BASE cannot move or switch
 * to x2APIC, and the x2APIC MSRs raise #GP.
 */
#ifndef HV_APIC_H
#define HV_APIC_H

#include <hv/arch/exit.h>
#include <hv/types.h>

struct hv_pp;
struct hv_vm;
struct hv_vps;

#define APIC_MSR_BASE 0x1Bu
#define APIC_MSR_X2APIC_FIRST 0x800u
#define APIC_MSR_X2APIC_LAST 0x8FFu

/* core_init: map the local APIC page `spa` (0: none) read-only, uncached,
 * never executable into the root VM.  0, or -1 out of table memory. */
int apic_root_map(struct hv_vm *root, uint64_t spa);

/* Whether `gpa` is in the root's local APIC page. */
bool apic_is_root_page(uint64_t gpa);

/* A root store to the APIC page trapped (exit->u.slpt): decode it, perform
 * it, advance RIP.  NULL when done, else why the root must be stopped. */
const char *apic_root_store(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit);

/* Whether the root's MSR `msr` is this policy's (0x1B, 0x800-0x8FF). */
bool apic_is_root_msr(uint32_t msr);
/* Complete the root's RDMSR/WRMSR of such an MSR: 0 done (advance RIP),
 * -1 the access raises #GP. */
int apic_root_msr(struct hv_vps *vps, const struct hv_exit *exit);

/* Deliver an NMI to the root VP of PP `target` (online PPs only; NULL:
 * none), as the local APIC would: queued, the owner PP kicked, held by the
 * backend while that VP blocks NMIs. */
void apic_root_nmi(struct hv_pp *target);

/* core_pp_run, before running the PP's root VP: true when a SIPI started it
 * (its INIT state loaded, the PP online). */
bool apic_pp_take_sipi(struct hv_pp *pp);
/* After an exit of the root VP: true when an INIT parked it (PP offline). */
bool apic_pp_take_init(struct hv_pp *pp);

#endif /* HV_APIC_H */
