/*
 * mbload's BIOS calls and mode switches for the second stage (main.c, built
 * with gcc -m16: 32-bit C run in real mode, cdecl, `calll`/`retl`).  Each
 * BIOS call is followed by mbl_unreal(), since a BIOS may reload the data
 * segments.  Declarations and contracts: mbload.h.
 */
#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define MB_BOOT_MAGIC 0x2BADB002

	.text
	.code16

/* uint32_t mbl_bios_read(uint32_t drive, struct mbl_dap *dap) */
	.globl mbl_bios_read
mbl_bios_read:
	pushl %ebx
	pushl %esi
	pushl %edi
	pushl %ebp
	movl 20(%esp), %edx
	movl 24(%esp), %esi
	movb $0x42, %ah
	int $0x13
	movzbl %ah, %eax
	jnc 1f
	testl %eax, %eax
	jnz 1f
	movl $0xFF, %eax                /* carry set, no status: an error all the same */
1:	/* Both BIOS calls end here: EAX holds the result. */
bios_done:
	cld
	calll mbl_unreal
	popl %ebp
	popl %edi
	popl %esi
	popl %ebx
	retl

/* uint32_t mbl_bios_e820(uint32_t *cont, void *buf) */
	.globl mbl_bios_e820
mbl_bios_e820:
	pushl %ebx
	pushl %esi
	pushl %edi
	pushl %ebp
	movl 20(%esp), %esi
	movl (%esi), %ebx
	movl 24(%esp), %edi
	movl $1, 20(%edi)               /* ACPI 3.0 attributes: valid unless the BIOS says */
	movl $0xE820, %eax
	movl $24, %ecx
	movl $0x534D4150, %edx          /* 'SMAP' */
	int $0x15
	jc 2f
	cmpl $0x534D4150, %eax
	jne 2f
	movl 20(%esp), %esi
	movl %ebx, (%esi)
	movl %ecx, %eax
	jmp bios_done
2:	xorl %eax, %eax
	jmp bios_done

/* void mbl_unreal(void): protected mode for a moment, the 4 GiB data
 * descriptor into DS, ES, FS, GS, back to real mode with base 0: the
 * segments keep the 4 GiB limit. */
	.globl mbl_unreal
mbl_unreal:
	pushfl
	cli
	pushl %eax
	pushl %ebx
	lgdtl gdt_desc
	movl %cr0, %eax
	orb $1, %al
	movl %eax, %cr0
	movw $SEL_DATA32, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	andb $0xFE, %al
	movl %eax, %cr0
	xorw %bx, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	popl %ebx
	popl %eax
	popfl
	retl

/* void mbl_enter(uint32_t tramp, uint32_t handoff) */
	.globl mbl_enter
mbl_enter:
	cli
	movl 4(%esp), %ecx
	movl 8(%esp), %ebp
	lgdtl gdt_desc
	movl %cr0, %eax
	andl $0x7FFFFFFF, %eax          /* PG off (it is), PE on */
	orb $1, %al
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $1f
	.code32
1:	movw $SEL_DATA32, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	jmp *%ecx

/* The moves, then the kernel (mbload.h); copied, so only relative jumps. */
	.globl mbl_tramp, mbl_tramp_end
mbl_tramp:
	cld
	movl 8(%ebp), %edx              /* handoff.count */
	leal 12(%ebp), %ebx             /* handoff.move[0] */
2:	testl %edx, %edx
	jz 3f
	movl 0(%ebx), %edi
	movl 4(%ebx), %esi
	movl 8(%ebx), %ecx
	rep movsb
	movl 12(%ebx), %ecx
	xorl %eax, %eax
	rep stosb
	addl $16, %ebx
	decl %edx
	jmp 2b
3:	movl 4(%ebp), %ebx              /* handoff.mbi */
	movl 0(%ebp), %ecx              /* handoff.entry */
	movl $MB_BOOT_MAGIC, %eax
	jmp *%ecx
mbl_tramp_end:

	.section .rodata
	.balign 8
gdt:	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code, base 0, 4 GiB */
	.quad 0x00CF92000000FFFF        /* 0x10: data, base 0, 4 GiB */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.section .note.GNU-stack, "", @progbits
