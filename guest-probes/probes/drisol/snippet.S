/*
 * drisol's guest code: copied by the root into a page it shares with the
 * guest (RWX) and called through the agent's G_EXEC.  Stores DR0..DR3 as
 * the guest finds them at DRI_SEEN, then loads DR0..DR3 from DRI_SET.
 */
#include "drisol.h"

	.text
	.code64
	.globl dri_snippet, dri_snippet_end
dri_snippet:
	lea	dri_snippet(%rip), %rdx
	add	$DRI_DATA, %rdx
	mov	%dr0, %rax
	mov	%rax, DRI_SEEN+0(%rdx)
	mov	%dr1, %rax
	mov	%rax, DRI_SEEN+8(%rdx)
	mov	%dr2, %rax
	mov	%rax, DRI_SEEN+16(%rdx)
	mov	%dr3, %rax
	mov	%rax, DRI_SEEN+24(%rdx)
	mov	DRI_SET+0(%rdx), %rax
	mov	%rax, %dr0
	mov	DRI_SET+8(%rdx), %rax
	mov	%rax, %dr1
	mov	DRI_SET+16(%rdx), %rax
	mov	%rax, %dr2
	mov	DRI_SET+24(%rdx), %rax
	mov	%rax, %dr3
	ret
dri_snippet_end:
