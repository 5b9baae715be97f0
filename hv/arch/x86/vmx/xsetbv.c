/*
 * The root VM's XSETBV on VMX (exit reason 55: XSETBV exits unconditionally
 * in VMX non-root operation).  The root is a real machine: its OS sets XCR0
 * as on bare metal, so the backend does what the instruction does (SDM
 * "XSETBV", vol. 1 13.3 "Enabling the XSAVE feature set"): #GP(0) for
 * ECX != 0, a bit the processor does not support in XCR0 (CPUID.(0DH,0)
 * EDX:EAX: also the bits the host lacks), XCR0[0] = 0, AVX without SSE,
 * MPX's XCR0[4:3] or AMX's XCR0[18:17] half set, AVX-512's XCR0[7:5] neither
 * 000b nor 111b with SSE and AVX; else the value goes into the processor's
 * XCR0 (XGETBV does not exit: the root reads it back from the processor).
 * #UD with CR4.OSXSAVE = 0 and #GP(0) at CPL > 0 come from the processor
 * before the exit (SDM 26.1.1).  docs/root-vm.md "XSETBV" has the SVM side.
 */
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_MPX (3ull << 3)
#define XCR0_AVX512 (7ull << 5)
#define XCR0_AMX (3ull << 17)
#define CR4_OSXSAVE (1ull << 18)

/* Would the processor refuse this XCR0 value (SDM "XSETBV")? */
static bool xcr0_refused(uint64_t v)
{
	uint32_t r[4];
	cpuid(0xD, 0, r);
	uint64_t supported = ((uint64_t)r[3] << 32) | r[0];
	uint64_t avx512 = v & XCR0_AVX512;

	return (v & ~supported) || !(v & XCR0_X87) || ((v & XCR0_AVX) && !(v & XCR0_SSE)) ||
	       ((v & XCR0_MPX) && (v & XCR0_MPX) != XCR0_MPX) ||
	       ((v & XCR0_AMX) && (v & XCR0_AMX) != XCR0_AMX) ||
	       (avx512 && (avx512 != XCR0_AVX512 || !(v & XCR0_AVX) || !(v & XCR0_SSE)));
}

bool vmx_xsetbv(struct hv_vps *vps)
{
	uint32_t xcr = (uint32_t)vmx_vps_get_reg(vps, bf_reg_t_rcx);
	uint64_t v = ((vmx_vps_get_reg(vps, bf_reg_t_rdx) & 0xFFFFFFFFull) << 32) |
		     (vmx_vps_get_reg(vps, bf_reg_t_rax) & 0xFFFFFFFFull);

	if (xcr != 0 || xcr0_refused(v))
		return false;
	/* The hypervisor runs with CR4.OSXSAVE = 0 (it uses FXSAVE only):
	 * XSETBV needs it set, for this one instruction. */
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	__asm__ volatile("xsetbv" : : "c"(0u), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	write_cr4(cr4);
	return true;
}
