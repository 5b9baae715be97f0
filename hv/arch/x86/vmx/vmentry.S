/*
 * int vmx_enter(struct vmx_gprs *gprs, uint64_t launched)
 *
 * The world switch.  VM entry loads the guest's RSP, RIP, RFLAGS, control
 * registers, segments and (with the entry controls) EFER and PAT from the
 * current VMCS; the other GPRs are switched here through *gprs.  HOST_RSP
 * is this frame, HOST_RIP is vmx_exit_stub (written at VMCS set-up), so a
 * VM exit "returns" from here with 0.  A VMLAUNCH/VMRESUME that fails falls
 * through with RFLAGS.CF (VMfailInvalid: 1) or ZF (VMfailValid: 2); the
 * host's registers are restored from the stack either way.
 * The host runs with RFLAGS.IF = 0 throughout; a VM exit leaves it 0.
 */
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
#define VMCS_HOST_RSP 0x6C14

	.section .text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                      /* (%rsp): gprs */

	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 3f                          /* CF or ZF: the VMWRITE failed */

	testq %rsi, %rsi                /* launched? (MOVs keep the flags) */
	movq %rdi, %rax
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
	movq G_RAX(%rax), %rax
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VM entry failed as an instruction: CF = VMfailInvalid, ZF = VMfailValid */
3:	movl $2, %eax
	jnc 4f
	movl $1, %eax
4:	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl vmx_exit_stub
vmx_exit_stub:
	/* VM exit: RSP = the frame above (gprs at (%rsp)), RFLAGS = 0x2. */
	pushq %rax
	movq 8(%rsp), %rax
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
	popq %rbx
	movq %rbx, G_RAX(%rax)
	xorl %eax, %eax
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
