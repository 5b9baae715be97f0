/*
 * msrroot: the root VM's MSR policy, attacked from the root (docs/security.md,
 * "Root MSR policy").  Every refused access must raise #GP(0) with RIP at the
 * RDMSR/WRMSR (rt_rdmsr_safe/rt_wrmsr_safe expect it exactly there: a #GP
 * behind the instruction would end the probe as unexpected); every emulated
 * one has its documented value; the pass-through ones an OS needs work.
 * The same expectations hold on every backend, by the CPUID vendor's table.
 * No catalogue item names the root's MSR policy: items=none, the ids say it.
 */
#include "msr_safe.h"
#include "probe.h"

PROBE_TITLE("root MSR policy: refused, emulated and pass-through MSRs, the VM_HSAVE_PA escape");

#define NONE "none"

#define MSR_TSC 0x10u
#define MSR_FEATURE_CONTROL 0x3Au
#define MSR_BIOS_UPDT_TRIG 0x79u
#define MSR_BIOS_SIGN_ID 0x8Bu
#define MSR_DEBUGCTL 0x1D9u
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MSR_VMX_BASIC 0x480u
#define MSR_VMX_VMFUNC 0x491u
#define MSR_SMRR_PHYSBASE 0x1F2u
#define MSR_INTEL_PMC0 0xC1u
#define MSR_INTEL_PERFEVTSEL0 0x186u
#define MSR_EFER 0xC0000080u
#define MSR_LSTAR 0xC0000082u
#define MSR_AMD_PERF_CTL0 0xC0010000u
#define MSR_AMD_PERF_CTR0 0xC0010004u
#define MSR_AMD_PATCH_LOADER 0xC0010020u
#define MSR_AMD_SMM_ADDR 0xC0010112u
#define MSR_AMD_SMM_MASK 0xC0010113u
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define EFER_LME (1ull << 8)
#define EFER_SVME (1ull << 12)
#define EFER_FFXSR (1ull << 14)
#define CPUID_EXT2_FFXSR (1u << 25) /* CPUID 0x80000001 EDX */

static bool amd;

static const char *gp_token(bool completed, const struct rt_exc *e)
{
	if (completed)
		return "completed";
	return e->error == 0 ? "gp" : rt_fmt("gp-error-0x%llx", (unsigned long long)e->error);
}

/* The access must raise #GP(0) at the instruction. */
static void expect_gp(const char *id, uint32_t msr, bool write, uint64_t val, const char *what)
{
	struct rt_exc e = { 0 };
	bool done = write ? rt_wrmsr_safe(msr, val, &e) : rt_rdmsr_safe(msr, NULL, &e);
	check_tok(id, NONE, "gp", gp_token(done, &e), !done && e.error == 0,
		  "%s 0x%x%s raises #GP(0) with RIP at the instruction: %s",
		  write ? "WRMSR" : "RDMSR", msr, write ? rt_fmt(" <- 0x%llx", (unsigned long long)val) : "",
		  what);
}

/* The access must complete; a read's value in *out. */
static bool expect_done(const char *id, uint32_t msr, bool write, uint64_t val, uint64_t *out,
			const char *what)
{
	struct rt_exc e = { 0 };
	bool done = write ? rt_wrmsr_safe(msr, val, &e) : rt_rdmsr_safe(msr, out, &e);
	check_tok(id, NONE, "completed", gp_token(done, &e), done, "%s 0x%x completes: %s",
		  write ? "WRMSR" : "RDMSR", msr, what);
	return done;
}

/* The MicroV vendor leaf answers only under the hypervisor: the root is
 * still the root, and its CPUID still exits. */
static void expect_still_root(const char *id, const char *after)
{
	struct cpuid_regs r = cpuid1(EXP_CPUID_XX00);
	check_eq(id, NONE, EXP_CPUID_VENDOR_ID1_VAL, r.ebx,
		 "after %s, CPUID 0x%x still exits to the hypervisor (MicroV vendor id in EBX)",
		 after, EXP_CPUID_XX00);
}

/*
 * The escape of issue 11: a fake host-save area (VMCB save-area layout, as
 * QEMU reads it: flat 32-bit segments, CR0 = PE|ET, EFER.SVME, RIP = code
 * that reports FAILURE on port 0xF4), its address written to VM_HSAVE_PA,
 * then CPUID.  If the write took effect, the CPUID exit would load "host"
 * state from this page and the probe would end in that code, without END.
 */
