/*
 * Unit tests of the root VM's MSR policy (hv/core/msr_root.c): both tables
 * well formed, the MSRs issue 11 says are never the root's refused on both
 * vendors, and the root's intercepted RDMSR/WRMSR through core_handle_exit:
 * emulated values in EDX:EAX with RIP advanced, #GP with RIP unchanged
 * (the fake CPU is not GenuineIntel: the AMD table applies to the exits).
 */
#include <microv/mv_abi.h>

#include <hv/msr.h>

#include "fake_arch.h"
#include "test_main.h"

static const enum msr_vendor vendors[] = { MSR_VENDOR_INTEL, MSR_VENDOR_AMD };

static void test_tables(void)
{
	for (size_t k = 0; k < 2; k++) {
		enum msr_vendor v = vendors[k];
		uint32_t n = msr_root_rule_count(v);
		EXPECT_TRUE(n > 10);
		EXPECT_TRUE(msr_root_rule_at(v, n) == NULL);
		for (uint32_t i = 0; i < n; i++) {
			const struct msr_rule *r = msr_root_rule_at(v, i);
			EXPECT_TRUE(r->first <= r->last);
			if (i > 0)
				EXPECT_TRUE(msr_root_rule_at(v, i - 1)->last < r->first);
			/* A read is passed, refused, a constant or EFER's. */
			EXPECT_TRUE(r->read != MSR_RULE_IGNORE && r->read != MSR_RULE_ZERO);
			EXPECT_TRUE(r->write != MSR_RULE_CONST);
			EXPECT_TRUE(r->what != NULL);
			EXPECT_TRUE(msr_root_rule(v, r->first) == r && msr_root_rule(v, r->last) == r);
		}
	}
}

/* Issue 11: never the root's, on either vendor (reads and writes). */
static void test_never_root(void)
{
	static const uint32_t never[] = {
		0xC0010117, /* VM_HSAVE_PA */ 0xC0010114, /* VM_CR */
		0xC0010111, 0xC0010112, 0xC0010113, 0xC0010116, /* SMM */
		0x1F2, 0x1F3, /* SMRR */ 0x480, 0x48B, 0x491, /* VMX capabilities */
		0xC1, 0x186, 0x38F, 0xC0010200, /* counters (AMD's legacy ones: inert_counters) */
		0x1DB, 0x1DC, /* LBR */ 0xBAD, 0x12345678, 0x40000000, /* unknown */
	};
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
			const struct msr_rule *r = msr_root_rule(vendors[k], never[i]);
			EXPECT_TRUE(r == NULL || (r->read == MSR_RULE_GP && r->write == MSR_RULE_GP));
			EXPECT_TRUE(!msr_root_passes(vendors[k], never[i], false));
			EXPECT_TRUE(!msr_root_passes(vendors[k], never[i], true));
		}
		/* AMD's legacy counters are architectural: they read 0 and never
		 * count (writes discarded); never passed to the CPU. */
		for (uint32_t m = 0xC0010000; m <= 0xC0010007; m++) {
			EXPECT_TRUE(!msr_root_passes(vendors[k], m, false));
			EXPECT_TRUE(!msr_root_passes(vendors[k], m, true));
		}
		/* MTRRs, FEATURE_CONTROL, microcode loaders: no write reaches the CPU. */
		static const uint32_t no_write[] = { 0xFE, 0x200, 0x20F, 0x250, 0x258, 0x26F, 0x2FF,
						     0x3A, 0x79, 0xC0010020, 0x1D9, 0xC0000080 };
		for (size_t i = 0; i < sizeof(no_write) / sizeof(no_write[0]); i++)
			EXPECT_TRUE(!msr_root_passes(vendors[k], no_write[i], true));
		/* What an OS needs runs. */
		static const uint32_t pass[] = { 0x10, 0x174, 0x277, 0xC0000082, 0xC0000100,
						 0xC0000102, 0xC0000103, 0x48 };
		for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
			EXPECT_TRUE(msr_root_passes(vendors[k], pass[i], false));
			EXPECT_TRUE(msr_root_passes(vendors[k], pass[i], true));
		}
	}
	const struct msr_rule *fc = msr_root_rule(MSR_VENDOR_INTEL, 0x3A);
	EXPECT_TRUE(fc && fc->read == MSR_RULE_CONST && fc->value == 0x1);
	EXPECT_TRUE(msr_root_rule(MSR_VENDOR_AMD, 0x3A) == NULL);
	EXPECT_TRUE(msr_root_rule(MSR_VENDOR_INTEL, 0xC0010117) == NULL);
}

