/*
 * CPUID emulation (spec section 2, docs/spec-errata.md E-13).
 *
 * 0x40000000-0x4000FFFF belongs to the hypervisor: 0x40000000 reports the
 * highest leaf, the MicroV block sits at 0x40000200 (the first place the
 * discovery scan looks), and every other leaf of the range returns zeros.
 * Everything else is what the processor returns, changed by one policy table
 * (cpuid_policy below, documented in docs/root-vm.md "CPUID policy"): the
 * hypervisor-present bit set, the features the hypervisor does not
 * virtualize hidden, and the bits that mirror a control register (OSXSAVE,
 * OSPKE) taken from the executing VP's own CR4, not the hypervisor's.
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/cpuid.h>
#include <hv/vps.h>

#ifndef MV_VER_YEAR
#error "MV_VER_YEAR must be defined by the build (CPUID_4000_XX02_EBX)"
#endif

#define HV_CPUID_RANGE_FIRST 0x40000000u
#define HV_CPUID_RANGE_LAST MV_CPUID_MAX_LEAF_VAL
#define HV_CPUID_MICROV_BASE MV_CPUID_INIT_VAL
/* The highest leaf this hypervisor implements (CPUID_4000_0000_EAX). */
#define HV_CPUID_MAX_LEAF (HV_CPUID_MICROV_BASE + MV_CPUID_LEAF_VERSION)

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define CPUID_ANY_SUBLEAF 0xFFFFFFFFu

enum cpuid_rule {
	CPUID_SET,      /* the bits read as 1 */
	CPUID_HIDE,     /* the bits read as 0 */
	CPUID_FROM_CR4, /* the bit reads as the VP's CR4 bit `cr4` */
	CPUID_HIDE_GUEST, /* the root VM's as the processor says; 0 to guest VMs */
};

/* One line per bit (or register) the hypervisor changes; see
 * docs/root-vm.md "CPUID policy".  Register: 0 EAX, 1 EBX, 2 ECX, 3 EDX. */
struct cpuid_policy_entry {
	uint32_t leaf;
	uint32_t subleaf; /* CPUID_ANY_SUBLEAF: every subleaf */
	uint8_t reg;
	uint8_t rule;
	uint32_t mask;
	uint64_t cr4;
};

static const struct cpuid_policy_entry cpuid_policy[] = {
	/* Hypervisor present (spec 2). */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_SET, 1u << 31, 0 },
	/* VMX: no nested virtualization. */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 5, 0 },
	/* SMX (GETSEC): not virtualized. */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 6, 0 },
	/* x2APIC: not virtualized; the root's x2APIC MSRs raise #GP (hv/core/apic.c, docs/root-vm.md). */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 21, 0 },
	/* OSXSAVE mirrors the VP's CR4.OSXSAVE. */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_FROM_CR4, 1u << 27, CR4_OSXSAVE },
	/* OSPKE mirrors the VP's CR4.PKE. */
	{ 0x7, 0, 2, CPUID_FROM_CR4, 1u << 4, CR4_PKE },
	/* PKS: the root's where the processor has it (IA32_PKRS passed through,
	 * msr_root.c); guest VMs run with PKRS 0 and their PKRS accesses #GP
	 * (hv/arch/x86/common/pkrs.c), so they are not offered it. */
	{ 0x7, 0, 2, CPUID_HIDE_GUEST, 1u << 31, 0 },
	/* PDCM: IA32_PERF_CAPABILITIES (0x345) is not in the root's MSR policy
	 * (no PMU is offered; kvm-unit-tests reads it when PDCM is set). */
	{ 0x1, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 15, 0 },
	/* No architectural PMU (Intel leaf 0xA) nor AMD's extended core counters:
	 * the root's MSR policy refuses their MSRs (docs/security.md). */
	{ 0xA, CPUID_ANY_SUBLEAF, 0, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0xA, CPUID_ANY_SUBLEAF, 1, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0xA, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0xA, CPUID_ANY_SUBLEAF, 3, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0x80000001u, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 23, 0 },
	/* SVM: no nested virtualization, and its feature leaf reads as zeros. */
	{ 0x80000001u, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 2, 0 },
	/* SKINIT: STGI and SKINIT raise #UD in every VM (E-59), as where it is 0. */
	{ 0x80000001u, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 1u << 12, 0 },
	{ 0x8000000Au, CPUID_ANY_SUBLEAF, 0, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0x8000000Au, CPUID_ANY_SUBLEAF, 1, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0x8000000Au, CPUID_ANY_SUBLEAF, 2, CPUID_HIDE, 0xFFFFFFFFu, 0 },
	{ 0x8000000Au, CPUID_ANY_SUBLEAF, 3, CPUID_HIDE, 0xFFFFFFFFu, 0 },
};

