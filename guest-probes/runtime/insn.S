/*
 * Instructions the runtime needs at known addresses: the two hypercall
 * instructions and UD2, each with a label at the instruction and one after
 * it, so the expected-exception mechanism can match the faulting RIP and
 * resume behind the instruction.
 *
 * uint64_t rt_vmcall(uint64_t rax, struct hc_regs *regs);
 * uint64_t rt_vmmcall(uint64_t rax, struct hc_regs *regs);
 *   RAX in; R10-R15 loaded from *regs and stored back (all six); returns RAX.
 * void rt_ud2(void);
 */
	.text
	.code64

.macro HYPERCALL name, insn
	.globl rt_\name, rt_\name\()_insn, rt_\name\()_resume
	.balign 16
rt_\name:
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsi, %rbx
	movq %rdi, %rax
	movq 0(%rbx), %r10
	movq 8(%rbx), %r11
	movq 16(%rbx), %r12
	movq 24(%rbx), %r13
	movq 32(%rbx), %r14
	movq 40(%rbx), %r15
rt_\name\()_insn:
	\insn
rt_\name\()_resume:
	movq %r10, 0(%rbx)
	movq %r11, 8(%rbx)
	movq %r12, 16(%rbx)
	movq %r13, 24(%rbx)
	movq %r14, 32(%rbx)
	movq %r15, 40(%rbx)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	ret
.endm

HYPERCALL vmcall, vmcall
HYPERCALL vmmcall, vmmcall

	.globl rt_ud2, rt_ud2_insn, rt_ud2_resume
	.balign 16
rt_ud2:
rt_ud2_insn:
	ud2
rt_ud2_resume:
	ret
