/*
 * The root VM's MSR policy: one table per vendor (AMD for the SVM backend
 * and sim-amd, Intel for the VMX backend and sim-intel), and the emulation
 * of the root's intercepted RDMSR/WRMSR.  The backends build their
 * permission maps from the tables (msr_root_passes); every access the map
 * does not let through, and every MSR outside the map's ranges, exits and
 * comes here.  docs/security.md documents the tables row by row; the
 * decisions where the manuals are silent are in docs/spec-errata.md.
 */
#include <hv/arch/arch.h>
#include <hv/msr.h>
#include <hv/msr_root.h>

#define P MSR_RULE_PASS
#define G MSR_RULE_GP
#define A MSR_RULE_APIC

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)
#define EFER_FFXSR (1ull << 14)
#define CR0_PG (1ull << 31)

/* IA32_FEATURE_CONTROL as the root reads it: locked, VMX off (inside and
 * outside SMX): a BIOS that disabled VMX. */
#define FEATURE_CONTROL_LOCKED 0x1ull

/* The variable and fixed-range MTRRs, the same on both vendors: reads pass,
 * every write #GP after boot (docs/security.md).  The other rules both
 * vendors share are repeated in each table, so that each reads alone, as
 * docs/security.md prints it. */
#define MTRR_RANGE_RULES                                                  \
	{ 0x00000200, 0x0000020F, P, G, 0, "MTRR variable base/mask" },   \
	{ 0x00000250, 0x00000250, P, G, 0, "MTRR fixed 64K" },            \
	{ 0x00000258, 0x00000259, P, G, 0, "MTRR fixed 16K" },            \
	{ 0x00000268, 0x0000026F, P, G, 0, "MTRR fixed 4K" }
static const struct msr_rule rules_amd[] = {
	{ 0x00000010, 0x00000010, P, P, 0, "TSC" },
	{ 0x0000001B, 0x0000001B, A, A, 0, "APIC_BASE: reads, same-value writes (hv/core/apic.c)" },
	{ 0x00000048, 0x00000049, P, P, 0, "SPEC_CTRL, PRED_CMD" },
	{ 0x0000008B, 0x0000008B, P, P, 0, "PATCH_LEVEL" },
	{ 0x000000FE, 0x000000FE, P, G, 0, "MTRRcap" },
	{ 0x00000174, 0x00000176, P, P, 0, "SYSENTER_CS/ESP/EIP" },
	{ 0x00000179, 0x0000017B, P, P, 0, "MCG_CAP/STATUS/CTL" },
	{ 0x000001D9, 0x000001D9, MSR_RULE_CONST, MSR_RULE_ZERO, 0, "DEBUGCTL (no LBR/BTF)" },
	MTRR_RANGE_RULES,
	{ 0x00000277, 0x00000277, P, P, 0, "PAT" },
	{ 0x000002FF, 0x000002FF, P, G, 0, "MTRRdefType" },
	{ 0x00000400, 0x0000047F, P, P, 0, "MCA banks" },
	{ 0x000006E1, 0x000006E1, P, P, 0, "PKRS (the root's; 0 while a guest runs: x86 common/pkrs.c)" },
	{ 0x00000800, 0x000008FF, A, A, 0, "x2APIC: #GP, x2APIC stays off (hv/core/apic.c)" },
	{ 0xC0000080, 0xC0000080, MSR_RULE_EFER, MSR_RULE_EFER, 0, "EFER (SVME hidden)" },
	{ 0xC0000081, 0xC0000084, P, P, 0, "STAR, LSTAR, CSTAR, SFMASK" },
	{ 0xC0000100, 0xC0000103, P, P, 0, "FS_BASE, GS_BASE, KERNEL_GS_BASE, TSC_AUX" },
	{ 0xC0010000, 0xC0010007, MSR_RULE_CONST, MSR_RULE_IGNORE, 0,
	  "PERF_CTL/PERF_CTR (architectural on AMD: present, never count)" },
	{ 0xC0010010, 0xC0010010, P, G, 0, "SYSCFG" },
	{ 0xC0010015, 0xC0010015, P, G, 0, "HWCR" },
	{ 0xC0010016, 0xC001001A, P, G, 0, "IORR, TOP_MEM" },
	{ 0xC001001D, 0xC001001D, P, G, 0, "TOP_MEM2" },
	{ 0xC0010020, 0xC0010020, G, MSR_RULE_IGNORE, 0, "PATCH_LOADER (write ignored)" },
	{ 0xC0010111, 0xC0010113, G, G, 0, "SMM_BASE/ADDR/MASK (refused)" },
	{ 0xC0010114, 0xC0010114, G, G, 0, "VM_CR (refused)" },
	{ 0xC0010116, 0xC0010116, G, G, 0, "SMM_CTL (refused)" },
	{ 0xC0010117, 0xC0010117, G, G, 0, "VM_HSAVE_PA (refused)" },
	{ 0xC0010200, 0xC001020B, G, G, 0, "PERF_CTL/PERF_CTR extended (refused)" },
};

