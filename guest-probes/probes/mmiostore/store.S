/*
 * The stores of the mmiostore probe, each one encoding at a labelled
 * address, so that the probe knows exactly which bytes the hypervisor
 * decodes (and, for the forms the processor refuses, where the fault is).
 * Each function stores its value to the 32-bit register at `addr` and
 * returns; the byte sequences are spelled out where the assembler would
 * choose another form.
 *
 * void ms_<form>(uint64_t addr, uint32_t value)   rdi = addr, esi = value
 */
	.text
	.code64

#define FORM(name) .globl name; name:

/* 89 /r, ModRM mod 00 (no displacement): 89 37 */
FORM(ms_89_mod0)
	movl %esi, (%rdi)
	ret

/* 89 /r, mod 10 with disp32: 89 B7 disp32 (addr - 0x380 in rdi) */
FORM(ms_89_disp32)
	subq $0x380, %rdi
	.byte 0x89, 0xB7
	.long 0x380
	ret

/* 89 /r, SIB with no base and disp32: 89 34 0D disp32 (index rcx, scale 1).
 * The displacement is 6: its first byte, 06, is #UD in 64-bit mode, so a
 * RIP that landed in it (a decoder that took no disp32) cannot run on. */
FORM(ms_89_sib_nobase)
	movq %rdi, %rcx
	subq $6, %rcx
	.byte 0x89, 0x34, 0x0D
	.long 6
	ret

/* 89 /r, SIB with base RBP, mod 01 and disp8: 89 74 0D 00, [RBP + RCX*1 + 0]
 * (SIB base 101 takes no disp32 when mod is not 00).  UD2 right behind it
 * (ms_89_sib_rbp_end): the probe expects #UD exactly there, so RIP must land
 * behind the store's 4 bytes; one that lands further hits the INT3s. */
	.globl ms_89_sib_rbp_end, ms_89_sib_rbp_resume
FORM(ms_89_sib_rbp)
	pushq %rbp
	movq %rdi, %rbp
	xorl %ecx, %ecx
	.byte 0x89, 0x74, 0x0D, 0x00
ms_89_sib_rbp_end:
	ud2
ms_89_sib_rbp_resume:
	popq %rbp
	ret
	.fill 8, 1, 0xCC

/* REX.W 89 /r: 48 89 37, a 64-bit store (the variant `rexw`: the
 * hypervisor does not emulate it and stops the root) */
FORM(ms_rexw_89)
	.byte 0x48, 0x89, 0x37
	ret

/* A bare RET: where the page-end check resumes after the #PF of the fetch
 * behind its store (the return address is still on the stack). */
FORM(ms_ret)
	ret

/* 89 /r, SIB with base, index*4 and disp8: 89 74 8F 80 (rdi + 4 * 0x20 - 0x80) */
FORM(ms_89_sib_disp8)
	movl $0x20, %ecx
	.byte 0x89, 0x74, 0x8F, 0x80
	ret

/* REX.RB 89 /r: the value from R10D, the address in R11: 45 89 13 */
FORM(ms_89_rex_r10)
	movq %rdi, %r11
	movl %esi, %r10d
	xorl %esi, %esi
	.byte 0x45, 0x89, 0x13
	ret

/* 67 89 /r: 32-bit addressing in 64-bit mode (the address is below 4 GiB) */
FORM(ms_89_addr32)
	.byte 0x67, 0x89, 0x37
	ret

/* C7 /0 with SIB, disp32 and imm32: C7 84 0F disp32 imm32 (11 bytes); the
 * immediate is 0x5EC70000 */
FORM(ms_c7_sib_disp32)
	subq $0x380, %rdi
	xorl %ecx, %ecx
	.byte 0xC7, 0x84, 0x0F
	.long 0x380
	.long 0x5EC70000
	ret

/* A3 moffs64: MOV moffs32, EAX with a 64-bit absolute address (9 bytes) */
FORM(ms_a3_moffs64)
	movl %esi, %eax
	.byte 0xA3
	.quad 0xFEE00380
	ret

/* 67 A3 moffs32: the same with a 32-bit address in 64-bit mode */
FORM(ms_a3_addr32)
	movl %esi, %eax
	.byte 0x67, 0xA3
	.long 0xFEE00380
	ret

