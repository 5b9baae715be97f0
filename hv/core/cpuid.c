/*
 * CPUID emulation (spec section 2, docs/spec-errata.md E-13).
 *
 * 0x40000000-0x4000FFFF belongs to the hypervisor: 0x40000000 reports the
 * highest leaf, the MicroV block sits at 0x40000200 (the first place the
 * discovery scan looks), and every other leaf of the range returns zeros.
 * Everything else is what the processor returns, with the hypervisor-present
 * bit set and the virtualization extensions hidden (no nesting).
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

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_X2APIC (1u << 21) /* not virtualized: hv/core/apic.c */
#define CPUID_8000_0001_ECX_SVM (1u << 2)

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

void cpuid_compute(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	if (leaf >= HV_CPUID_RANGE_FIRST && leaf <= HV_CPUID_RANGE_LAST) {
		cpuid_hypervisor_range(leaf, out);
		return;
	}
	arch_cpuid_native(leaf, subleaf, out);
	if (leaf == 1) {
		out[2] |= MV_CPUID_HYPERVISOR_PRESENT;
		out[2] &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_X2APIC);
	} else if (leaf == 0x80000001u) {
		out[2] &= ~CPUID_8000_0001_ECX_SVM;
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
	/* CPUID writes the 32-bit registers, which zero-extends to 64 bits. */
	arch_vps_set_reg(vps, bf_reg_t_rax, out[0]);
	arch_vps_set_reg(vps, bf_reg_t_rbx, out[1]);
	arch_vps_set_reg(vps, bf_reg_t_rcx, out[2]);
	arch_vps_set_reg(vps, bf_reg_t_rdx, out[3]);
}
