/* The MSRs a VPS has its own copy of (mv_vps_op_get/set_msr, msr.c), and
 * the root VM's MSR policy (msr_root.c, docs/security.md). */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <hv/types.h>

#define MSR_IA32_TSC 0x00000010u
#define MSR_IA32_SYSENTER_CS 0x00000174u
#define MSR_IA32_SYSENTER_ESP 0x00000175u
#define MSR_IA32_SYSENTER_EIP 0x00000176u
#define MSR_IA32_PAT 0x00000277u
#define MSR_EFER 0xC0000080u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_SFMASK 0xC0000084u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u

bool msr_supported(uint32_t msr);
/* The supported MSRs, in ascending order. */
uint32_t msr_supported_count(void);
uint32_t msr_supported_at(uint32_t i);
/* MSRs describing features of the hypervisor (none yet). */
uint32_t msr_feature_count(void);
uint32_t msr_feature_at(uint32_t i);

/*
 * The root VM's MSR policy: one table per vendor (msr_root.c).  Each rule
 * covers MSRs first..last and says, for RDMSR and for WRMSR, what happens:
 *   MSR_RULE_PASS    the CPU executes it (the backend's map lets it through);
 *   MSR_RULE_GP      #GP injected, RIP not advanced, nothing changed;
 *   MSR_RULE_CONST   read: the rule's value;
 *   MSR_RULE_IGNORE  write: discarded, RIP advanced;
 *   MSR_RULE_ZERO    write: 0 is accepted (nothing to do), others #GP;
 *   MSR_RULE_EFER    EFER with SVME hidden (SVM: the VMCB's EFER keeps it);
 *   MSR_RULE_APIC    the root's local APIC policy (hv/core/apic.c): IA32_APIC_BASE
 *                    reads and same-value writes, x2APIC MSRs #GP.
 * An MSR no rule covers raises #GP on both accesses, as on hardware.
 */
enum msr_vendor { MSR_VENDOR_INTEL, MSR_VENDOR_AMD };
enum msr_action {
	MSR_RULE_PASS, MSR_RULE_GP, MSR_RULE_CONST, MSR_RULE_IGNORE, MSR_RULE_ZERO, MSR_RULE_EFER,
	MSR_RULE_APIC
};

struct msr_rule {
	uint32_t first, last;
	uint8_t read, write; /* enum msr_action */
	uint64_t value;      /* MSR_CONST */
	const char *what;
};

/* The CPU's vendor (CPUID 0 through arch_cpuid_native), whose table applies. */
enum msr_vendor msr_root_vendor(void);
/* The rule for `msr`, NULL when none (then both accesses #GP). */
const struct msr_rule *msr_root_rule(enum msr_vendor v, uint32_t msr);
/* Whether the CPU executes the root's RDMSR (write false) / WRMSR of `msr`. */
bool msr_root_passes(enum msr_vendor v, uint32_t msr, bool write);
/* The table, in ascending order (for the backends' permission maps). */
uint32_t msr_root_rule_count(enum msr_vendor v);
const struct msr_rule *msr_root_rule_at(enum msr_vendor v, uint32_t i);

#endif /* HV_MSR_H */