/* EIP-relative 89 /r (67 89 35 disp32, 32-bit addressing): the address is
 * EIP + 6 + disp32, truncated to 32 bits (SDM 2.2.1.6).  The image at 1 MiB
 * is more than 2 GiB from the APIC page: the probe writes the displacement
 * (ms_eiprel_disp, 0xFEE00380 - ms_eiprel_next) before the call. */
	.globl ms_eiprel_disp, ms_eiprel_next
FORM(ms_89_eiprel)
	.byte 0x67, 0x89, 0x35
ms_eiprel_disp:
	.long 0
ms_eiprel_next:
	ret

/* 15 bytes, the architectural limit: 13 DS prefixes + 89 37 */
FORM(ms_89_15bytes)
	.fill 13, 1, 0x3E
	.byte 0x89, 0x37
	ret

/* 15 bytes: 6 DS prefixes + A3 moffs64 */
FORM(ms_a3_15bytes)
	movl %esi, %eax
	.fill 6, 1, 0x3E
	.byte 0xA3
	.quad 0xFEE00380
	ret

/* 15 bytes: 4 DS prefixes + C7 /0 SIB disp32 imm32 (imm 0x15C70000) */
FORM(ms_c7_15bytes)
	subq $0x380, %rdi
	xorl %ecx, %ecx
	.fill 4, 1, 0x3E
	.byte 0xC7, 0x84, 0x0F
	.long 0x380
	.long 0x15C70000
	ret

/* 17 bytes (15 DS prefixes + 89 37): #GP in the processor, nothing stored */
	.globl ms_89_17bytes_insn, ms_89_17bytes_resume
FORM(ms_89_17bytes)
ms_89_17bytes_insn:
	.fill 15, 1, 0x3E
	.byte 0x89, 0x37
ms_89_17bytes_resume:
	ret

/* LOCK 89 /r: #UD in the processor, nothing stored */
	.globl ms_lock_89_insn, ms_lock_89_resume
FORM(ms_lock_89)
ms_lock_89_insn:
	.byte 0xF0, 0x89, 0x37
ms_lock_89_resume:
	ret

/* 66 89 /r: a 16-bit store, which the hypervisor does not emulate (the
 * root stops at this first instruction) */
FORM(ms_66_89)
	.byte 0x66, 0x89, 0x37
	ret

/*
 * Compatibility mode (CS.L = 0, CS.D = 1: the runtime's GDT selector 0x18):
 * far return into it, the store, far jump back to 64-bit code (0x08).
 * void ms_compat_89(uint64_t addr, uint32_t value): 89 03 (address in EBX)
 * void ms_compat_a3(uint64_t addr, uint32_t value): A3 moffs32 (0xFEE00380),
 *   with ECX = 0x5A5A before it and saved after it in ms_compat_ecx
 * void ms_compat_disp32(uint64_t addr, uint32_t value): 89 05 disp32 (ModRM
 *   mod 00 rm 101: an absolute disp32 outside 64-bit mode)
 */
#define SEL_CODE32 0x18
#define SEL_CODE64 0x08

/* Far return into compatibility mode at the next instruction (RCX is used). */
.macro ENTER_COMPAT
	pushq $SEL_CODE32
	leaq 91f(%rip), %rcx
	pushq %rcx
	lretq
	.code32
91:
.endm

/* Far jump back to 64-bit code at the next instruction. */
.macro LEAVE_COMPAT
	ljmp $SEL_CODE64, $92f
	.code64
92:
.endm

FORM(ms_compat_89)
	pushq %rbx
	movl %edi, %ebx
	movl %esi, %eax
	ENTER_COMPAT
	.byte 0x89, 0x03
	LEAVE_COMPAT
	popq %rbx
	ret

FORM(ms_compat_a3)
	movl %esi, %eax
	ENTER_COMPAT
	movl $0x5A5A, %ecx
	xorl %edx, %edx                 /* ZF = 1 */
	.byte 0xA3
	.long 0xFEE00380                /* a RIP 2 bytes short would run E0 FE (LOOPNE: ECX - 1) */
	LEAVE_COMPAT
	movl %ecx, ms_compat_ecx(%rip)
	ret

	.data
	.globl ms_compat_ecx
ms_compat_ecx:
	.long 0
	.text

FORM(ms_compat_disp32)
	movl %esi, %eax
	ENTER_COMPAT
	.byte 0x89, 0x05
	.long 0xFEE00380
	LEAVE_COMPAT
	ret
