/*
 * The guest agent's entry: 64-bit, paging on (mv_vps_op_set_identity_map),
 * RIP = _start and RSP = GUEST_STACK_TOP set by the root with
 * mv_vps_op_set_reg.  No multiboot.  Loads its own GDT (same selectors as
 * the identity-map state: code 0x08, data 0x10) and an IDT whose vectors
 * 32-255 count interrupts (exceptions have no gate: any exception ends in a
 * triple fault, which the root sees as mv_vp_exit_t_fault).
 */
#define MBOX 0x8000
#define MBOX_IRQ_COUNT (8 * (3 + 8 + 2 + 8))
#define MBOX_IRQ_VECTOR (MBOX_IRQ_COUNT + 8)
#define MBOX_IRQ_LOG (MBOX_IRQ_VECTOR + 8)

	.section .guest_tag, "a"
	.ascii "MVGUEST:agent\0"
	.balign 16

	.text
	.code64
	.globl _start
_start:
	cli
	cld
	lgdt gdt_desc(%rip)
	call idt_init
	lidt idt_desc(%rip)
	xorl %ebp, %ebp
	call guest_main
1:	cli
	hlt
	jmp 1b

/* uint64_t guest_vmcall(uint64_t rax, uint64_t *regs6); and vmmcall */
.macro HC name, insn
	.globl \name
\name:
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsi, %rbx
	movq %rdi, %rax
	movq 0(%rbx), %r10
	movq 8(%rbx), %r11
	movq 16(%rbx), %r12
	movq 24(%rbx), %r13
	movq 32(%rbx), %r14
	movq 40(%rbx), %r15
	\insn
	movq %r10, 0(%rbx)
	movq %r11, 8(%rbx)
	movq %r12, 16(%rbx)
	movq %r13, 24(%rbx)
	movq %r14, 32(%rbx)
	movq %r15, 40(%rbx)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	ret
.endm
HC guest_vmcall, vmcall
HC guest_vmmcall, vmmcall

/* void guest_pause(volatile uint64_t *rip_out): the PAUSE's address, then PAUSE. */
	.globl guest_pause, guest_pause_insn
guest_pause:
	leaq guest_pause_insn(%rip), %rax
	movq %rax, (%rdi)
guest_pause_insn:
	pause
	ret

/* void guest_triple(void): an empty IDT, then #UD: no gate -> triple fault. */
	.globl guest_triple
guest_triple:
	lidt idt_empty(%rip)
	ud2
	jmp guest_triple

/* Vectors 32-255: push the vector, count it, iretq. */
	.balign 16
	.globl irq_stubs
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq $vec
	jmp irq_common
	.set vec, vec + 1
	.endr

irq_common:
	pushq %rax
	pushq %rcx
	movq 16(%rsp), %rax
	movq %rax, MBOX + MBOX_IRQ_VECTOR
	movq $1, %rcx
	lock xaddq %rcx, MBOX + MBOX_IRQ_COUNT  /* rcx = this interrupt's number */
	andq $7, %rcx
	movq %rax, MBOX + MBOX_IRQ_LOG(,%rcx,8)
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

	.section .rodata
	.balign 16
gdt:
	.quad 0
	.quad 0x00AF9B000000FFFF        /* 0x08: 64-bit code */
	.quad 0x00CF93000000FFFF        /* 0x10: data */
gdt_end:
	.balign 16
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
	.balign 16
idt_desc:
	.word 256 * 16 - 1
	.quad idt
idt_empty:
	.word 0
	.quad 0

	.section .bss
	.balign 4096
	.globl idt
idt:
	.skip 256 * 16
