/*
 * The guest code of the initguest probe, copied to a page the guest maps
 * RWX at GUEST_SCRATCH_GPA and called through the agent's G_EXEC: CPUID in
 * a loop (each one an exit the hypervisor handles and resumes from), the
 * loops counted in the mailbox's res[0], until the root sets arg[1].
 * Position independent; the mailbox fields by absolute address
 * (GUEST_MBOX_GPA 0x8000; main.c checks the offsets).
 */
	.text
	.code64
#define MB_ARG1 (0x8000 + 32)
#define MB_RES0 (0x8000 + 104)

	.globl ig_snippet, ig_snippet_end
ig_snippet:
1:	xorl %eax, %eax
	xorl %ecx, %ecx
	cpuid
	lock incq MB_RES0
	cmpq $0, MB_ARG1
	je 1b
	ret
ig_snippet_end:
