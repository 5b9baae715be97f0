/*
 * CPU identification, in one place: the vendor string of CPUID leaf 0 and
 * the virtualization extension each vendor's backend needs (Intel VMX:
 * CPUID 1 ECX[5]; AMD SVM: CPUID 0x80000001 ECX[2]).  boot/backend.c picks
 * the backend with these; svm_pp_enable and vmx_pp_enable check again on
 * every PP (x86/cpu.h).
 */
#include <x86/cpu.h>

#include <hv/arch/core.h>

enum x86_vendor x86_cpu_vendor(char name[13])
{
	uint32_t r[4];

	cpuid(0, 0, r);
	hv_memcpy(name + 0, &r[1], 4);
	hv_memcpy(name + 4, &r[3], 4);
	hv_memcpy(name + 8, &r[2], 4);
	name[12] = '\0';
	if (hv_memcmp(name, "GenuineIntel", 12) == 0)
		return X86_VENDOR_INTEL;
	if (hv_memcmp(name, "AuthenticAMD", 12) == 0)
		return X86_VENDOR_AMD;
	return X86_VENDOR_OTHER;
}

bool x86_cpu_has_vmx(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[2] & (1u << 5);
}

bool x86_cpu_has_svm(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return false;
	cpuid(0x80000001, 0, r);
	return r[2] & (1u << 2);
}
