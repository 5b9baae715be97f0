/*
 * The guest GPR save area both world switches use (svm/vmrun.S,
 * vmx/vmentry.S): the layout of struct svm_gprs / struct vmx_gprs, and the
 * load and store sequences, and the host's callee-saved registers around
 * the switch.  Assembler only.  The save area's address is
 * in RAX, which neither macro touches (SVM switches RAX through the VMCB,
 * VMX through the G_RAX slot); neither changes RFLAGS.
 */
#ifndef X86_GPRS_ASM_H
#define X86_GPRS_ASM_H

#define G_RAX 0
#define G_RBX 8
#define G_RCX 16
#define G_RDX 24
#define G_RBP 32
#define G_RSI 40
#define G_RDI 48
#define G_R8 56
#define G_R9 64
#define G_R10 72
#define G_R11 80
#define G_R12 88
#define G_R13 96
#define G_R14 104
#define G_R15 112

/* RBX..R15 (all but RAX and RSP) <- the save area at (%rax). */
.macro GPRS_LOAD_FROM_RAX
	movq G_RBX(%rax), %rbx
	movq G_RCX(%rax), %rcx
	movq G_RDX(%rax), %rdx
	movq G_RBP(%rax), %rbp
	movq G_RSI(%rax), %rsi
	movq G_RDI(%rax), %rdi
	movq G_R8(%rax), %r8
	movq G_R9(%rax), %r9
	movq G_R10(%rax), %r10
	movq G_R11(%rax), %r11
	movq G_R12(%rax), %r12
	movq G_R13(%rax), %r13
	movq G_R14(%rax), %r14
	movq G_R15(%rax), %r15
.endm

/* The save area at (%rax) <- RBX..R15. */
.macro GPRS_STORE_TO_RAX
	movq %rbx, G_RBX(%rax)
	movq %rcx, G_RCX(%rax)
	movq %rdx, G_RDX(%rax)
	movq %rbp, G_RBP(%rax)
	movq %rsi, G_RSI(%rax)
	movq %rdi, G_RDI(%rax)
	movq %r8, G_R8(%rax)
	movq %r9, G_R9(%rax)
	movq %r10, G_R10(%rax)
	movq %r11, G_R11(%rax)
	movq %r12, G_R12(%rax)
	movq %r13, G_R13(%rax)
	movq %r14, G_R14(%rax)
	movq %r15, G_R15(%rax)
.endm

/* The host's callee-saved registers (SysV ABI) around a world switch:
 * pushed on entry to svm_vmrun / vmx_enter, popped before their ret. */
.macro HOST_CALLEE_SAVED_PUSH
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro HOST_CALLEE_SAVED_POP_RET
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
.endm

#endif /* X86_GPRS_ASM_H */