static const struct msr_rule rules_intel[] = {
	{ 0x00000010, 0x00000010, P, P, 0, "TSC" },
	{ 0x0000001B, 0x0000001B, A, A, 0, "APIC_BASE: reads, same-value writes (hv/core/apic.c)" },
	{ 0x0000003A, 0x0000003A, MSR_RULE_CONST, G, FEATURE_CONTROL_LOCKED,
	  "FEATURE_CONTROL (locked, VMX off)" },
	{ 0x0000003B, 0x0000003B, P, P, 0, "TSC_ADJUST" },
	{ 0x00000048, 0x00000049, P, P, 0, "SPEC_CTRL, PRED_CMD" },
	{ 0x00000079, 0x00000079, G, MSR_RULE_IGNORE, 0, "BIOS_UPDT_TRIG (write ignored)" },
	{ 0x0000008B, 0x0000008B, P, P, 0, "BIOS_SIGN_ID" },
	{ 0x000000C1, 0x000000C8, G, G, 0, "PMC0-7 (refused)" },
	{ 0x000000CE, 0x000000CE, P, G, 0, "PLATFORM_INFO" },
	{ 0x000000E7, 0x000000E8, P, G, 0, "MPERF, APERF" },
	{ 0x000000FE, 0x000000FE, P, G, 0, "MTRRcap" },
	{ 0x00000174, 0x00000176, P, P, 0, "SYSENTER_CS/ESP/EIP" },
	{ 0x00000179, 0x0000017B, P, P, 0, "MCG_CAP/STATUS/CTL" },
	{ 0x00000186, 0x0000018D, G, G, 0, "PERFEVTSEL0-7 (refused)" },
	{ 0x000001A0, 0x000001A0, P, P, 0, "MISC_ENABLE" },
	{ 0x000001D9, 0x000001D9, MSR_RULE_CONST, MSR_RULE_ZERO, 0, "DEBUGCTL (no LBR/BTF/BTS)" },
	{ 0x000001F2, 0x000001F3, G, G, 0, "SMRR_PHYSBASE/MASK (refused)" },
	MTRR_RANGE_RULES,
	{ 0x00000277, 0x00000277, P, P, 0, "PAT" },
	{ 0x000002FF, 0x000002FF, P, G, 0, "MTRRdefType" },
	{ 0x00000309, 0x0000030B, G, G, 0, "FIXED_CTR0-2 (refused)" },
	{ 0x0000038D, 0x00000390, G, G, 0, "FIXED_CTR_CTRL, PERF_GLOBAL_* (refused)" },
	{ 0x00000400, 0x0000047F, P, P, 0, "MCA banks" },
	{ 0x00000480, 0x00000491, G, G, 0, "VMX capabilities (refused: no VMX)" },
	{ 0x000006E1, 0x000006E1, P, P, 0, "PKRS (the root's; 0 while a guest runs: x86 common/pkrs.c)" },
	{ 0x00000800, 0x000008FF, A, A, 0, "x2APIC: #GP, x2APIC stays off (hv/core/apic.c)" },
	{ 0xC0000080, 0xC0000080, MSR_RULE_EFER, MSR_RULE_EFER, 0, "EFER (SVME reserved)" },
	{ 0xC0000081, 0xC0000084, P, P, 0, "STAR, LSTAR, CSTAR, SFMASK" },
	{ 0xC0000100, 0xC0000103, P, P, 0, "FS_BASE, GS_BASE, KERNEL_GS_BASE, TSC_AUX" },
};

