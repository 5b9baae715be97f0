/*
 * hvwrite: a throwaway multiboot (v1) root OS that writes into the
 * hypervisor's memory.  It finds the first type-2 (reserved) range above
 * 1 MiB in the memory map the hypervisor gave it (the hypervisor's image
 * and pool: the core cuts them out of RAM) and stores to its first byte.
 * Expected: the store is an NPT fault, the core prints
 *   [hv] root VM stopped on pp 0: access to memory the root VM does not own ...
 * and the hypervisor ends QEMU with status 251.  If the store goes through,
 * it prints "hvwrite: NOT STOPPED" and exits with 5 (FAILURE).
 * 32-bit protected mode, paging off, as multiboot enters it.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010000
#define COM1 0x3F8

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header
	.long _load_start
	.long _load_end
	.long _bss_end
	.long _start

	.section .text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	movl %ebx, %ebp
	movl $msg_begin, %esi
	call puts
	testl $(1 << 6), (%ebp)
	jz notfound
	movl 48(%ebp), %esi             /* mmap_addr */
	movl 44(%ebp), %edx             /* mmap_length */
	addl %esi, %edx
1:	cmpl %edx, %esi
	jae notfound
	cmpl $2, 20(%esi)               /* type */
	jne 2f
	cmpl $0, 8(%esi)                /* addr[63:32] */
	jne 2f
	movl 4(%esi), %edi              /* addr[31:0] */
	cmpl $0x100000, %edi
	jae found
2:	addl (%esi), %esi
	addl $4, %esi
	jmp 1b

found:
	movl $msg_write, %esi
	call puts
	movl %edi, %eax
	call puthex
	movl $msg_nl, %esi
	call puts
	movl $0xDEADBEEF, (%edi)
	movl $msg_fail, %esi
	call puts
	movb $5, %al
	outb %al, $0xF4
	jmp halt

notfound:
	movl $msg_none, %esi
	call puts
	movb $4, %al
	outb %al, $0xF4
halt:
	cli
	hlt
	jmp halt

/* puts: string at %esi */
puts:
	pushl %eax
	pushl %edx
3:	lodsb
	testb %al, %al
	jz 4f
	call putc
	jmp 3b
4:	popl %edx
	popl %eax
	ret

/* putc: %al */
putc:
	pushl %eax
	movw $(COM1 + 5), %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	popl %eax
	movw $COM1, %dx
	outb %al, %dx
	ret

/* puthex: %eax as 8 hex digits */
puthex:
	pushl %ecx
	pushl %ebx
	movl %eax, %ebx
	movl $8, %ecx
6:	roll $4, %ebx
	movl %ebx, %eax
	andl $0xF, %eax
	movb hexdigits(%eax), %al
	call putc
	loop 6b
	popl %ebx
	popl %ecx
	ret

	.section .rodata
hexdigits:
	.ascii "0123456789abcdef"
msg_begin:
	.asciz "hvwrite: looking for the hypervisor's memory in the memory map\n"
msg_write:
	.asciz "hvwrite: writing to 0x"
msg_nl:
	.asciz "\n"
msg_fail:
	.asciz "hvwrite: NOT STOPPED: the write into the hypervisor's memory went through\n"
msg_none:
	.asciz "hvwrite: no reserved range above 1 MiB in the memory map\n"

	.section .bss
	.balign 16
	.skip 4096
stack_top:
