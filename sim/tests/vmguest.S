/*
 * Guest-VM code for sim_test_guest_vm (test_guest_vm.c).  A flat 64-bit
 * image loaded at guest GPA 0x1000; the VPS starts in the state
 * mv_vps_op_set_identity_map gives it (64-bit, paging on, GDTR/IDTR limit 0)
 * with RIP at one of the scenario entries S(k) = 0x1000 + 0x100 * k and
 * RSP = 0x40000.  Guest memory (donated by the root): code 0x1000-0x2FFF,
 * identity tables 0x10000, IDT 0x20000 (built by `setup`), data pages
 * 0x30000 and 0x31000, stack below 0x40000.
 *
 * Checks that need guest addresses are made by the guest itself: it sets
 * bits in R12 that the test compares with the expected mask.
 */
	.code64
	.text
	.globl _start
_start:

/* 0: HLT with IF = 0 -> mv_vp_exit_t_hlt (HLT at S0+1) */
	.org 0x000
	cli
	hlt
	hlt

/* 1: HLT with IF = 1 -> yield (HLT at S1+1); again -> hlt at S1+3 */
	.org 0x100
	sti
	hlt
	cli
	hlt

/* 2: PAUSE -> retry (REG1 = S2); again -> hlt at S2+3 */
	.org 0x200
	pause
	cli
	hlt

/* 3: WRMSR IA32_TSC -> sync_tsc (WRMSR at S3+15); again -> hlt */
	.org 0x300
	mov $0x10, %ecx
	mov $0x89ABCDEF, %eax
	mov $0x01234567, %edx
	wrmsr
	cli
	hlt

/* 4: MSRs the VPS keeps run on its own copy: LSTAR written and read back
 * (RBX), KERNEL_GS_BASE set by the root read (R12) */
	.org 0x400
	mov $0xC0000082, %ecx
	mov $0x00001000, %eax
	mov $0xFFFF8000, %edx
	wrmsr
	xor %eax, %eax
	xor %edx, %edx
	rdmsr
	mov %rdx, %rbx
	shl $32, %rbx
	or %rax, %rbx
	mov $0xC0000102, %ecx
	rdmsr
	mov %rdx, %r12
	shl $32, %r12
	or %rax, %r12
	cli
	hlt

/* 5: WRMSR 0x1B and RDMSR 0x1B (not kept) -> MSR exits, the
 * core injects #GP; the guest's handler skips them.  R12 = 7 if both #GP
 * arrived at the right RIP. */
	.org 0x500
	call setup
	xor %r14, %r14
	xor %r12, %r12
	mov $0x1B, %ecx
	mov $1, %eax
	xor %edx, %edx
msr_gp1:
	wrmsr
	mov %rbx, %r8
	mov $0x1B, %ecx
msr_gp2:
	rdmsr
	mov %rbx, %r9
	lea msr_gp1(%rip), %rax
	cmp %rax, %r8
	jne 1f
	or $1, %r12
1:	lea msr_gp2(%rip), %rax
	cmp %rax, %r9
	jne 1f
	or $2, %r12
1:	cmp $2, %r14
	jne 1f
	or $4, %r12
1:	cli
	hlt

/* 6: port I/O, one instruction per entry (registers set by the root) */
	.org 0x600
	out %al, (%dx)
	.org 0x610
	in $0x60, %eax
	.org 0x620
	out %ax, (%dx)
	.org 0x630
	rep outsb
	.org 0x640
	out %al, $0xF4
	.org 0x650
	insl
	.org 0x660
	mov $0x604, %dx
	mov $0x3400, %ax          /* SLP_EN | SLP_TYP 5 */
	out %ax, (%dx)
	cli
	hlt
	.org 0x670
	out %eax, (%dx)

/* 7: a counting loop for the time slice */
	.org 0x700
1:	inc %rax
	jmp 1b

