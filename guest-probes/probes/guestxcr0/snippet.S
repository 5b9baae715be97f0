/*
 * guestxcr0's guest code: copied by the root into a page it shares with the
 * guest (RWX) and called through the agent's G_EXEC.  Position independent.
 * Sets CR4.OSXSAVE and executes XSETBV with XCR0 = 1 (x87 only: it would
 * turn the root's SSE and AVX state off), then restores CR4 and returns;
 * the run is expected to end at the XSETBV.
 */
	.text
	.code64
	.globl gx_snippet, gx_snippet_end
gx_snippet:
	mov	%cr4, %rax
	push	%rax
	bts	$18, %rax
	mov	%rax, %cr4
	xor	%ecx, %ecx
	mov	$1, %eax
	xor	%edx, %edx
	xsetbv
	pop	%rax
	mov	%rax, %cr4
	ret
gx_snippet_end:

	.section .note.GNU-stack, "", @progbits
