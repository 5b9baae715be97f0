/*
 * rootplat part 6's interrupt handler (apic.c), on every vector it uses:
 * records the in-service word of vectors 0x40-0x5F (ISR at 0xFEE00120) and
 * the processor priority (PPR, 0xFEE000A0) as the handler starts, counts
 * the interrupt and ends it with an EOI store (C7 /0, disp32: the form the
 * hypervisor emulates).
 */
	.text
	.code64
	.globl rootplat_apic_irq
rootplat_apic_irq:
	push %rax
	push %rdx
	mov $0xFEE00000, %edx
	mov 0x120(%rdx), %eax
	mov %eax, rootplat_apic_isr(%rip)
	mov 0xA0(%rdx), %eax
	mov %eax, rootplat_apic_ppr(%rip)
	movl $0, 0xB0(%rdx)
	lock incl rootplat_apic_count(%rip)
	pop %rdx
	pop %rax
	iretq

	.section .note.GNU-stack, "", @progbits
