/*
 * insnexit's guest code: copied by the root into a page it shares with the
 * guest (RWX) and called through the agent's G_EXEC.  Position independent.
 * The data block at IX_DATA (insnexit.h) says which instruction to run and
 * with which RAX and RCX; the snippet runs it under its own IDT whose only
 * gates are #UD (6) and #GP (13), so such an exception is recorded (vector,
 * error code) instead of becoming the agent's triple fault, then restores
 * the agent's IDT and returns.  RAX, RCX and RDX after the instruction are
 * stored, and CPUID's EBX (after an exception: not meaningful).
 */
#include "insnexit.h"

	.text
	.code64
	.globl ix_snippet, ix_snippet_end
ix_snippet:
	push	%rbx
	lea	ix_snippet(%rip), %rbx
	add	$IX_DATA, %rbx
	sidt	IX_SAVED_IDTR(%rbx)
	lea	IX_IDT(%rbx), %rdi
	lea	ix_ud(%rip), %rax
	mov	$6*16, %rdx
	call	ix_gate
	lea	ix_gp(%rip), %rax
	mov	$13*16, %rdx
	call	ix_gate
	movw	$(14*16-1), IX_IDTR(%rbx)
	mov	%rdi, IX_IDTR+2(%rbx)
	lidt	IX_IDTR(%rbx)
	movq	$IX_NO_VECTOR, IX_VEC(%rbx)
	movq	$0, IX_ERR(%rbx)
	movq	$0, IX_MEM(%rbx)
	movq	$0, IX_MEM+8(%rbx)
	mov	%rsp, IX_RSP(%rbx)
	mov	IX_OP(%rbx), %rdx
	cmp	$IX_OP_COUNT, %rdx
	jae	ix_out
	lea	ix_ops(%rip), %rsi
	mov	(%rsi,%rdx,8), %rdx
	add	%rsi, %rdx
	mov	IX_IN_RAX(%rbx), %rax
	mov	IX_IN_RCX(%rbx), %rcx
	jmp	*%rdx

/* The operations: one instruction each, then ix_out. */
ix_op_nop:
	nop
	jmp	ix_out
ix_op_invd:
	invd
	jmp	ix_out
ix_op_wbinvd:
	wbinvd
	jmp	ix_out
ix_op_invlpg:
	invlpg	IX_MEM(%rbx)
	jmp	ix_out
ix_op_cpuid:
	push	%rbx
	cpuid
	mov	%rbx, %r8
	pop	%rbx
	mov	%r8, IX_OUT_RBX(%rbx)
	jmp	ix_out
ix_op_rdtscp:
	rdtscp
	jmp	ix_out
ix_op_vmxon:
	vmxon	IX_MEM(%rbx)
	jmp	ix_out
ix_op_vmxoff:
	vmxoff
	jmp	ix_out
ix_op_vmclear:
	vmclear	IX_MEM(%rbx)
	jmp	ix_out
ix_op_vmptrld:
	vmptrld	IX_MEM(%rbx)
	jmp	ix_out
ix_op_vmptrst:
	vmptrst	IX_MEM(%rbx)
	jmp	ix_out
ix_op_vmread:
	vmread	%rax, %rcx
	jmp	ix_out
ix_op_vmwrite:
	vmwrite	%rcx, %rax
	jmp	ix_out
ix_op_vmlaunch:
	vmlaunch
	jmp	ix_out
ix_op_vmresume:
	vmresume
	jmp	ix_out
ix_op_invept:
	invept	IX_MEM(%rbx), %rax
	jmp	ix_out
ix_op_invvpid:
	invvpid	IX_MEM(%rbx), %rax
	jmp	ix_out
ix_op_vmfunc:
	.byte 0x0f, 0x01, 0xd4	/* vmfunc */
	jmp	ix_out
ix_op_vmrun:
	vmrun
	jmp	ix_out
ix_op_vmload:
	vmload
	jmp	ix_out
ix_op_vmsave:
	vmsave
	jmp	ix_out
ix_op_stgi:
	stgi
	jmp	ix_out
ix_op_clgi:
	clgi
	jmp	ix_out
ix_op_skinit:
	skinit
	jmp	ix_out
ix_op_invlpga:
	invlpga
	jmp	ix_out
ix_op_invpcid:
	invpcid	IX_MEM(%rbx), %rax
	jmp	ix_out
ix_op_sti_invd:
	sti
	invd
	cli
	jmp	ix_out

ix_out:
	mov	%rax, IX_OUT_RAX(%rbx)
	mov	%rcx, IX_OUT_RCX(%rbx)
	mov	%rdx, IX_OUT_RDX(%rbx)
ix_done:
	lidt	IX_SAVED_IDTR(%rbx)
	pop	%rbx
	ret

/* 64-bit interrupt gate at RDI + RDX to the handler at RAX: present, DPL 0,
 * this CS. */
ix_gate:
	mov	%ax, 0(%rdi,%rdx)
	mov	%cs, %cx
	mov	%cx, 2(%rdi,%rdx)
	movw	$0x8E00, 4(%rdi,%rdx)
	shr	$16, %rax
	mov	%ax, 6(%rdi,%rdx)
	shr	$16, %rax
	mov	%eax, 8(%rdi,%rdx)
	movl	$0, 12(%rdi,%rdx)
	ret

/* #UD: no error code.  #GP: the error code on the stack.  Both drop the
 * frame and return from the snippet. */
ix_ud:
	movq	$6, IX_VEC(%rbx)
	jmp	ix_fault
ix_gp:
	pop	%rax
	mov	%rax, IX_ERR(%rbx)
	movq	$13, IX_VEC(%rbx)
ix_fault:
	mov	IX_RSP(%rbx), %rsp
	jmp	ix_done

	.p2align 3
ix_ops:
	.quad	ix_op_nop - ix_ops
	.quad	ix_op_invd - ix_ops
	.quad	ix_op_wbinvd - ix_ops
	.quad	ix_op_invlpg - ix_ops
	.quad	ix_op_cpuid - ix_ops
	.quad	ix_op_rdtscp - ix_ops
	.quad	ix_op_vmxon - ix_ops
	.quad	ix_op_vmxoff - ix_ops
	.quad	ix_op_vmclear - ix_ops
	.quad	ix_op_vmptrld - ix_ops
	.quad	ix_op_vmptrst - ix_ops
	.quad	ix_op_vmread - ix_ops
	.quad	ix_op_vmwrite - ix_ops
	.quad	ix_op_vmlaunch - ix_ops
	.quad	ix_op_vmresume - ix_ops
	.quad	ix_op_invept - ix_ops
	.quad	ix_op_invvpid - ix_ops
	.quad	ix_op_vmfunc - ix_ops
	.quad	ix_op_vmrun - ix_ops
	.quad	ix_op_vmload - ix_ops
	.quad	ix_op_vmsave - ix_ops
	.quad	ix_op_stgi - ix_ops
	.quad	ix_op_clgi - ix_ops
	.quad	ix_op_skinit - ix_ops
	.quad	ix_op_invlpga - ix_ops
	.quad	ix_op_invpcid - ix_ops
	.quad	ix_op_sti_invd - ix_ops
ix_snippet_end:
