/*
 * mbload's boot sector (LBA 0, loaded by the BIOS at 0x7C00 with DL = the
 * boot drive): loads the second stage (LBA 1.., __stage2_sectors sectors)
 * to 0x7E00 with int 13h AH=42h, clears its .bss and calls
 * mbload_main(drive) (main.c) with a stack below 0x7C00.  On a read error it
 * writes "mbload: stage 2 read failed" to Bochs' port 0xE9 and halts.
 */
	.section .boot, "ax"
	.code16
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7C00, %esp
	ljmp $0, $1f                    /* CS = 0 */
1:	sti
	cld
	movw $dap, %si
	movb $0x42, %ah
	int $0x13
	jc 2f
	movw $__bss_start, %di          /* the second stage's .bss */
	movw $__bss_end, %cx
	subw %di, %cx
	xorb %al, %al
	rep stosb
	movzbl %dl, %edx
	pushl %edx
	calll mbload_main               /* does not return */
2:	movw $msg, %si
3:	lodsb
	testb %al, %al
	jz 4f
	outb %al, $0xE9
	jmp 3b
4:	cli
	hlt
	jmp 4b

msg:	.asciz "mbload: stage 2 read failed\n"
	.balign 4
dap:	.byte 16, 0
	.word __stage2_sectors
	.word 0x7E00, 0
	.quad 1

	.section .note.GNU-stack, "", @progbits
