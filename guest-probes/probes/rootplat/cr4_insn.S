/*
 * rootplat part 5's MOV to CR4 at a labelled address, so that cr4.c can
 * expect #GP exactly at the instruction and resume behind it.
 *
 * void rootplat_cr4_raw(uint64_t value);   RDI
 */
	.text
	.code64
	.globl rootplat_cr4_raw, rootplat_cr4_insn, rootplat_cr4_resume
	.balign 16
rootplat_cr4_raw:
rootplat_cr4_insn:
	movq %rdi, %cr4
rootplat_cr4_resume:
	ret

	.section .note.GNU-stack, "", @progbits
