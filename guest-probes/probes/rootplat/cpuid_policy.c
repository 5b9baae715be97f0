/*
 * rootplat part 1: the CPUID policy as the root sees it (hv/core/cpuid.c's
 * table, docs/root-vm.md "CPUID policy").  OSXSAVE (CPUID.1:ECX[27]) and
 * OSPKE (CPUID.7.0:ECX[4]) must read as the root's own CR4.OSXSAVE/PKE:
 * as CR4 is, on every processor; and both after setting and after clearing
 * the bit where the processor has XSAVE/PKU (skipped elsewhere: the bit
 * cannot be set).
 */
#include "rootplat.h"

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

/* Set, then clear, `cr4_bit` and read `bit` of CPUID(leaf, 0) register
 * `ecx` each time: the bit must follow. */
static void check_cr4_mirror(const char *id, const char *name, uint64_t cr4_bit, uint32_t leaf,
			     uint32_t bit)
{
	uint64_t saved = read_cr4();

	write_cr4(saved | cr4_bit);
	uint32_t on = (cpuid2(leaf, 0).ecx >> bit) & 1;
	write_cr4(saved & ~cr4_bit);
	uint32_t off = (cpuid2(leaf, 0).ecx >> bit) & 1;
	write_cr4(saved);
	check_eq(id, "none", 0x10, (on << 4) | off,
		 "CPUID 0x%x ECX[%u] (%s) follows the root's CR4: 1 with the CR4 bit set, 0 "
		 "with it clear (0x10 = set/clear)", leaf, bit, name);
}

void rootplat_cpuid(void)
{
	struct cpuid_regs l1 = cpuid1(1);
	uint32_t max_basic = cpuid1(0).eax;
	uint32_t max_ext = cpuid1(0x80000000u).eax;

	check_eq("cpuid-vmx-hidden", "none", 0, (l1.ecx >> 5) & 1,
		 "CPUID.1:ECX[5] (VMX) reads 0: the root gets no nested virtualization");
	/* One line of hv/core/cpuid.c's table decides x2APIC: flip both together. */
	check_eq("cpuid-x2apic-hidden", "none", 0, (l1.ecx >> 21) & 1,
		 "CPUID.1:ECX[21] (x2APIC) reads 0: the root's APIC is offered in xAPIC mode only");
	if (max_ext >= 0x80000001u)
		check_eq("cpuid-svm-hidden", "none", 0, (cpuid1(0x80000001u).ecx >> 2) & 1,
			 "CPUID.80000001:ECX[2] (SVM) reads 0: no nested virtualization");
	else
		check_skip("cpuid-svm-hidden", "none", "no extended leaf 0x80000001");
	if (max_ext >= 0x8000000Au) {
		struct cpuid_regs a = cpuid1(0x8000000Au);
		check_eq("cpuid-svm-leaf-zero", "none", 0, (uint64_t)(a.eax | a.ebx | a.ecx | a.edx),
			 "CPUID 0x8000000A (SVM features) reads as zeros");
	} else {
		check_skip("cpuid-svm-leaf-zero", "none", "the highest extended leaf is 0x%x",
			   max_ext);
	}
	/* On every processor, XSAVE/PKU or not: the bit reads as CR4 is now. */
	uint64_t cr4 = read_cr4();
	check_eq("cpuid-osxsave-as-cr4", "none", (cr4 & CR4_OSXSAVE) != 0, (l1.ecx >> 27) & 1,
		 "CPUID.1:ECX[27] (OSXSAVE) reads as the root's CR4.OSXSAVE now (CR4 = 0x%llx)",
		 (unsigned long long)cr4);
	if (max_basic >= 7)
		check_eq("cpuid-ospke-as-cr4", "none", (cr4 & CR4_PKE) != 0,
			 (cpuid2(7, 0).ecx >> 4) & 1,
			 "CPUID.7.0:ECX[4] (OSPKE) reads as the root's CR4.PKE now (CR4 = 0x%llx)",
			 (unsigned long long)cr4);
	else
		check_skip("cpuid-ospke-as-cr4", "none", "the highest basic leaf is 0x%x", max_basic);
	if ((l1.ecx >> 26) & 1)
		check_cr4_mirror("cpuid-osxsave-follows-cr4", "OSXSAVE", CR4_OSXSAVE, 1, 27);
	else
		check_skip("cpuid-osxsave-follows-cr4", "none",
			   "the processor has no XSAVE (CPUID.1:ECX[26] = 0): CR4.OSXSAVE cannot be set");
	if (max_basic >= 7 && (cpuid2(7, 0).ecx >> 3) & 1)
		check_cr4_mirror("cpuid-ospke-follows-cr4", "OSPKE", CR4_PKE, 7, 4);
	else
		check_skip("cpuid-ospke-follows-cr4", "none",
			   "the processor has no PKU (CPUID.7.0:ECX[3] = 0): CR4.PKE cannot be set");
}
