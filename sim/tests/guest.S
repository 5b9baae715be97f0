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
 *   h  STI; HLT with no interrupt source armed (PIT channel 0
 *      counting, IRQ0 masked at the 8259): nothing can wake it -> exit 125
 *   i  32-bit IDT with a #UD handler; UD2; the handler checks
 *      the pushed EIP and writes 7 (ok) or 8 (bad) to 0xF4    -> exit 7
 *   v  VMCALL in 32-bit mode: the core injects #UD -> handler -> exit 7
 *   n  CPUID leaf 0 vendor: writes 0x10 Intel, 0x11 AMD
 *   p  long mode with a 64-bit IDT: #PF, #GP, #PF, #GP, #UD, each handled by
 *      the guest (delivered by mvsim by hand); writes 0x20 + the number of
 *      exceptions that arrived with the right vector               -> 0x25
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
	cmp $'h', %al ; je t_stihlt
	cmp $'i', %al ; je t_idt
	cmp $'v', %al ; je t_vmcall
	cmp $'n', %al ; je t_vendor
	cmp $'p', %al ; je t_long
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
t_stihlt:
	mov $0xFF, %al
	out %al, $0x21              /* IRQ0 masked */
	mov $0x34, %al
	out %al, $0x43              /* channel 0: rate generator */
	mov $0x10, %al
	out %al, $0x40
	out %al, $0x40
	sti
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

t_long:
	call setup_idt              /* our GDT (it has a 64-bit code segment) */
	/* identity map of the first GiB with 2 MiB pages */
	movl $pdpt + 3, pml4
	movl $pd + 3, pdpt
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, pd(,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jne 1b
	movl $0, pd + 40*8          /* 80 MiB..82 MiB: RAM, but not present */
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	ljmp $0x18, $long64
	.code64
long64:
	/* 64-bit IDT: vectors 6, 13, 14 */
	lea idt64(%rip), %rdi
	mov $6, %esi ; lea h_ud(%rip), %rax ; call set_gate
	mov $13, %esi ; lea h_gp(%rip), %rax ; call set_gate
	mov $14, %esi ; lea h_pf(%rip), %rax ; call set_gate
	lidt idtr64(%rip)
	xor %r15d, %r15d            /* exceptions that arrived right */
	lea 1f(%rip), %rax ; mov %rax, recover(%rip) ; movl $14, want(%rip)
	movl $1, 0x5000000          /* not present: #PF */
1:	lea 1f(%rip), %rax ; mov %rax, recover(%rip) ; movl $13, want(%rip)
	movabs $0x8000000000000000, %rbx
	mov (%rbx), %eax            /* non-canonical: #GP */
1:	lea 1f(%rip), %rax ; mov %rax, recover(%rip) ; movl $14, want(%rip)
	movl $1, 0x5001000
1:	lea 1f(%rip), %rax ; mov %rax, recover(%rip) ; movl $13, want(%rip)
	mov (%rbx), %eax
1:	lea 1f(%rip), %rax ; mov %rax, recover(%rip) ; movl $6, want(%rip)
	ud2
1:	lea 0x20(%r15), %eax
	out %al, $0xF4
	cli
	hlt
set_gate:                           /* rdi = idt, esi = vector, rax = handler */
	shl $4, %esi
	add %rsi, %rdi
	mov %ax, (%rdi)
	movw $0x18, 2(%rdi)
	movw $0x8E00, 4(%rdi)
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	lea idt64(%rip), %rdi
	ret
h_pf:	cmpl $14, want(%rip) ; jne 1f ; inc %r15d
1:	add $8, %rsp ; jmp h_common      /* drop the error code */
h_gp:	cmpl $13, want(%rip) ; jne 1f ; inc %r15d
1:	add $8, %rsp ; jmp h_common
h_ud:	cmpl $6, want(%rip) ; jne h_common ; inc %r15d
h_common:
	mov recover(%rip), %rax
	mov %rax, (%rsp)
	iretq
	.code32

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
	.quad 0x00AF9A000000FFFF
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
	.align 8
idtr64:
	.word 256*16 - 1
	.long idt64, 0
recover:
	.quad 0
want:
	.long 0
	.section .bss
	.align 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096
idt64:	.space 256*16
idt:
	.space 256*8
	.space 4096
stack_top:
