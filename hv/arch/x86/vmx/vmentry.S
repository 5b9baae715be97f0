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
#include <x86/gprs_asm.h>
#define VMCS_HOST_RSP 0x6C14

	.section .text
	.globl vmx_enter
vmx_enter:
	HOST_CALLEE_SAVED_PUSH
	pushq %rdi                      /* (%rsp): gprs */

	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 3f                          /* CF or ZF: the VMWRITE failed */

	testq %rsi, %rsi                /* launched? (MOVs keep the flags) */
	movq %rdi, %rax
	GPRS_LOAD_FROM_RAX
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
	HOST_CALLEE_SAVED_POP_RET

	.globl vmx_exit_stub
vmx_exit_stub:
	/* VM exit: RSP = the frame above (gprs at (%rsp)), RFLAGS = 0x2. */
	pushq %rax
	movq 8(%rsp), %rax
	GPRS_STORE_TO_RAX
	popq %rbx
	movq %rbx, G_RAX(%rax)
	xorl %eax, %eax
	addq $8, %rsp
	HOST_CALLEE_SAVED_POP_RET
