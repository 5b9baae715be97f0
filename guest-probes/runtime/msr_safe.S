/*
 * RDMSR and WRMSR at labelled addresses, so that runtime/msr_safe.c can
 * expect #GP exactly at the instruction and resume behind it (the probes'
 * rdmsr_safe / wrmsr_safe).
 *
 * uint64_t rt_rdmsr_raw(uint32_t msr);            EDX:EAX, 0 after a #GP
 * void rt_wrmsr_raw(uint32_t msr, uint64_t val);
 */
	.text
	.code64

	.globl rt_rdmsr_raw, rt_rdmsr_insn, rt_rdmsr_resume
	.balign 16
rt_rdmsr_raw:
	movl %edi, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
rt_rdmsr_insn:
	rdmsr
rt_rdmsr_resume:
	shlq $32, %rdx
	movl %eax, %eax
	orq %rdx, %rax
	ret

	.globl rt_wrmsr_raw, rt_wrmsr_insn, rt_wrmsr_resume
	.balign 16
rt_wrmsr_raw:
	movl %edi, %ecx
	movl %esi, %eax
	movq %rsi, %rdx
	shrq $32, %rdx
rt_wrmsr_insn:
	wrmsr
rt_wrmsr_resume:
	ret
