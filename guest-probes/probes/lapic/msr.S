/*
 * RDMSR/WRMSR and the APIC-page stores at labelled addresses, so that the
 * probe can expect #GP at exactly that instruction and resume behind it
 * (runtime/idt.c's rt_expect), and so that each store form the hypervisor
 * decodes (89 /r, C7 /0 with disp8/disp32/SIB/REX) is the one executed.
 *
 * uint64_t lapic_rdmsr(uint32_t msr);            labels lapic_rdmsr_insn/_resume
 * void     lapic_wrmsr(uint32_t msr, uint64_t v); labels lapic_wrmsr_insn/_resume
 * void lapic_store_imm(uint64_t page, uint32_t off_0x80_value);  C7 /0, disp32
 * void lapic_store_reg(uint64_t page, uint32_t value);           89 /r, disp8
 * void lapic_store_sib(uint64_t page, uint64_t off, uint32_t v);  REX 89 /r, SIB
 * void lapic_store_byte(uint64_t addr);                           C6 /0 (refused)
 */
	.text
	.code64
	.globl lapic_rdmsr, lapic_rdmsr_insn, lapic_rdmsr_resume
lapic_rdmsr:
	movl %edi, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
lapic_rdmsr_insn:
	rdmsr
lapic_rdmsr_resume:
	shlq $32, %rdx
	orq %rdx, %rax
	ret

	.globl lapic_wrmsr, lapic_wrmsr_insn, lapic_wrmsr_resume
lapic_wrmsr:
	movl %edi, %ecx
	movq %rsi, %rax
	movq %rsi, %rdx
	shrq $32, %rdx
lapic_wrmsr_insn:
	wrmsr
lapic_wrmsr_resume:
	ret

	/* TPR (0x80) <- esi: C7 /0 with disp32 cannot take a register value,
	 * so esi selects one of two immediates (0x20 or 0x00). */
	.globl lapic_store_imm
lapic_store_imm:
	testl %esi, %esi
	jz 1f
	{disp32} movl $0x20, 0x80(%rdi) /* C7 87 disp32 imm32 */
	ret
1:	.byte 0x3E                      /* DS override: a legacy prefix */
	movl $0x00, 0x80(%rdi)          /* C7 47 disp8 imm32 */
	ret

	.globl lapic_store_reg
lapic_store_reg:
	movl %esi, 0x80(%rdi)           /* 89 77 80 */
	ret

	.globl lapic_store_sib
lapic_store_sib:
	movl %edx, %r9d
	movl %r9d, (%rdi,%rsi,1)        /* 44 89 0C 37 */
	ret

	.globl lapic_store_byte
lapic_store_byte:
	movb $0, (%rdi)                 /* C6 07 00: an 8-bit store */
	ret
