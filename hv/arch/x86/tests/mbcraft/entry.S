/*
 * mbcraft's multiboot (v1) entry and its jump into the hypervisor (main.c
 * says what mbcraft is).  QEMU's -kernel loads this 32-bit ELF and enters
 * _start in protected mode, paging off, EAX = 0x2BADB002, EBX = &mbi.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, memory information */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl $(stack + 16384), %esp
	pushl %ebx
	pushl %eax
	call mbcraft_main
1:	hlt
	jmp 1b

/* enter_os(magic, mbi, entry): the state a multiboot loader leaves. */
	.globl enter_os
enter_os:
	movl 4(%esp), %eax
	movl 8(%esp), %ebx
	movl 12(%esp), %ecx
	jmp *%ecx

	.bss
	.balign 16
stack:
	.skip 16384
	.section .note.GNU-stack, "", @progbits
