/*
 * A tiny multiboot (v1) guest for mvsim's own tests.  It stays in 32-bit
 * protected mode and picks a scenario by the first character of its
 * multiboot command line (mvsim --cmdline):
 *
 *   x  print "guest: hello" on COM1, write 5 to port 0xF4     -> exit 5
 *   l  loop forever                                           -> exit 124
 *   u  UD2 with no IDT (delivery impossible)                  -> exit 125
 *   m  write to an address no RAM backs (0xF0000000)          -> exit 125
 *   r  write into the hypervisor's reserved memory (112 MiB)  -> exit 125
 *   c  CLI; HLT                                               -> exit 125
 *   i  32-bit IDT with a #UD handler; UD2; the handler checks
 *      the pushed EIP and writes 7 (ok) or 8 (bad) to 0xF4    -> exit 7
 *   v  VMCALL in 32-bit mode: the core injects #UD -> handler -> exit 7
 *   n  CPUID leaf 0 vendor: writes 0x10 Intel, 0x11 AMD
 */
	.code32
	.section .text
	.globl _start
	.align 4
mb_header:
	.long 0x1BADB002
	.long 0
	.long -(0x1BADB002)

_start:
	mov $stack_top, %esp
	mov 16(%ebx), %esi          /* mbi.cmdline */
	movzbl (%esi), %eax
	cmp $'x', %al ; je t_exit
	cmp $'l', %al ; je t_loop
	cmp $'u', %al ; je t_ud
	cmp $'m', %al ; je t_unmapped
	cmp $'r', %al ; je t_reserved
	cmp $'c', %al ; je t_clihlt
	cmp $'i', %al ; je t_idt
	cmp $'v', %al ; je t_vmcall
	cmp $'n', %al ; je t_vendor
	mov $1, %al
	jmp done

t_exit:
	mov $msg, %esi
1:	lodsb
	test %al, %al
	jz 2f
	mov $0x3F8, %dx
	out %al, %dx
	jmp 1b
2:	mov $5, %al
	jmp done
t_loop:
	jmp t_loop
t_ud:
	ud2
t_unmapped:
	movl $1, 0xF0000000
	mov $2, %al
	jmp done
t_reserved:
	movl $1, 0x7000000
	mov $2, %al
	jmp done
t_clihlt:
	cli
	hlt
t_idt:
	call setup_idt
ud_here:
	ud2
	mov $9, %al                 /* not reached: the handler exits */
	jmp done
t_vmcall:
	call setup_idt
	movl $vm_here, expect_eip
vm_here:
	vmcall
	mov $9, %al
	jmp done
t_vendor:
	xor %eax, %eax
	cpuid
	mov $0x10, %al
	cmp $0x756e6547, %ebx       /* "Genu" */
	je done
	mov $0x11, %al
	cmp $0x68747541, %ebx       /* "Auth" */
	je done
	mov $0x12, %al
	jmp done

setup_idt:
	/* our own GDT: the multiboot state guarantees none */
	lgdt gdtr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %ss
	/* IDT entry 6: 32-bit interrupt gate to ud_handler */
	mov $ud_handler, %eax
	mov %ax, idt + 6*8
	movw $0x08, idt + 6*8 + 2
	movw $0x8E00, idt + 6*8 + 4
	shr $16, %eax
	mov %ax, idt + 6*8 + 6
	lidt idtr
	ret

ud_handler:
	mov (%esp), %eax            /* pushed EIP */
	cmp expect_eip, %eax
	mov $7, %al
	je done
	mov $8, %al
done:
	out %al, $0xF4
	cli
	hlt

	.section .data
	.align 8
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_end:
gdtr:
	.word gdt_end - gdt - 1
	.long gdt
idtr:
	.word 256*8 - 1
	.long idt
expect_eip:
	.long ud_here
msg:
	.asciz "guest: hello\n"
	.section .bss
	.align 16
idt:
	.space 256*8
	.space 4096
stack_top:
