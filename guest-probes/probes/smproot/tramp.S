/*
 * The AP start-up code of the smproot probe, copied to TRAMP_BASE (SIPI
 * vector 6) by the BSP: real mode (CPUID's initial APIC ID, slot taken with
 * LOCK XADD) -> 32-bit protected mode -> long mode on the BSP's page tables
 * (tr_cr3, patched in by the BSP) -> the APIC ID read from the xAPIC page ->
 * a wait for a command: an address to read (the hypervisor's memory), or
 * for the first AP a C function to call on a stack (tr_call, tr_stack).
 * Everything it writes lies in its own data area (offsets below).
 */
	.set TRAMP_BASE, 0x6000
	.set MAX_APS, 8
#define ABS(x) (TRAMP_BASE + (x) - smp_tramp_start)
#define OFF(x) ((x) - smp_tramp_start)

	.section .rodata
	.balign 16
	.globl smp_tramp_start, smp_tramp_end
	.globl tr_cr3, tr_entered, tr_in_long, tr_cpuid_id, tr_page_id, tr_cmd, tr_leak
	.globl tr_call, tr_stack, tr_hv_read
	.code16
smp_tramp_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	movl $1, %esi
	lock xaddl %esi, OFF(tr_entered)      /* esi = this AP's slot */
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	cmpl $MAX_APS, %esi
	jae 1f
	movl %ebx, OFF(tr_cpuid_id)(,%esi,4)
1:	lgdtl OFF(tr_gdtr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	.byte 0x66, 0xEA                      /* ljmpl $0x08, $pm32 */
	.long ABS(pm32)
	.word 0x08

	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $0x20, %eax                       /* PAE */
	movl %eax, %cr4
	movl ABS(tr_cr3), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx                /* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmpl $0x18, $ABS(lm64)

	.code64
lm64:
	movl $0xFEE00020, %ebx
	movl (%rbx), %eax                     /* the APIC ID register */
	shrl $24, %eax
	cmpl $MAX_APS, %esi
	jae 2f
	movl %eax, ABS(tr_page_id)(,%rsi,4)
2:	lock incl ABS(tr_in_long)
3:	pause
	testl %esi, %esi                      /* slot 0: a call (tlbshoot)? */
	jnz 4f
	movq ABS(tr_call), %rax
	testq %rax, %rax
	jz 4f
	movq ABS(tr_stack), %rsp
	movl %esi, %edi
	callq *%rax
5:	hlt
	jmp 5b
4:	movq ABS(tr_cmd), %rbx
	testq %rbx, %rbx
	jz 3b
tr_hv_read:
	movq (%rbx), %rax                     /* must stop the root */
	movq %rax, ABS(tr_leak)
	movq $0, ABS(tr_cmd)
	jmp 3b

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF              /* 0x08 code32 */
	.quad 0x00CF92000000FFFF              /* 0x10 data */
	.quad 0x00AF9A000000FFFF              /* 0x18 code64 */
tr_gdtr:
	.word 31
	.long ABS(tr_gdt)
	.balign 8
tr_cr3:      .quad 0
tr_cmd:      .quad 0
tr_call:     .quad 0                   /* slot 0 calls it on tr_stack (ap_start.h) */
tr_stack:    .quad 0
tr_leak:     .quad 0
tr_entered:  .long 0
tr_in_long:  .long 0
tr_cpuid_id: .fill MAX_APS, 4, 0xFFFFFFFF
tr_page_id:  .fill MAX_APS, 4, 0xFFFFFFFF
smp_tramp_end:
