/*
 * cpuid: the CPUID leaves of spec 2.1/2.2 as docs/spec-errata.md
 * resolves them, subleaf independence, and the discovery algorithm of spec
 * 2.2.1 run as a guest would.  Needs no handle and makes no hypercall.
 */
#include "probe.h"

PROBE_TITLE("CPUID: hypervisor bit, MicroV leaves 0x40000000-0x4000FFFF, discovery");

enum reg { EAX, EBX, ECX, EDX };
static const char *const reg_name[4] = { "eax", "ebx", "ecx", "edx" };

static uint32_t reg_of(struct cpuid_regs r, enum reg g)
{
	switch (g) {
	case EAX:
		return r.eax;
	case EBX:
		return r.ebx;
	case ECX:
		return r.ecx;
	default:
		return r.edx;
	}
}

/* Catalogue item of (leaf, register). */
static const char *item_of(uint32_t leaf, enum reg g)
{
	static const char *const xx00[4] = { "CPUID_4000_XXXX_OTHER", "CPUID_4000_XX00_EBX",
					     "CPUID_4000_XX00_ECX", "CPUID_4000_XX00_EDX" };
	static const char *const xx01[4] = { "CPUID_4000_XX01_EAX", "CPUID_4000_XX01_EBX",
					     "CPUID_4000_XX01_ECX", "CPUID_4000_XX01_EDX" };
	static const char *const xx02[4] = { "CPUID_4000_XX02_EAX", "CPUID_4000_XX02_EBX",
					     "CPUID_4000_XX02_ECX", "CPUID_4000_XX02_EDX" };

	if (leaf == EXP_CPUID_HV_BASE_LEAF)
		return g == EAX ? "CPUID_4000_0000_EAX" : "CPUID_4000_XXXX_OTHER";
	if (leaf == EXP_CPUID_XX00)
		return xx00[g];
	if (leaf == EXP_CPUID_XX01)
		return xx01[g];
	if (leaf == EXP_CPUID_XX02)
		return xx02[g];
	return "CPUID_4000_XXXX_OTHER";
}

static void check_leaf1(void)
{
	struct cpuid_regs r = cpuid1(EXP_CPUID_FEATURES_LEAF);

	check_eq("leaf1-ecx-bit31", "CPUID_0000_0001_ECX", 1,
		 (r.ecx & EXP_CPUID_HYPERVISOR_PRESENT) != 0,
		 "CPUID.1:ECX[31] hypervisor present (ECX=0x%x)", r.ecx);
	check_eq("leaf1-ecx-vmx-hidden", "CPUID_0000_0001_ECX", 0, r.ecx & (1u << 5),
		 "CPUID.1:ECX[5] (VMX) is clear: VMX is the hypervisor's (E-13; ECX=0x%x)", r.ecx);
}

static void check_fixed(uint32_t leaf, enum reg g, uint32_t expected, const char *what)
{
	struct cpuid_regs r = cpuid1(leaf);

	check_eq(rt_fmt("%08x-%s", leaf, reg_name[g]), item_of(leaf, g), expected,
		 reg_of(r, g), "CPUID 0x%08x %s: %s", leaf, reg_name[g], what);
}

static void check_fixed_leaves(void)
{
	check_fixed(EXP_CPUID_HV_BASE_LEAF, EAX, EXP_CPUID_4000_0000_EAX, "the max leaf");
	check_fixed(EXP_CPUID_HV_BASE_LEAF, EBX, EXP_CPUID_4000_XXXX_OTHER, "zero");
	check_fixed(EXP_CPUID_HV_BASE_LEAF, ECX, EXP_CPUID_4000_XXXX_OTHER, "zero");
	check_fixed(EXP_CPUID_HV_BASE_LEAF, EDX, EXP_CPUID_4000_XXXX_OTHER, "zero");

	check_fixed(EXP_CPUID_XX00, EAX, EXP_CPUID_4000_XXXX_OTHER, "zero");
	check_fixed(EXP_CPUID_XX00, EBX, EXP_CPUID_VENDOR_ID1_VAL, "vendor id 1 'MvMi'");
	check_fixed(EXP_CPUID_XX00, ECX, EXP_CPUID_VENDOR_ID2_VAL, "vendor id 2 'croV'");
	check_fixed(EXP_CPUID_XX00, EDX, EXP_CPUID_4000_XX00_EDX, "reserved, zero");

	check_fixed(EXP_CPUID_XX01, EAX, EXP_CPUID_4000_XX01_EAX,
		    "supported spec versions: bit 0 Mv#1");
	check_fixed(EXP_CPUID_XX01, EBX, EXP_CPUID_4000_XX01_EBX, "reserved, zero");
	check_fixed(EXP_CPUID_XX01, ECX, EXP_CPUID_4000_XX01_ECX, "reserved, zero");
	check_fixed(EXP_CPUID_XX01, EDX, EXP_CPUID_4000_XX01_EDX, "reserved, zero");

	check_fixed(EXP_CPUID_XX02, EAX, EXP_CPUID_4000_XX02_EAX, "reserved, zero");
	check_fixed(EXP_CPUID_XX02, ECX, EXP_CPUID_4000_XX02_ECX, "reserved, zero");
}

