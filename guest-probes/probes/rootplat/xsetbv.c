/*
 * rootplat part 4: the root's XSETBV does what the instruction does on the
 * machine (docs/root-vm.md "XSETBV"; VMX: it exits and the backend emulates
 * it, SVM: it is not intercepted).  With CR4.OSXSAVE set, XSETBV of x87+SSE
 * (+AVX where CPUID.(0DH,0) offers it) loads XCR0 (XGETBV reads it back);
 * ECX = 1, XCR0[0] = 0, AVX without SSE and a bit the processor does not
 * support each raise #GP(0) at the instruction and leave XCR0 as it was.
 * Skipped where the processor has no XSAVE (CR4.OSXSAVE cannot be set).
 */
#include "exception.h"
#include "rootplat.h"

#define CR4_OSXSAVE (1ull << 18)
#define VECTOR_GP 13

extern char rootplat_xsetbv_insn[], rootplat_xsetbv_resume[];
void rootplat_xsetbv_raw(uint32_t xcr, uint64_t value);

/* XSETBV; true when it raised #GP(0) at the instruction. */
static bool xsetbv_gp(uint32_t xcr, uint64_t value)
{
	struct rt_exc e;
	rt_expect(VECTOR_GP, (uintptr_t)rootplat_xsetbv_insn, (uintptr_t)rootplat_xsetbv_resume);
	rootplat_xsetbv_raw(xcr, value);
	return rt_expect_take(&e) && e.vector == VECTOR_GP && e.error == 0;
}

void rootplat_xsetbv(void)
{
	if (!((cpuid1(1).ecx >> 26) & 1)) {
		static const char *const ids[] = { "xsetbv-loads-xcr0", "xsetbv-refused-gp",
						   "xsetbv-refused-keeps-xcr0" };
		for (unsigned i = 0; i < 3; i++)
			check_skip(ids[i], "none", "the processor has no XSAVE (CPUID.1:ECX[26] = 0)");
		return;
	}
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	uint64_t orig = xgetbv0();
	struct cpuid_regs d = cpuid2(0xD, 0);
	uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
	uint64_t want = 0x3 | (supported & 0x4); /* x87, SSE, and AVX if offered */

	bool gp = xsetbv_gp(0, want);
	uint64_t loaded = xgetbv0();
	unsigned lacking = 1;
	while (lacking < 62 && ((supported >> lacking) & 1))
		lacking++;
	uint32_t refused = (uint32_t)xsetbv_gp(1, want) | (uint32_t)xsetbv_gp(0, 0x2) << 1 |
			   (uint32_t)xsetbv_gp(0, 0x5) << 2 |
			   (uint32_t)xsetbv_gp(0, 0x3 | (1ull << lacking)) << 3;
	uint64_t after = xgetbv0();
	xsetbv_gp(0, orig);
	write_cr4(cr4);

	check_eq("xsetbv-loads-xcr0", "none", want, gp ? ~0ull : loaded,
		 "XSETBV of XCR0 = x87+SSE(+AVX offered by CPUID.(0DH,0)) completes and XGETBV "
		 "reads it back (~0: it raised #GP)");
	check_eq("xsetbv-refused-gp", "none", 0xF, refused,
		 "XSETBV raises #GP(0) for ECX = 1, XCR0[0] = 0, AVX without SSE, and XCR0 bit "
		 "%u the processor does not support (one bit each)", lacking);
	check_eq("xsetbv-refused-keeps-xcr0", "none", want, after,
		 "the refused XSETBVs leave XCR0 as it was");
}
