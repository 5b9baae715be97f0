/*
 * rootplat part 5: the root's MOV to CR4 of a bit its processor does not
 * offer raises #GP(0) at the instruction and leaves CR4 unchanged, as the
 * processor does (the root's CR4 writes are not intercepted on SVM; VMX
 * exits only for the bits the hypervisor owns; mvsim checks them itself
 * because Unicorn accepts them, sim/README.md).  "Offered" is what the
 * root's CPUID says, read at run time, so the expected values are the same
 * on every CPU model: every CR4 bit from 0 to 24 whose feature CPUID does
 * not report, VMXE and SMXE always (VMX/SMX are hidden from the root:
 * docs/root-vm.md "CPUID policy"), and the reserved bits 15 and 19.
 *
 * Run only with "cr4-refused" on the command line: QEMU 7.2 TCG
 * (qemu-tcg-amd) does not raise the #GP(0) for a guest in SVM guest mode,
 * its MOV to CR4 of a reserved bit (its cr4_reserved_bits) ends the guest
 * with #VMEXIT(VMEXIT_INVALID), so the root would die there; the suite,
 * which expects the same outcome on every backend, skips the checks.  They
 * pass with it on sim-intel, sim-amd (CTests sim.root_cr4_gp_*),
 * bochs-intel and bochs-amd (scripts/run-hv-bochs [--kind svm]
 * --cmdline cr4-refused).
 */
#include "exception.h"
#include "multiboot.h"
#include "rootplat.h"

#define VECTOR_GP 13

extern char rootplat_cr4_insn[], rootplat_cr4_resume[];
void rootplat_cr4_raw(uint64_t value);

/* A CR4 bit and the CPUID feature flag that offers it. */
struct cr4_feature {
	uint8_t bit;
	uint32_t leaf;   /* 0: never offered to the root (hidden or reserved) */
	uint8_t reg;     /* 0 EBX, 1 ECX, 2 EDX */
	uint8_t flag;
	uint8_t reg2, flag2; /* a second flag that also offers it (CET), else 0xFF */
};

static const struct cr4_feature features[] = {
	{ 0, 1, 2, 1, 0xFF, 0xFF },    /* VME: VME */
	{ 1, 1, 2, 1, 0xFF, 0xFF },    /* PVI: VME */
	{ 2, 1, 2, 4, 0xFF, 0xFF },    /* TSD: TSC */
	{ 3, 1, 2, 2, 0xFF, 0xFF },    /* DE */
	{ 4, 1, 2, 3, 0xFF, 0xFF },    /* PSE */
	{ 6, 1, 2, 7, 0xFF, 0xFF },    /* MCE */
	{ 7, 1, 2, 13, 0xFF, 0xFF },   /* PGE */
	{ 9, 1, 2, 24, 0xFF, 0xFF },   /* OSFXSR: FXSR */
	{ 10, 1, 2, 25, 0xFF, 0xFF },  /* OSXMMEXCPT: SSE */
	{ 11, 7, 1, 2, 0xFF, 0xFF },   /* UMIP */
	{ 12, 7, 1, 16, 0xFF, 0xFF },  /* LA57 */
	{ 13, 0, 0, 0, 0xFF, 0xFF },   /* VMXE: VMX hidden */
	{ 14, 0, 0, 0, 0xFF, 0xFF },   /* SMXE: SMX hidden */
	{ 15, 0, 0, 0, 0xFF, 0xFF },   /* reserved */
	{ 16, 7, 0, 0, 0xFF, 0xFF },   /* FSGSBASE */
	{ 17, 1, 1, 17, 0xFF, 0xFF },  /* PCIDE: PCID */
	{ 18, 1, 1, 26, 0xFF, 0xFF },  /* OSXSAVE: XSAVE */
	{ 19, 0, 0, 0, 0xFF, 0xFF },   /* reserved (KL: not offered here) */
	{ 20, 7, 0, 7, 0xFF, 0xFF },   /* SMEP */
	{ 21, 7, 0, 20, 0xFF, 0xFF },  /* SMAP */
	{ 22, 7, 1, 3, 0xFF, 0xFF },   /* PKE: PKU */
	{ 23, 7, 1, 7, 2, 20 },        /* CET: CET_SS or CET_IBT */
	{ 24, 7, 1, 31, 0xFF, 0xFF },  /* PKS */
};

static bool has_flag(const struct cpuid_regs *r, uint8_t reg, uint8_t flag)
{
	uint32_t v = reg == 0 ? r->ebx : reg == 1 ? r->ecx : r->edx;
	return flag < 32 && ((v >> flag) & 1);
}

/* The CR4 bits (of those in features[]) that CPUID does not offer. */
static uint64_t cr4_unoffered(void)
{
	uint32_t max = cpuid1(0).eax;
	struct cpuid_regs l1 = cpuid1(1), l7 = { 0 };
	uint64_t bits = 0;

	if (max >= 7)
		l7 = cpuid2(7, 0);
	for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct cr4_feature *f = &features[i];
		const struct cpuid_regs *r = f->leaf == 1 ? &l1 : &l7;
		if (f->leaf == 0 || !(has_flag(r, f->reg, f->flag) || has_flag(r, f->reg2, f->flag2)))
			bits |= 1ull << f->bit;
	}
	return bits;
}

/* MOV CR4 of `value`; true when it raised #GP(0) at the instruction. */
static bool cr4_gp(uint64_t value)
{
	struct rt_exc e;
	rt_expect(VECTOR_GP, (uintptr_t)rootplat_cr4_insn, (uintptr_t)rootplat_cr4_resume);
	rootplat_cr4_raw(value);
	return rt_expect_take(&e) && e.vector == VECTOR_GP && e.error == 0;
}

void rootplat_cr4(void)
{
	if (!mb_cmdline_has("cr4-refused")) {
		static const char *const ids[] = { "cr4-unoffered-bit-gp", "cr4-unoffered-bit-unchanged" };
		for (unsigned i = 0; i < 2; i++)
			check_skip(ids[i], "none", "QEMU 7.2 TCG ends the root's run with VMEXIT_INVALID "
				   "where the processor raises #GP(0) (run with cr4-refused on the "
				   "command line)");
		return;
	}
	uint64_t cr4 = read_cr4(), unoffered = cr4_unoffered() & ~cr4;
	uint64_t refused = 0, changed = 0;

	for (unsigned bit = 0; bit < 64; bit++) {
		if (!((unoffered >> bit) & 1))
			continue;
		if (cr4_gp(cr4 | (1ull << bit)))
			refused |= 1ull << bit;
		if (read_cr4() != cr4) {
			changed |= 1ull << bit;
			write_cr4(cr4);
		}
	}
	check_eq("cr4-unoffered-bit-gp", "none", unoffered, refused,
		 "MOV to CR4 of each bit CPUID does not offer (VMXE, SMXE, reserved 15 and 19 "
		 "included; mask 0x%llx) raises #GP(0) at the instruction (one bit each)",
		 (unsigned long long)unoffered);
	check_eq("cr4-unoffered-bit-unchanged", "none", 0, changed,
		 "the refused MOVs to CR4 leave CR4 as it was (bits whose MOV changed it)");
}