/* 8: second-level faults */
	.org 0x800
	mov 0x200010, %rax        /* not mapped in the VM */
	cli
	hlt
	.org 0x810
	movq $1, 0x30008          /* page 0x30000 made read-only */
	cli
	hlt
	.org 0x820
	jmp *%rax                 /* RAX = 0x31000, made non-executable */
	.org 0x830
	ud2                       /* IDT limit 0: triple fault */
	.org 0x840
	mov %rbx, 0x30008
	cli
	hlt

/* 9: external interrupts (vector 0x40) and RFLAGS.IF; R12 = 0x7F */
	.org 0x900
	call setup
	xor %r14, %r14
	xor %r12, %r12
	cli
	hlt                       /* run 1: hlt; the root queues an IRQ */
	mov %r14, %rbx            /* IF = 0: not delivered yet */
	sti
	nop                       /* the STI shadow */
irq_ret1:
	mov %r14, %rcx
	lea irq_ret1(%rip), %rax
	cmp %rax, %r13
	jne 1f
	or $1, %r12
1:	cmp $0, %rbx
	jne 1f
	or $2, %r12
1:	cmp $1, %rcx
	jne 1f
	or $4, %r12
1:	hlt                       /* IF = 1: yield; the root queues an IRQ */
irq_ret2:
	lea irq_ret2(%rip), %rax  /* delivered at entry, returning here */
	cmp %rax, %r13
	jne 1f
	or $8, %r12
1:	cmp $2, %r14
	jne 1f
	or $16, %r12
1:	cli
	hlt                       /* hlt; the root queues an IRQ */
	sti
	hlt                       /* in the STI shadow: woken by the IRQ */
irq_ret3:
	lea irq_ret3(%rip), %rax
	cmp %rax, %r13
	jne 1f
	or $32, %r12
1:	cmp $3, %r14
	jne 1f
	or $64, %r12
1:	cli
	hlt

/* The guest's own GDT and IDT. */
	.org 0xA00
setup:
	lgdt gdtr(%rip)
	lea gp_handler(%rip), %rax
	mov $13, %ecx
	call setgate
	lea irq_handler(%rip), %rax
	mov $0x40, %ecx
	call setgate
	lidt idtr(%rip)
	ret
setgate:                          /* RAX handler, RCX vector */
	shl $4, %rcx
	add $0x20000, %rcx
	mov %ax, (%rcx)
	movw $8, 2(%rcx)
	movw $0x8E00, 4(%rcx)
	shr $16, %rax
	mov %ax, 6(%rcx)
	shr $16, %rax
	mov %eax, 8(%rcx)
	movl $0, 12(%rcx)
	ret
gp_handler:                       /* skip the 2-byte RDMSR/WRMSR */
	pop %r13
	mov (%rsp), %rbx
	addq $2, (%rsp)
	inc %r14
	iretq
irq_handler:
	mov (%rsp), %r13
	inc %r14
	iretq

	.align 16
gdt:
	.quad 0
	.quad 0x00209B0000000000          /* 0x08: 64-bit code */
	.quad 0x00CF93000000FFFF          /* 0x10: data */
gdtr:
	.word 23
	.quad gdt
idtr:
	.word 0xFFF
	.quad 0x20000

/* 12 (after the GDT/IDT code): self-modifying code.  A 2-byte NOP (66 90)
 * runs three times (its intercept decision cached), then the guest turns it
 * into PAUSE (F3 90) and jumps to it: a PAUSE exit at S12+6 (executed as a
 * NOP it would loop until preempted).  At S12+0x40, code the root overwrites
 * between two runs (the NOP at S12+0x41 becomes HLT). */
	.org 0xC00
	cli
	mov $3, %ecx
smc_insn:
	.byte 0x66, 0x90
	dec %ecx
	jnz smc_insn
	movb $0xF3, smc_insn(%rip)
	jmp smc_insn
	.org 0xC40
	cli
	nop
	nop
	hlt