enum msr_vendor msr_root_vendor(void)
{
	static int cached = -1;

	if (cached < 0) {
		uint32_t r[4];
		arch_cpuid_native(0, 0, r);
		/* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel". */
		bool intel = r[1] == 0x756E6547u && r[3] == 0x49656E69u && r[2] == 0x6C65746Eu;
		cached = intel ? MSR_VENDOR_INTEL : MSR_VENDOR_AMD;
	}
	return (enum msr_vendor)cached;
}

uint32_t msr_root_rule_count(enum msr_vendor v)
{
	return v == MSR_VENDOR_AMD ? HV_ARRAY_SIZE(rules_amd) : HV_ARRAY_SIZE(rules_intel);
}

const struct msr_rule *msr_root_rule_at(enum msr_vendor v, uint32_t i)
{
	if (i >= msr_root_rule_count(v))
		return NULL;
	return v == MSR_VENDOR_AMD ? &rules_amd[i] : &rules_intel[i];
}

const struct msr_rule *msr_root_rule(enum msr_vendor v, uint32_t msr)
{
	for (uint32_t i = 0; i < msr_root_rule_count(v); i++) {
		const struct msr_rule *r = msr_root_rule_at(v, i);
		if (msr >= r->first && msr <= r->last)
			return r;
	}
	return NULL;
}

bool msr_root_passes(enum msr_vendor v, uint32_t msr, bool write)
{
	const struct msr_rule *r = msr_root_rule(v, msr);
	return r && (write ? r->write : r->read) == MSR_RULE_PASS;
}

static void set_edx_eax(struct hv_vps *vps, uint64_t val)
{
	arch_vps_set_reg(vps, bf_reg_t_rax, (uint32_t)val);
	arch_vps_set_reg(vps, bf_reg_t_rdx, val >> 32);
}

/* EFER: the root sees SVME clear (its CPUID has no SVM; on Intel the bit
 * is reserved) and may not set it; on AMD the VMCB's EFER keeps it set, as
 * VMRUN requires.  LMA is the CPU's (writes leave it), LME may not change
 * while paging is on, other reserved bits #GP, as on hardware.  Emulated on
 * both vendors so that mvsim's engine, which would accept SVME, agrees. */
static int efer_access(struct hv_vps *vps, bool write, uint64_t value)
{
	uint64_t ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	uint64_t cur;

	if (arch_vps_get_msr(vps, MSR_EFER, &cur) != 0)
		return -1;
	if (!write) {
		set_edx_eax(vps, cur & ~EFER_SVME);
		return 0;
	}
	if (msr_root_vendor() == MSR_VENDOR_AMD)
		ok |= EFER_FFXSR;
	if (value & ~ok)
		return -1;
	if (((value ^ cur) & EFER_LME) && (arch_vps_get_reg(vps, bf_reg_t_cr0) & CR0_PG))
		return -1;
	uint64_t next = (value & ~EFER_LMA) | (cur & (EFER_LMA | EFER_SVME));
	return arch_vps_set_msr(vps, MSR_EFER, next);
}

int msr_root_access(struct hv_vps *vps, uint32_t msr, bool write, uint64_t value)
{
	const struct msr_rule *r = msr_root_rule(msr_root_vendor(), msr);
	if (!r)
		return -1;
	switch (write ? r->write : r->read) {
	case MSR_RULE_CONST:
		if (write)
			return -1;
		set_edx_eax(vps, r->value);
		return 0;
	case MSR_RULE_IGNORE:
		return write ? 0 : -1;
	case MSR_RULE_ZERO:
		return write && value == 0 ? 0 : -1;
	case MSR_RULE_EFER:
		return efer_access(vps, write, value);
	case MSR_RULE_APIC:
		/* hv/core/exit.c hands these to apic_root_msr first. */
		return -1;
	case MSR_RULE_PASS:
		/* The map lets it through; an exit here means the backend's
		 * map and this table disagree: refuse rather than guess. */
	case MSR_RULE_GP:
	default:
		return -1;
	}
}
