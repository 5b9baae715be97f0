/*
 * The mmiostore probe's stores from code segments whose base is not 0
 * (based.c sets up the descriptors): the hypervisor must fetch the store at
 * CS.base + EIP (SDM Vol 3 3.4.5, 5.2; outside 64-bit mode the base counts),
 * not at EIP.  Each function enters its segment by a far return to
 * `label - base`, stores EAX (the value) to the register at EBX (the
 * address), sets EDX to MS_LANDED with the instruction right behind the
 * store, far-jumps back to 64-bit code and returns EDX:
 *
 * uint32_t ms_based32_89(uint64_t addr, uint32_t value)  89 03, CS.D = 1
 * uint32_t ms_based32_a3(uint64_t addr, uint32_t value)  A3 moffs32 (0xFEE00380)
 * uint32_t ms_based16_89(uint64_t addr, uint32_t value)  66 67 89 03, CS.D = 0
 *
 * A RIP that lands anywhere but right behind the store skips the MOV EDX or
 * runs the store's tail: EDX is then not MS_LANDED.
 */
#define SEL_CODE64   0x08
#define SEL_BASED32  0x20
#define SEL_BASED16  0x28
#define MS_LANDED    0x1A2DED00

	.text
	.code64

/* Far return into segment `sel` (base in the quad at `base`) at the next
 * instruction (RCX is used); the next instructions are assembled as `code`. */
.macro ENTER_BASED sel, base, code
	pushq $\sel
	leaq 91f(%rip), %rcx
	subq \base(%rip), %rcx
	pushq %rcx
	lretq
	\code
91:
.endm

/* Far jump back to 64-bit code at the next instruction; `jmp` is ljmp in
 * 32-bit code, ljmpl (66 EA imm32) in 16-bit code. */
.macro LEAVE_BASED jmp
	\jmp $SEL_CODE64, $92f
	.code64
92:
.endm

	.globl ms_based32_89
ms_based32_89:
	pushq %rbx
	movl %edi, %ebx
	movl %esi, %eax
	xorl %edx, %edx
	ENTER_BASED SEL_BASED32, ms_based32_base, .code32
	.byte 0x89, 0x03
	movl $MS_LANDED, %edx
	LEAVE_BASED ljmp
	popq %rbx
	movl %edx, %eax
	ret

	.globl ms_based32_a3
ms_based32_a3:
	movl %esi, %eax
	xorl %edx, %edx
	ENTER_BASED SEL_BASED32, ms_based32_base, .code32
	.byte 0xA3
	.long 0xFEE00380
	movl $MS_LANDED, %edx
	LEAVE_BASED ljmp
	movl %edx, %eax
	ret

	.globl ms_based16_89, ms_based16_end
ms_based16_89:
	pushq %rbx
	movl %edi, %ebx
	movl %esi, %eax
	xorl %edx, %edx
	ENTER_BASED SEL_BASED16, ms_based16_base, .code16
	.byte 0x66, 0x67, 0x89, 0x03
	movl $MS_LANDED, %edx
	LEAVE_BASED ljmpl
	popq %rbx
	movl %edx, %eax
	ret
ms_based16_end:

	.data
	.balign 8
	.globl ms_based32_base, ms_based16_base
ms_based32_base:
	.quad 0
ms_based16_base:
	.quad 0