static void check_version(void)
{
	struct cpuid_regs r = cpuid1(EXP_CPUID_XX02);
	uint32_t year = r.ebx >> EXP_VER_YEAR_SHIFT, month = r.ebx & EXP_VER_MONTH_MASK;
	bool ok = year >= EXP_CPUID_VER_YEAR_MIN && year <= EXP_CPUID_VER_YEAR_MAX &&
		  month >= EXP_CPUID_VER_MONTH_MIN && month <= EXP_CPUID_VER_MONTH_MAX;
	int i;
	bool stable = true;

	check_tok("40000202-ebx", "CPUID_4000_XX02_EBX", "plausible-date", rt_hex(r.ebx), ok,
		  "release date: year %u in [%u,%u], month %u in [%u,%u]", year,
		  EXP_CPUID_VER_YEAR_MIN, EXP_CPUID_VER_YEAR_MAX, month, EXP_CPUID_VER_MONTH_MIN,
		  EXP_CPUID_VER_MONTH_MAX);

	for (i = 0; i < 16; i++) {
		struct cpuid_regs s = cpuid2(EXP_CPUID_XX02, (uint32_t)i * 0x11111111u);

		stable = stable && s.edx == r.edx && s.ebx == r.ebx;
	}
	check_tok("40000202-edx", "CPUID_4000_XX02_EDX", rt_hex(r.edx), rt_hex(r.edx), stable,
		  "build number %u (a build parameter): reported, must be stable across queries",
		  r.edx);
}

static void check_other_leaves(void)
{
	static const uint32_t leaves[] = {
		0x40000001, 0x400000FF, 0x40000100, 0x40000101, 0x400001FF, 0x40000203,
		0x400002FF, 0x40000300, 0x40001000, 0x40008000, 0x4000FFFE, 0x4000FFFF,
	};
	unsigned i;
	int g;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = cpuid1(leaves[i]);

		for (g = EAX; g <= EDX; g++)
			check_eq(rt_fmt("%08x-%s", leaves[i], reg_name[g]),
				 "CPUID_4000_XXXX_OTHER", EXP_CPUID_4000_XXXX_OTHER,
				 reg_of(r, (enum reg)g),
				 "CPUID 0x%08x %s: every other MicroV-range leaf is zero",
				 leaves[i], reg_name[g]);
	}
}

static void check_subleaves(void)
{
	static const uint32_t leaves[] = { EXP_CPUID_HV_BASE_LEAF, EXP_CPUID_XX00, EXP_CPUID_XX01,
					   EXP_CPUID_XX02, 0x40000300 };
	static const uint32_t subs[] = { 1, 0x12345678, 0xFFFFFFFF };
	unsigned i, j;
	int g;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs base = cpuid2(leaves[i], 0);

		for (j = 0; j < sizeof(subs) / sizeof(subs[0]); j++) {
			struct cpuid_regs r = cpuid2(leaves[i], subs[j]);

			for (g = EAX; g <= EDX; g++)
				check_eq(rt_fmt("%08x-sub%x-%s", leaves[i], subs[j], reg_name[g]),
					 item_of(leaves[i], (enum reg)g),
					 reg_of(base, (enum reg)g), reg_of(r, (enum reg)g),
					 "CPUID 0x%08x %s with ECX=0x%x equals ECX=0 (subleaf ignored)",
					 leaves[i], reg_name[g], subs[j]);
		}
	}
}

/* Spec 2.2.1, exactly as a guest runs it. */
static void check_discovery(void)
{
	const char *items = "CPUID_0000_0001_ECX,CPUID_4000_0000_EAX,CPUID_4000_XX00_EBX,"
			    "CPUID_4000_XX00_ECX";
	uint32_t max, leaf;

	if (!(cpuid1(EXP_CPUID_FEATURES_LEAF).ecx & EXP_CPUID_HYPERVISOR_PRESENT)) {
		check_tok("discovery", items, rt_hex(EXP_CPUID_XX00), "no-hypervisor", false,
			  "discovery: CPUID.1:ECX[31] clear, no hypervisor");
		return;
	}
	max = cpuid1(EXP_CPUID_HV_BASE_LEAF).eax;
	if (max < EXP_CPUID_MIN_LEAF_VAL || max > EXP_CPUID_MAX_LEAF_VAL) {
		check_tok("discovery", items, rt_hex(EXP_CPUID_XX00), "max-out-of-range", false,
			  "discovery: max leaf 0x%x not in [0x%x,0x%x]: not MicroV", max,
			  EXP_CPUID_MIN_LEAF_VAL, EXP_CPUID_MAX_LEAF_VAL);
		return;
	}
	for (leaf = EXP_CPUID_INIT_VAL; leaf <= max; leaf += EXP_CPUID_INC_VAL) {
		struct cpuid_regs r = cpuid1(leaf);

		if (r.ebx == EXP_CPUID_VENDOR_ID1_VAL && r.ecx == EXP_CPUID_VENDOR_ID2_VAL) {
			check_eq("discovery", items, EXP_CPUID_XX00, leaf,
				 "discovery scan from 0x%x step 0x%x to max 0x%x finds MicroV",
				 EXP_CPUID_INIT_VAL, EXP_CPUID_INC_VAL, max);
			return;
		}
	}
	check_tok("discovery", items, rt_hex(EXP_CPUID_XX00), "not-found", false,
		  "discovery scan from 0x%x step 0x%x to max 0x%x did not find MicroV",
		  EXP_CPUID_INIT_VAL, EXP_CPUID_INC_VAL, max);
}

void probe_main(void)
{
	check_leaf1();
	check_fixed_leaves();
	check_version();
	check_other_leaves();
	check_subleaves();
	check_discovery();
}