_Static_assert(HV_CPUID_MAX_LEAF >= MV_CPUID_MIN_LEAF_VAL, "max leaf below the spec minimum");
_Static_assert(MV_VER_MONTH >= 1 && MV_VER_MONTH <= 12, "MV_VER_MONTH out of range");

static void cpuid_hypervisor_range(uint32_t leaf, uint32_t out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;

	switch (leaf) {
	case HV_CPUID_RANGE_FIRST:
		out[0] = HV_CPUID_MAX_LEAF;
		break;
	case HV_CPUID_MICROV_BASE + MV_CPUID_LEAF_VENDOR:
		out[1] = MV_CPUID_VENDOR_ID1_VAL;
		out[2] = MV_CPUID_VENDOR_ID2_VAL;
		break;
	case HV_CPUID_MICROV_BASE + MV_CPUID_LEAF_SPEC:
		out[0] = MV_CPUID_SPEC_ID1;
		break;
	case HV_CPUID_MICROV_BASE + MV_CPUID_LEAF_VERSION:
		out[1] = ((uint32_t)MV_VER_YEAR << MV_VER_YEAR_SHIFT) |
			 ((uint32_t)MV_VER_MONTH & MV_VER_MONTH_MASK);
		out[3] = (uint32_t)MV_BUILD_NUM;
		break;
	default:
		break;
	}
}

static bool cpuid_policy_matches(const struct cpuid_policy_entry *e, uint32_t leaf,
				 uint32_t subleaf)
{
	return e->leaf == leaf && (e->subleaf == CPUID_ANY_SUBLEAF || e->subleaf == subleaf);
}

/* Apply the policy's rules of kind `dynamic` (CPUID_FROM_CR4, with `cr4`)
 * or the static ones (SET, HIDE) to `out`. */
static void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, bool dynamic, uint64_t cr4,
			       uint32_t out[4])
{
	for (unsigned i = 0; i < HV_ARRAY_SIZE(cpuid_policy); i++) {
		const struct cpuid_policy_entry *e = &cpuid_policy[i];
		if (!cpuid_policy_matches(e, leaf, subleaf) || e->rule == CPUID_HIDE_GUEST ||
		    (e->rule == CPUID_FROM_CR4) != dynamic)
			continue;
		bool set = dynamic ? (cr4 & e->cr4) != 0 : e->rule == CPUID_SET;
		out[e->reg] = set ? (out[e->reg] | e->mask) : (out[e->reg] & ~e->mask);
	}
}

void cpuid_compute(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	if (leaf >= HV_CPUID_RANGE_FIRST && leaf <= HV_CPUID_RANGE_LAST) {
		cpuid_hypervisor_range(leaf, out);
		return;
	}
	arch_cpuid_native(leaf, subleaf, out);
	cpuid_policy_apply(leaf, subleaf, false, 0, out);
}

void cpuid_apply_cr4(uint64_t cr4, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	cpuid_policy_apply(leaf, subleaf, true, cr4, out);
}

void cpuid_hide_from_guest(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	for (unsigned i = 0; i < HV_ARRAY_SIZE(cpuid_policy); i++) {
		const struct cpuid_policy_entry *e = &cpuid_policy[i];
		if (e->rule == CPUID_HIDE_GUEST && cpuid_policy_matches(e, leaf, subleaf))
			out[e->reg] &= ~e->mask;
	}
}

void cpuid_for_vps(const struct hv_vps *vps, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	for (unsigned i = 0; i < HV_VPS_MAX_CPUID; i++) {
		const struct hv_cpuid_entry *e = &vps->cpuid[i];
		if (e->used && e->leaf == leaf && e->subleaf == subleaf) {
			for (int r = 0; r < 4; r++)
				out[r] = e->regs[r];
			return;
		}
	}
	cpuid_compute(leaf, subleaf, out);
}

void cpuid_emulate(struct hv_vps *vps)
{
	uint32_t out[4];
	uint32_t leaf = (uint32_t)arch_vps_get_reg(vps, bf_reg_t_rax);
	uint32_t subleaf = (uint32_t)arch_vps_get_reg(vps, bf_reg_t_rcx);

	cpuid_for_vps(vps, leaf, subleaf, out);
	/* The CR4 mirrors hold for set_cpuid values too, as on hardware. */
	cpuid_apply_cr4(arch_vps_get_reg(vps, bf_reg_t_cr4), leaf, subleaf, out);
	/* And for set_cpuid values: the hypervisor cannot give a guest these. */
	if (vps_vmid(vps) != 0)
		cpuid_hide_from_guest(leaf, subleaf, out);
	/* CPUID writes the 32-bit registers, which zero-extends to 64 bits. */
	arch_vps_set_reg(vps, bf_reg_t_rax, out[0]);
	arch_vps_set_reg(vps, bf_reg_t_rbx, out[1]);
	arch_vps_set_reg(vps, bf_reg_t_rcx, out[2]);
	arch_vps_set_reg(vps, bf_reg_t_rdx, out[3]);
}