static uint8_t fake_hsave[4096] __attribute__((aligned(4096)));
static uint8_t escape_stack[256] __attribute__((aligned(16)));
/* mov al,5; out 0xF4,al; cli; hlt */
static const uint8_t escape_code[] = { 0xB0, 0x05, 0xE6, 0xF4, 0xFA, 0xF4 };

static void put16(unsigned off, uint16_t v) { fake_hsave[off] = (uint8_t)v; fake_hsave[off + 1] = (uint8_t)(v >> 8); }
static void put32(unsigned off, uint32_t v) { put16(off, (uint16_t)v); put16(off + 2, (uint16_t)(v >> 16)); }
static void put64(unsigned off, uint64_t v) { put32(off, (uint32_t)v); put32(off + 4, (uint32_t)(v >> 32)); }

static void put_seg(unsigned off, uint16_t sel, uint16_t attrib)
{
	put16(off, sel);
	put16(off + 2, attrib);
	put32(off + 4, 0xFFFFFFFFu);
	put64(off + 8, 0);
}

static void check_hsave_escape(void)
{
	put_seg(0x400, 0x10, 0x0C93); /* ES */
	put_seg(0x410, 0x08, 0x0C9B); /* CS: 32-bit flat code */
	put_seg(0x420, 0x10, 0x0C93); /* SS */
	put_seg(0x430, 0x10, 0x0C93); /* DS */
	put64(0x4D0, EFER_SVME);      /* EFER */
	put64(0x548, 0);              /* CR4 */
	put64(0x550, 0);              /* CR3 */
	put64(0x558, 0x11);           /* CR0: PE | ET */
	put64(0x570, 0x2);            /* RFLAGS */
	put64(0x578, (uint64_t)(uintptr_t)escape_code);
	put64(0x5D8, (uint64_t)(uintptr_t)(escape_stack + sizeof(escape_stack)));

	expect_gp("vm-hsave-pa-write", MSR_VM_HSAVE_PA, true, (uint64_t)(uintptr_t)fake_hsave,
		  "the host-save area is never the root's (a fake one would be host state at the next exit)");
	expect_still_root("vm-hsave-pa-escape", "the VM_HSAVE_PA write and CPUID");
	expect_gp("vm-hsave-pa-read", MSR_VM_HSAVE_PA, false, 0,
		  "the hypervisor's host-save address is not shown either (as without SVM)");
}

/* EFER.FFXSR (bit 14): AMD's fast FXSAVE/FXRSTOR, writable where CPUID
 * 0x80000001 EDX[25] says so (APM vol. 2 3.1.7); reserved on Intel (SDM
 * 2.2.1: #GP).  An AMD CPU without the feature is not checked. */
static void check_efer_ffxsr(uint64_t efer)
{
	if (!amd) {
		expect_gp("efer-ffxsr-intel-gp", MSR_EFER, true, efer | EFER_FFXSR,
			  "EFER.FFXSR is reserved on Intel");
		return;
	}
	if (!(cpuid1(0x80000001u).edx & CPUID_EXT2_FFXSR))
		return;
	uint64_t set = 0;
	if (expect_done("efer-ffxsr-amd-set", MSR_EFER, true, efer | EFER_FFXSR, NULL,
			"EFER.FFXSR may be set on AMD with CPUID FFXSR")) {
		rt_rdmsr_safe(MSR_EFER, &set, NULL);
		check_eq("efer-ffxsr-amd-reads-back", NONE, efer | EFER_FFXSR, set,
			 "EFER reads back with FFXSR set");
		rt_wrmsr_safe(MSR_EFER, efer, NULL);
	}
}

