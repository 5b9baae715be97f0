/*
 * The ICR store at a labelled address (the NMI it sends is taken at
 * rootnmi_after_send, the next instruction) and the NMI gate's stub, which
 * saves the caller-saved registers, calls rootnmi_handler(frame) with the
 * interrupt frame (frame[0] = the interrupted RIP) and returns with IRETQ.
 *
 * void rootnmi_send(uint64_t lapic_page, uint32_t icr_lo);  89 /r, disp32
 * void rootnmi_send_nested(...): the same store for the handler's own send, so
 * that an NMI taken inside the handler (at rootnmi_after_nested) is told apart
 * from one taken after its IRET (at rootnmi_after_send).
 * void rootnmi_stgi(void): STGI, #UD expected at rootnmi_stgi_insn.
 */
	.text
	.code64
	/* STGI at a labelled address: #UD in every VM (hv/core/exit.c exit_ud on
	 * SVM, the processor's own #UD on VMX) */
	.globl rootnmi_stgi, rootnmi_stgi_insn, rootnmi_stgi_resume
rootnmi_stgi:
rootnmi_stgi_insn:
	stgi
rootnmi_stgi_resume:
	ret

	.globl rootnmi_send, rootnmi_after_send, rootnmi_stub
	.globl rootnmi_send_nested, rootnmi_after_nested
rootnmi_send:
	movl %esi, 0x300(%rdi)
rootnmi_after_send:
	ret

rootnmi_send_nested:
	movl %esi, 0x300(%rdi)
rootnmi_after_nested:
	ret

rootnmi_stub:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	leaq 72(%rsp), %rdi
	cld
	call rootnmi_handler
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	iretq
