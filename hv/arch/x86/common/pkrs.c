/*
 * IA32_PKRS (MSR 0x6E1, supervisor protection keys) switched around guest VM
 * runs.  Neither VMRUN nor (without its PKRS controls) VM entry switches it,
 * and the root's MSR policy passes it through, so while a guest runs the
 * processor would hold the root's value: a guest that sets CR4.PKS (SVM
 * does not intercept CR4 writes) would have its supervisor accesses decided
 * by the root's keys, and could probe them.  The guest runs with 0 instead
 * (no key restricts anything); its own RDMSR/WRMSR of 0x6E1 exit and raise
 * #GP (the guest MSR policy has no PKRS).  The hypervisor never sets
 * CR4.PKS, so the root's value has no effect in host mode.
 */
#include <x86/cpu.h>
#include <x86/pkrs.h>

#define MSR_IA32_PKRS 0x6E1u
#define CPUID7_ECX_PKS (1u << 31)

static bool pkrs_present(void)
{
	static int known = -1; /* every PP reads the same answer */

	if (known < 0) {
		uint32_t r[4];
		cpuid(0, 0, r);
		bool has = false;
		if (r[0] >= 7) {
			cpuid(7, 0, r);
			has = (r[2] & CPUID7_ECX_PKS) != 0;
		}
		__atomic_store_n(&known, has ? 1 : 0, __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&known, __ATOMIC_RELAXED) == 1;
}

uint64_t x86_pkrs_guest_enter(void)
{
	if (!pkrs_present())
		return 0;
	uint64_t root = rdmsr(MSR_IA32_PKRS);
	if (root)
		wrmsr(MSR_IA32_PKRS, 0);
	return root;
}

void x86_pkrs_guest_leave(uint64_t saved)
{
	if (saved)
		wrmsr(MSR_IA32_PKRS, saved);
}
