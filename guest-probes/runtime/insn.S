/*
 * Instructions the runtime needs at known addresses: the two hypercall
 * instructions and UD2, each with a label at the instruction and one after
 * it, so the expected-exception mechanism can match the faulting RIP and
 * resume behind the instruction.
 *
 * uint64_t rt_vmcall(uint64_t rax, struct hc_regs *regs);
 * uint64_t rt_vmmcall(uint64_t rax, struct hc_regs *regs);
 *   RAX in; R10-R15 loaded from *regs and stored back (all six: those that
 *   changed are written); returns RAX.
 * void rt_ud2(void);
 */
	.text
	.code64

/* Store a register into the hc_regs slot unless it already holds that value:
 * the memory ends the same, and a guest store is dear on an emulator (on
 * mvsim about 1,000 host instructions, a load a few dozen; most hypercalls
 * change one or two of the six). */
.macro STORE_CHANGED reg, off
	cmpq \reg, \off(%rbx)
	je 1f
	movq \reg, \off(%rbx)
1:
.endm

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
	STORE_CHANGED %r10, 0
	STORE_CHANGED %r11, 8
	STORE_CHANGED %r12, 16
	STORE_CHANGED %r13, 24
	STORE_CHANGED %r14, 32
	STORE_CHANGED %r15, 40
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
