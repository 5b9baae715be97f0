/*
 * Hypercalls for guests: the raw call and the instruction choice, written by
 * hand, and the inline wrappers built on them, one per hypercall of the ABI,
 * generated from abi/mv-abi.toml into <microv/mv_wrappers.h> (included at
 * the end; docs/abi.md).
 *
 * The instruction: VMCALL on Intel, VMMCALL on AMD.  Define
 * MV_HYPERCALL_VMCALL or MV_HYPERCALL_VMMCALL to fix it at compile time;
 * otherwise it is chosen at run time from `mv_hypercall_vendor`, which the
 * guest sets once with mv_hypercall_detect() (CPUID leaf 0) and must define
 * in one translation unit with MV_HYPERCALL_DEFINE_VENDOR.
 *
 * Every wrapper validates its pointer arguments first, the way the spec's
 * mv_vp_run_vp sample does: a NULL pointer in C argument position n returns
 * MV_STATUS_INVALID_PARAMSn without making the hypercall.  Output pointers
 * are written only on success.
 */
#ifndef MICROV_MV_HYPERCALL_H
#define MICROV_MV_HYPERCALL_H

#include <microv/mv_abi.h>

#define MV_HYPERCALL_VENDOR_UNKNOWN 0
#define MV_HYPERCALL_VENDOR_INTEL 1
#define MV_HYPERCALL_VENDOR_AMD 2

#if !defined(MV_HYPERCALL_VMCALL) && !defined(MV_HYPERCALL_VMMCALL)
extern int mv_hypercall_vendor;
#define MV_HYPERCALL_DEFINE_VENDOR int mv_hypercall_vendor = MV_HYPERCALL_VENDOR_UNKNOWN
#endif

/* Reads the CPU vendor (CPUID leaf 0) and returns MV_HYPERCALL_VENDOR_*. */
static inline int mv_hypercall_detect(void)
{
	uint32_t eax = 0, ebx, ecx, edx;
	int vendor = MV_HYPERCALL_VENDOR_UNKNOWN;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	if (ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E) /* GenuineIntel */
		vendor = MV_HYPERCALL_VENDOR_INTEL;
	else if (ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163) /* AuthenticAMD */
		vendor = MV_HYPERCALL_VENDOR_AMD;
#if !defined(MV_HYPERCALL_VMCALL) && !defined(MV_HYPERCALL_VMMCALL)
	mv_hypercall_vendor = vendor;
#endif
	return vendor;
}

/*
 * The raw hypercall: RAX in/out, REG0..REG5 (R10..R15) in/out.  Registers
 * the hypercall does not write keep their values.
 */
static inline uint64_t _mv_hypercall(uint64_t rax, uint64_t reg[6])
{
	register uint64_t r10 __asm__("r10") = reg[0];
	register uint64_t r11 __asm__("r11") = reg[1];
	register uint64_t r12 __asm__("r12") = reg[2];
	register uint64_t r13 __asm__("r13") = reg[3];
	register uint64_t r14 __asm__("r14") = reg[4];
	register uint64_t r15 __asm__("r15") = reg[5];

#if defined(MV_HYPERCALL_VMCALL)
	__asm__ volatile("vmcall"
			 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14),
			   "+r"(r15)
			 :
			 : "memory");
#elif defined(MV_HYPERCALL_VMMCALL)
	__asm__ volatile("vmmcall"
			 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14),
			   "+r"(r15)
			 :
			 : "memory");
#else
	if (mv_hypercall_vendor == MV_HYPERCALL_VENDOR_AMD)
		__asm__ volatile("vmmcall"
				 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
				   "+r"(r14), "+r"(r15)
				 :
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
				   "+r"(r14), "+r"(r15)
				 :
				 : "memory");
#endif
	reg[0] = r10, reg[1] = r11, reg[2] = r12;
	reg[3] = r13, reg[4] = r14, reg[5] = r15;
	return rax;
}

/* RAX for a hypercall: signature and opcode (the _OP_VAL) plus index. */
#define MV_HYPERCALL_RAX(op_val, idx_val) ((uint64_t)(op_val) | (uint64_t)(idx_val))

static inline mv_status_t _mv_call(uint64_t op, uint64_t idx, uint64_t r0, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				   uint64_t *out0, uint64_t *out1)
{
	uint64_t reg[6] = { r0, r1, r2, r3, r4, r5 };
	mv_status_t st = _mv_hypercall(MV_HYPERCALL_RAX(op, idx), reg);

	if (st == MV_STATUS_SUCCESS) {
		if (out0)
			*out0 = reg[0];
		if (out1)
			*out1 = reg[1];
	}
	return st;
}

/* The wrappers, one per hypercall, generated from abi/mv-abi.toml. */
#include <microv/mv_wrappers.h>

#endif /* MICROV_MV_HYPERCALL_H */
