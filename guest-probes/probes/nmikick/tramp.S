/* The AP trampoline of the smproot probe (the first AP calls nmikick's
 * ap_main on its own stack: tr_call, tr_stack), the BSP's descriptor tables
 * for the AP, and the AP's wait for the NMI at one labelled instruction.
 *
 * void nk_load_tables(const void *gdtr, const void *idtr): LGDT, LIDT, CS
 * 0x08 (the runtime's 64-bit code, which its IDT gates name; the
 * trampoline's GDT has 32-bit code there), DS/ES/SS 0x10.
 *
 * void nk_wait_nmi(volatile uint32_t *ready): *ready = 1, then a jump to
 * itself (nk_spin) that only an NMI leaves (resumed at nk_after). */
#include "../smproot/tramp.S"

	.text
	.code64
	.globl nk_load_tables
nk_load_tables:
	lgdt (%rdi)
	lidt (%rsi)
	pushq $0x08
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	ret

	.globl nk_wait_nmi, nk_spin, nk_after
nk_wait_nmi:
	movl $1, (%rdi)
nk_spin:
	jmp nk_spin
nk_after:
	ret
