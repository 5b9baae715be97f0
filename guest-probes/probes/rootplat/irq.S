/*
 * rootplat part 3's interrupt handler: PIT channel 0's IRQ0, remapped to
 * vector 0x20 by hlt.c: counts the interrupt and acknowledges it at the
 * master PIC (non-specific EOI).
 */
	.text
	.code64
	.globl rootplat_irq0
rootplat_irq0:
	push %rax
	lock incl rootplat_irq_count(%rip)
	mov $0x20, %al
	out %al, $0x20
	pop %rax
	iretq

	.section .note.GNU-stack, "", @progbits
