/*
 * void svm_vmrun(uint64_t vmcb_pa, struct svm_gprs *gprs,
 *                uint64_t host_save_pa, uint64_t sti)
 *
 * The world switch.  VMRUN itself switches RAX, RSP, RIP, RFLAGS, CRs,
 * EFER and CS/SS/DS/ES; VMLOAD/VMSAVE switch FS, GS, TR, LDTR,
 * KernelGSBase, STAR/LSTAR/CSTAR/SFMASK and SYSENTER_*; the other GPRs are
 * switched here through *gprs.  With GIF clear from CLGI to STGI, nothing
 * interrupts the host between the two halves.  `sti` (guest VMs, with
 * V_INTR_MASKING): the host's RFLAGS.IF is set for the guest's run so that
 * a physical interrupt causes an INTR exit; it stays pending (GIF = 0,
 * then IF = 0) for the root VM, which handles it.
 */
#include <x86/gprs_asm.h>

	.section .text
	.globl svm_vmrun
svm_vmrun:
	HOST_CALLEE_SAVED_PUSH
	pushq %rsi                      /* 16(%rsp): gprs */
	pushq %rdi                      /*  8(%rsp): vmcb pa */
	pushq %rdx                      /*  0(%rsp): host save area pa */

	clgi
	movq %rdx, %rax
	vmsave                          /* the host's VMLOAD/VMSAVE state */
	movq 8(%rsp), %rax
	vmload                          /* the guest's */
	testq %rcx, %rcx
	jz 1f
	sti
1:
	movq %rsi, %rax
	GPRS_LOAD_FROM_RAX
	movq 8(%rsp), %rax

	vmrun

	/* #VMEXIT: GIF = 0; RAX, RSP, RIP are the host's again (RAX = vmcb pa). */
	cli
	vmsave                          /* the guest's VMLOAD/VMSAVE state */
	movq 16(%rsp), %rax
	GPRS_STORE_TO_RAX
	movq (%rsp), %rax
	vmload                          /* the host's */
	stgi

	addq $24, %rsp
	HOST_CALLEE_SAVED_POP_RET