static void check_virt_control(void)
{
	check_hsave_escape();
	expect_gp("vm-cr-read", MSR_VM_CR, false, 0, "VM_CR is not the root's (as without SVM)");
	expect_gp("vm-cr-write", MSR_VM_CR, true, 0x18, "LOCK|SVMDIS refused");

	uint64_t efer = 0;
	if (expect_done("efer-read", MSR_EFER, false, 0, &efer, "EFER is readable")) {
		check_eq("efer-svme-hidden", NONE, 0, efer & EFER_SVME,
			 "EFER.SVME reads 0 (EFER 0x%llx): the root's CPU has no SVM",
			 (unsigned long long)efer);
		expect_gp("efer-svme-set", MSR_EFER, true, efer | EFER_SVME,
			  "setting EFER.SVME is refused, as on a CPU without SVM");
		expect_done("efer-svme-clear", MSR_EFER, true, efer & ~EFER_SVME, NULL,
			    "EFER written with SVME clear (the root's view) is accepted");
		uint64_t again = 0;
		rt_rdmsr_safe(MSR_EFER, &again, NULL);
		check_eq("efer-unchanged", NONE, efer, again,
			 "EFER reads back as before the writes");
		expect_still_root("efer-svme-clear-hv", "the root cleared EFER.SVME");
		/* The probe runs in long mode: LME may not change while CR0.PG is
		 * 1 (SDM Vol. 4 IA32_EFER, APM vol. 2 3.1.7: #GP). */
		expect_gp("efer-lme-clear-paging", MSR_EFER, true, efer & ~EFER_LME,
			  "EFER.LME cleared while CR0.PG is 1");
		rt_rdmsr_safe(MSR_EFER, &again, NULL);
		check_eq("efer-lme-unchanged", NONE, efer, again,
			 "EFER reads back as before the refused write");
		check_efer_ffxsr(efer);
	}

	if (amd) {
		expect_gp("feature-control-read", MSR_FEATURE_CONTROL, false, 0,
			  "IA32_FEATURE_CONTROL does not exist on AMD");
	} else {
		uint64_t fc = ~0ull;
		if (expect_done("feature-control-read", MSR_FEATURE_CONTROL, false, 0, &fc,
				"IA32_FEATURE_CONTROL is emulated"))
			check_eq("feature-control-value", NONE, 0x1, fc,
				 "IA32_FEATURE_CONTROL reads locked with VMX off (bit 0 only)");
	}
	expect_gp("feature-control-write", MSR_FEATURE_CONTROL, true, 0x5,
		  "enabling VMX in IA32_FEATURE_CONTROL is refused (locked / absent)");
	expect_gp("vmx-basic-read", MSR_VMX_BASIC, false, 0,
		  "VMX capability MSRs raise #GP, as on a CPU without VMX");
	expect_gp("vmx-vmfunc-read", MSR_VMX_VMFUNC, false, 0, "the last VMX capability MSR too");
}

static void check_smm_ucode(void)
{
	if (amd) {
		expect_gp("smm-addr-read", MSR_AMD_SMM_ADDR, false, 0, "SMM_ADDR is not the root's");
		expect_gp("smm-mask-write", MSR_AMD_SMM_MASK, true, 0, "SMM_MASK is not the root's");
	} else {
		expect_gp("smrr-read", MSR_SMRR_PHYSBASE, false, 0, "IA32_SMRR_PHYSBASE is not the root's");
		expect_gp("smrr-write", MSR_SMRR_PHYSBASE, true, 0, "IA32_SMRR_PHYSBASE is not the root's");
	}

	/* Microcode: the vendor's loader ignores writes; its revision stays. */
	uint32_t loader = amd ? MSR_AMD_PATCH_LOADER : MSR_BIOS_UPDT_TRIG;
	uint32_t foreign = amd ? MSR_BIOS_UPDT_TRIG : MSR_AMD_PATCH_LOADER;
	uint64_t rev0 = 0, rev1 = 0;
	bool have_rev = rt_rdmsr_safe(MSR_BIOS_SIGN_ID, &rev0, NULL);
	expect_done("ucode-load-write", loader, true, (uint64_t)(uintptr_t)fake_hsave, NULL,
		    "a microcode update write is ignored (no #GP, nothing loaded)");
	if (have_rev && rt_rdmsr_safe(MSR_BIOS_SIGN_ID, &rev1, NULL))
		check_eq("ucode-revision", NONE, rev0, rev1,
			 "the microcode revision (MSR 0x8B) is unchanged after the update write");
	else
		check_skip("ucode-revision", NONE, "MSR 0x8B cannot be read on this CPU");
	expect_gp("ucode-load-read", loader, false, 0, "the loader MSR is write-only");
	expect_gp("ucode-foreign-write", foreign, true, 0, "the other vendor's loader does not exist");
}

