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

	.section .text
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
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
	movq G_RBX(%rax), %rbx
	movq G_RCX(%rax), %rcx
	movq G_RDX(%rax), %rdx
	movq G_RBP(%rax), %rbp
	movq G_RDI(%rax), %rdi
	movq G_R8(%rax), %r8
	movq G_R9(%rax), %r9
	movq G_R10(%rax), %r10
	movq G_R11(%rax), %r11
	movq G_R12(%rax), %r12
	movq G_R13(%rax), %r13
	movq G_R14(%rax), %r14
	movq G_R15(%rax), %r15
	movq G_RSI(%rax), %rsi
	movq 8(%rsp), %rax

	vmrun

	/* #VMEXIT: GIF = 0; RAX, RSP, RIP are the host's again (RAX = vmcb pa). */
	cli
	vmsave                          /* the guest's VMLOAD/VMSAVE state */
	movq 16(%rsp), %rax
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
	movq (%rsp), %rax
	vmload                          /* the host's */
	stgi

	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