static uint64_t exit_msr(struct hv_vps *root, uint32_t msr, bool write, uint64_t val)
{
	struct fake_vps_regs *r = fake_regs(root);
	r->reg[bf_reg_t_rip] = 0x200000;
	r->reg[bf_reg_t_rax] = 0xAAAA;
	r->reg[bf_reg_t_rdx] = 0xDDDD;
	struct hv_exit e = { .type = HV_EXIT_MSR, .rip = 0x200000, .u.msr = { msr, write, val } };
	core_handle_exit(root, &e);
	return r->reg[bf_reg_t_rip] - 0x200000; /* 2: done, 0: #GP */
}

static void test_root_exits(void)
{
	struct hv_vps *root = fake_boot_default();
	struct fake_vps_regs *r = fake_regs(root);

	EXPECT_EQ(msr_root_vendor(), MSR_VENDOR_AMD);
	EXPECT_EQ(exit_msr(root, 0xC0010117, true, 0x300000), 0); /* VM_HSAVE_PA */
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0xAAAA);
	EXPECT_EQ(exit_msr(root, 0xC0010117, false, 0), 0);
	EXPECT_EQ(exit_msr(root, 0xC0010114, true, 0x18), 0);     /* VM_CR */
	EXPECT_EQ(exit_msr(root, 0x12345678, false, 0), 0);       /* unknown */
	EXPECT_EQ(exit_msr(root, 0x2FF, true, 0x806), 0);         /* MTRRdefType */
	EXPECT_EQ(exit_msr(root, 0xC0010020, true, 0x1000), 2);   /* PATCH_LOADER: ignored */
	EXPECT_EQ(exit_msr(root, 0xC0010020, false, 0), 0);
	EXPECT_EQ(exit_msr(root, 0x1D9, false, 0), 2);            /* DEBUGCTL reads 0 */
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0);
	EXPECT_EQ(r->reg[bf_reg_t_rdx], 0);
	EXPECT_EQ(exit_msr(root, 0x1D9, true, 0), 2);
	EXPECT_EQ(exit_msr(root, 0x1D9, true, 1), 0);
	/* EFER: the fake's get_msr gives 0x1000 + msr = 0xC0001080 (SVME set). */
	EXPECT_EQ(exit_msr(root, 0xC0000080, false, 0), 2);
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0xC0000080 & 0xFFFFFFFF);
	EXPECT_EQ(r->reg[bf_reg_t_rdx], 0);
	EXPECT_EQ(exit_msr(root, 0xC0000080, true, 0x1D01), 0);   /* SVME set */
	EXPECT_EQ(exit_msr(root, 0xC0000080, true, 0x10000), 0);  /* reserved bit */
	r->reg[bf_reg_t_cr0] = 0x80000011;
	EXPECT_EQ(exit_msr(root, 0xC0000080, true, 0x0D01), 0);   /* LME changed with PG */
	r->reg[bf_reg_t_cr0] = 0x11;
	EXPECT_EQ(exit_msr(root, 0xC0000080, true, 0x0D01), 2);
	/* A passed MSR that exits anyway (map and table disagree): refused. */
	EXPECT_EQ(exit_msr(root, 0xC0000082, true, 0), 0);
}

static const struct test_case tests[] = {
	{ "tables", test_tables },
	{ "never_root", test_never_root },
	{ "root_exits", test_root_exits },
};

TEST_MAIN("test_msr_root", tests)
