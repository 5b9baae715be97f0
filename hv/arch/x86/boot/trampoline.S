/*
 * The AP start-up trampoline: copied to TRAMP_ADDR (below 1 MiB) by
 * smp.c; a SIPI with vector TRAMP_ADDR >> 12 starts an AP here in real
 * mode.  It loads the hypervisor's GDT, enters protected mode and jumps to
 * ap_entry32 in the image (entry.S), which continues as for the BSP.
 */
#include <x86/asm_consts.h>

	.section .text
	.code16
	.globl tramp_start, tramp_end
tramp_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TRAMP_ADDR + (tramp_gdt_desc - tramp_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ap_entry32

	.balign 8
tramp_gdt_desc:
	.word 31                        /* 4 descriptors */
	.long boot_gdt
tramp_end:
	.code64
