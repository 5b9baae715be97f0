/*
 * Multiboot v1 entry of the hypervisor (BSP).
 *
 * The header uses the address fields (flag 16, "a.out kludge"): QEMU's
 * -kernel refuses a 64-bit ELF without them.  bss_end_addr covers .bss and
 * the page pool, so a loader puts the modules above the whole image.
 *
 * 32-bit entry (EAX = 0x2BADB002, EBX = &mbi, paging off) -> identity-map 0-4 GiB with 2 MiB pages -> PAE, EFER.LME (+NXE if the CPU
 * has NX) -> paging -> 64-bit code -> boot_relocate() copies the image to
 * the top of RAM (boot/relocate.c) -> jump into the copy -> its GDT, page
 * tables and stack -> bsp_main(magic, mbi).  Everything up to the jump runs
 * at the load address; the APs start in the copy (its trampoline).
 */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00010003      /* page-align modules, mem info, address fields */
#define MB_CHECKSUM     (-(MB_MAGIC + MB_FLAGS))

#define SEL_CODE32      0x08
#define SEL_DATA        0x10
#define SEL_CODE64      0x18

#include <x86/asm_consts.h>
#define STACK_SIZE      HV_STACK_SIZE

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long MB_CHECKSUM
	.long mb_header         /* header_addr */
	.long __image_start     /* load_addr */
	.long __load_end        /* load_end_addr */
	.long __image_end       /* bss_end_addr: the end of .bss */
	.long _start32          /* entry_addr */

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %ebp                 /* multiboot magic */
	movl %ebx, %esi                 /* multiboot information */

	/* The loader zeroed .bss (multiboot: up to bss_end_addr); the copy's
	 * is zeroed by boot_relocate.  Only the page tables are cleared here. */
	movl $boot_pml4, %edi
	movl $(2 * 4096 / 4), %ecx
	xorl %eax, %eax
	rep stosl

	movl %ebp, boot_mb_magic
	movl %esi, boot_mb_info
	movl $(bsp_stack + STACK_SIZE), %esp

	/* Long mode and NX? */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl $(1 << 8), %eax            /* EFER.LME */
	testl $(1 << 20), %edx
	jz 1f
	orl $(1 << 11), %eax            /* EFER.NXE */
1:	movl %eax, boot_efer_bits

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn[i] -> 2 MiB pages. */
	movl $boot_pdpt, %eax
	orl $0x3, %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $0x3, %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                 /* P | RW | PS */
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 3b

	.globl ap_entry32
ap_entry32:                             /* the AP trampoline joins here */
	lgdt boot_gdt_desc
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax             /* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl boot_efer_bits, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax           /* PG | PE */
	movl %eax, %cr0
	ljmp $SEL_CODE64, $start64

no_long_mode:
	movl $msg_no_lm, %esi
4:	lodsb
	testb %al, %al
	jz 5f
	movw $0x3F8, %dx
	outb %al, %dx
	jmp 4b
5:	cli
	hlt
	jmp 5b

	.code64
start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	cmpl $0, boot_bsp_done
	jne ap_start64
	movl $1, boot_bsp_done          /* before the copy: the copy's APs see it */
	movabsq $(bsp_stack + STACK_SIZE), %rsp
	xorl %ebp, %ebp
	movl boot_mb_magic, %edi
	movl boot_mb_info, %esi
	call boot_relocate              /* the distance to the copy (0: stays) */
	movabsq $start64_moved, %rcx
	addq %rax, %rcx
	.globl boot_jump_to_copy
boot_jump_to_copy:                      /* GDB stops here: %rax is the symbols' offset */
	jmp *%rcx

	/* In the copy (relocated: every absolute address below is its own). */
start64_moved:
	lgdt boot_gdt_desc(%rip)
	pushq $SEL_CODE64
	leaq 7f(%rip), %rax
	pushq %rax
	lretq
7:	leaq boot_pml4(%rip), %rax
	movq %rax, %cr3
	movabsq $(bsp_stack + STACK_SIZE), %rsp
	xorl %ebp, %ebp
	movl boot_mb_magic(%rip), %edi
	movl boot_mb_info(%rip), %esi
	call bsp_main
6:	cli
	hlt
	jmp 6b

	/* An AP: take the next PP number, its stack, and go to C. */
ap_start64:
	movl $1, %eax
	lock xaddl %eax, ap_next_ppid
	cmpl $HV_MAX_PPS_ASM, %eax
	jae 6b
	movl %eax, %edi
	leal 1(%eax), %ebx
	shlq $14, %rbx                  /* STACK_SIZE */
	addq $ap_stacks, %rbx
	movq %rbx, %rsp
	xorl %ebp, %ebp
	call ap_main
	jmp 6b

	.section .rodata
msg_no_lm:
	.asciz "microv-hv: this CPU has no long mode\n"

	.section .data
	.balign 16
	.globl boot_gdt, boot_gdt_desc
boot_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08 code32 */
	.quad 0x00CF92000000FFFF        /* 0x10 data   */
	.quad 0x00AF9A000000FFFF        /* 0x18 code64 */
boot_gdt_end:
	.balign 8
	.word 0
	.word 0
	.word 0
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt
	.globl ap_next_ppid
ap_next_ppid:
	.long 1
boot_bsp_done:
	.long 0
	.globl boot_efer_bits
boot_efer_bits:
	.long 0
	.globl boot_mb_magic, boot_mb_info
boot_mb_magic:
	.long 0
boot_mb_info:
	.long 0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.balign 16
bsp_stack:
	.skip STACK_SIZE
	.globl ap_stacks
ap_stacks:
	.skip STACK_SIZE * HV_MAX_PPS_ASM
