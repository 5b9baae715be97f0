/*
 * Guest code of the svmguest probe (main.c).  It lives in the root's own pages (the
 * page-aligned guest_area), which the test shares with the guest VM at the
 * same GPA; the guest runs in 64-bit mode with the first GiB identity-
 * mapped (mv_vps_op_set_identity_map), so these addresses are valid there.
 * Each snippet is a separate entry point ending in HLT with IF = 0.
 */
	.section .data
	.balign 4096
	.globl guest_area, guest_area_end, guest_tables, guest_stack_top
	.code64
guest_area:

	.globl g_hlt
g_hlt:	hlt

	.globl g_sti_hlt
g_sti_hlt:
	sti
	hlt

	.globl g_pause
g_pause:
	pause
	hlt

	.globl g_wrmsr_tsc
g_wrmsr_tsc:
	movl $0x10, %ecx
	movl $0x2345, %eax
	movl $0x1, %edx
	wrmsr
	hlt

	.globl g_suspend
g_suspend:
	movw $0x604, %dx
	movw $0x3400, %ax               /* SLP_EN | SLP_TYP 5 */
	outw %ax, %dx
	hlt

	.globl g_io
g_io:	movb $0x5A, %al
	outb %al, $0x80
	hlt

	.globl g_npf
g_npf:	movq $0x3FF00000, %rax
	movl $1, (%rax)
	hlt

	.globl g_cpuid_hc
g_cpuid_hc:
	xorl %eax, %eax
	cpuid
	movl %ebx, %r12d
	movabsq $0x764D000000000000, %rax /* mv_debug_op_out */
	movq $0x1111, %r10
	movq $0x2222, %r11
	vmmcall
	movq %rax, %r13                 /* status */
	hlt

	.globl g_gp
g_gp:	movl $0x1B, %ecx                /* IA32_APIC_BASE: not the VPS's */
	rdmsr
	hlt

	.globl g_fsbase
g_fsbase:
	movl $0xC0000100, %ecx
	movl $0x1234000, %eax
	xorl %edx, %edx
	wrmsr
	hlt

	.globl g_gpr
g_gpr:	addq $1, %rbx
	addq $2, %r15
	movq %rsp, %r14
	hlt

	.globl g_fpu
g_fpu:	movabsq $0x1122334455667788, %rax
	movq %rax, %xmm0
	hlt

	.globl g_spin
g_spin:	incq %rbx
	jmp g_spin

	.balign 4096
	.skip 4096
guest_stack_top:
	.balign 4096
guest_tables:
	.skip 3 * 4096
guest_area_end:
