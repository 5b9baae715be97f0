/*
 * rootplat part 4's XSETBV at a labelled address, so that xsetbv.c can
 * expect #GP exactly at the instruction and resume behind it.
 *
 * void rootplat_xsetbv_raw(uint32_t xcr, uint64_t value);   ECX, EDX:EAX
 */
	.text
	.code64
	.globl rootplat_xsetbv_raw, rootplat_xsetbv_insn, rootplat_xsetbv_resume
	.balign 16
rootplat_xsetbv_raw:
	movl %edi, %ecx
	movl %esi, %eax
	movq %rsi, %rdx
	shrq $32, %rdx
rootplat_xsetbv_insn:
	xsetbv
rootplat_xsetbv_resume:
	ret

	.section .note.GNU-stack, "", @progbits