static void check_mtrr_counters(void)
{
	uint64_t def = 0, after = 0;
	if (rt_rdmsr_safe(MSR_MTRR_DEF_TYPE, &def, NULL)) {
		expect_gp("mtrr-def-type-write", MSR_MTRR_DEF_TYPE, true, def,
			  "MTRR writes are refused after boot (even of the current value)");
		rt_rdmsr_safe(MSR_MTRR_DEF_TYPE, &after, NULL);
		check_eq("mtrr-def-type-unchanged", NONE, def, after, "MTRRdefType reads as before");
	} else {
		check_skip("mtrr-def-type-write", NONE, "this CPU has no MTRRs (RDMSR 0x2FF #GP)");
	}
	expect_gp("mtrr-physbase0-write", MSR_MTRR_PHYSBASE0, true, 0x6,
		  "a variable MTRR (write-back at 0) is refused");

	uint64_t dbg = ~0ull;
	if (expect_done("debugctl-read", MSR_DEBUGCTL, false, 0, &dbg, "DEBUGCTL is emulated"))
		check_eq("debugctl-value", NONE, 0, dbg, "DEBUGCTL reads 0");
	expect_done("debugctl-write-zero", MSR_DEBUGCTL, true, 0, NULL, "DEBUGCTL <- 0 is accepted");
	expect_gp("debugctl-write-lbr", MSR_DEBUGCTL, true, 1, "LBR (DEBUGCTL bit 0) is not offered");

	if (amd) {
		/* The legacy counters are architectural on AMD (an OS may touch
		 * them without asking CPUID): present, but they never count. */
		uint64_t ctr = ~0ull;
		if (expect_done("perf-ctr-read", MSR_AMD_PERF_CTR0, false, 0, &ctr,
				"the legacy performance counters exist (emulated)"))
			check_eq("perf-ctr-value", NONE, 0, ctr, "a legacy counter reads 0");
		expect_done("perf-ctl-write", MSR_AMD_PERF_CTL0, true, 0x430076, NULL,
			    "an event select write is accepted and discarded");
		if (expect_done("perf-ctr-after", MSR_AMD_PERF_CTR0, false, 0, &ctr,
				"the counter reads after the event select write"))
			check_eq("perf-ctr-still-zero", NONE, 0, ctr,
				 "the counter does not count: the hypervisor's events stay invisible");
	} else {
		expect_gp("perf-ctr-read", MSR_INTEL_PMC0, false, 0, "performance counters are not offered");
		expect_gp("perf-ctl-write", MSR_INTEL_PERFEVTSEL0, true, 0x43003C, "nor their event selects");
	}
}

static void check_unknown_and_pass(void)
{
	expect_gp("unknown-read", 0xBADu, false, 0, "an MSR no rule names (inside the map's ranges)");
	expect_gp("unknown-write", 0xBADu, true, 1, "an MSR no rule names (inside the map's ranges)");
	expect_gp("unknown-far-read", 0x12345678u, false, 0, "an MSR outside every map range");
	expect_gp("unknown-far-write", 0x12345678u, true, 1, "an MSR outside every map range");

	uint64_t t0 = 0;
	expect_done("tsc-read", MSR_TSC, false, 0, &t0, "IA32_TSC passes through");

	uint64_t lstar = 0, back = 0;
	const uint64_t probe_val = 0xFFFF800012345000ull;
	if (expect_done("lstar-read", MSR_LSTAR, false, 0, &lstar, "LSTAR passes through")) {
		expect_done("lstar-write", MSR_LSTAR, true, probe_val, NULL, "LSTAR passes through");
		rt_rdmsr_safe(MSR_LSTAR, &back, NULL);
		check_eq("lstar-round-trip", NONE, probe_val, back, "LSTAR reads back what was written");
		rt_wrmsr_safe(MSR_LSTAR, lstar, NULL);
	}
}

void probe_main(void)
{
	amd = hc_vendor() == HC_VENDOR_AMD;
	rt_log("vendor %s: the %s table", hc_vendor_string(), amd ? "AMD" : "Intel");
	check_virt_control();
	check_smm_ucode();
	check_mtrr_counters();
	check_unknown_and_pass();
	expect_still_root("still-root", "every access above");
}
