/*
 * crexit's guest code: copied by the root into a page it shares with the
 * guest (RWX) and called through the agent's G_EXEC.  Position independent.
 * The data block at CRX_DATA (crexit.h) says which control-register
 * instruction to run and with what value; the snippet runs it under its own
 * IDT whose only gate is #GP (vector 13), so a #GP is recorded (vector,
 * error code) instead of becoming the agent's triple fault, then restores
 * the agent's IDT and returns.  The value of the register after the
 * instruction is stored in OUT (reads and writes alike).
 */
#include "crexit.h"

	.text
	.code64
	.globl crx_snippet, crx_snippet_end
crx_snippet:
	push	%rbx
	lea	crx_snippet(%rip), %rbx
	add	$CRX_DATA, %rbx
	sidt	CRX_SAVED_IDTR(%rbx)
	/* the #GP gate: 64-bit interrupt gate, present, DPL 0, this CS */
	lea	crx_gp(%rip), %rax
	lea	CRX_IDT(%rbx), %rdi
	mov	%ax, 13*16+0(%rdi)
	mov	%cs, %cx
	mov	%cx, 13*16+2(%rdi)
	movw	$0x8E00, 13*16+4(%rdi)
	shr	$16, %rax
	mov	%ax, 13*16+6(%rdi)
	shr	$16, %rax
	mov	%eax, 13*16+8(%rdi)
	movl	$0, 13*16+12(%rdi)
	movw	$(14*16-1), CRX_IDTR(%rbx)
	mov	%rdi, CRX_IDTR+2(%rbx)
	lidt	CRX_IDTR(%rbx)
	movq	$CRX_NO_VECTOR, CRX_VEC(%rbx)
	movq	$0, CRX_ERR(%rbx)
	mov	%rsp, CRX_RSP(%rbx)
	mov	CRX_VAL(%rbx), %rax
	mov	CRX_OP(%rbx), %rcx
	cmp	$CRX_OP_WR_CR0, %rcx
	je	1f
	cmp	$CRX_OP_WR_CR4, %rcx
	je	2f
	cmp	$CRX_OP_WR_CR3, %rcx
	je	3f
	cmp	$CRX_OP_CLTS, %rcx
	je	4f
	cmp	$CRX_OP_LMSW, %rcx
	je	5f
	cmp	$CRX_OP_RD_CR4, %rcx
	je	crx_rd_cr4
	cmp	$CRX_OP_RD_CR3, %rcx
	je	crx_rd_cr3
	jmp	crx_rd_cr0
1:	mov	%rax, %cr0
	jmp	crx_rd_cr0
2:	mov	%rax, %cr4
	jmp	crx_rd_cr4
3:	mov	%rax, %cr3
	jmp	crx_rd_cr3
4:	clts
	jmp	crx_rd_cr0
5:	lmsw	%ax
crx_rd_cr0:
	mov	%cr0, %rax
	jmp	crx_out
crx_rd_cr4:
	mov	%cr4, %rax
	jmp	crx_out
crx_rd_cr3:
	mov	%cr3, %rax
crx_out:
	mov	%rax, CRX_OUT(%rbx)
crx_done:
	lidt	CRX_SAVED_IDTR(%rbx)
	pop	%rbx
	ret

/* #GP: error code on the stack; record it, drop the frame, report the
 * register as it is after the refused instruction. */
crx_gp:
	pop	%rax
	mov	%rax, CRX_ERR(%rbx)
	movq	$13, CRX_VEC(%rbx)
	mov	CRX_RSP(%rbx), %rsp
	mov	CRX_OP(%rbx), %rcx
	cmp	$CRX_OP_WR_CR4, %rcx
	je	crx_rd_cr4
	cmp	$CRX_OP_WR_CR3, %rcx
	je	crx_rd_cr3
	jmp	crx_rd_cr0
crx_snippet_end:
