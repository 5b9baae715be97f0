/*
 * The guest-VM intercepts of docs/exit-reasons.md, taken in the code hook
 * (vcpu.c) before an instruction of a guest VM (vmid != 0) executes: HLT,
 * PAUSE, RDMSR/WRMSR of IA32_TSC (write) and of every MSR the VPS does not
 * keep, all port I/O (IN/OUT/INS/OUTS: the guest never reaches the platform
 * devices), and the interrupt window (RFLAGS.IF and the STI shadow) of
 * queued external interrupts, STGI and SKINIT (#UD); and the root VM's
 * RDMSR/WRMSR that its MSR policy does not pass and its STGI and SKINIT
 * (intercept_root).  Both hand MOV to/from CRn to
 * cr.c (CR8 kept per VPS, the root's CR4 bits its CPU lacks).  The instruction is decoded by
 * ../x86_decode.c; this file reads the guest state the exit needs.
 */
#include <string.h>

#include <microv/mv_abi.h>

#include <hv/arch/core.h>

#include "ucsim.h"

#define ATTR_L (1u << 13)
#define ATTR_DB (1u << 14)

/* The bytes of the instruction at guest address `addr` (GVA == GPA in
 * Unicorn), straight from system memory through the engine's map. */
static bool code_bytes(struct arch_vps *a, uint64_t addr, uint32_t size, uint8_t *out)
{
	const uint8_t *p = slpt_host(a, addr, size);
	if (p) {
		memcpy(out, p, size);
		return true;
	}
	return uc_mem_read(a->uc, addr, out, size) == UC_ERR_OK;
}

/* Port I/O of a guest VM (the decoded IN/OUT/INS/OUTS at `addr`): an exit,
 * never executed. */
static void guest_io(struct arch_vps *a, uint64_t addr, const struct x86_insn *d)
{
	struct seg_state cs;
	regs_seg_now(a, SEG_CS, &cs);
	bool lm64 = (regs_efer(a->uc) & EFER_LMA) && (cs.attrib & ATTR_L);
	bool big = lm64 || (cs.attrib & ATTR_DB);
	unsigned sz = x86_io_operand_size(d, big);
	uint16_t port = d->io_imm ? d->io_port : (uint16_t)regs_read(a->uc, UC_X86_REG_RDX);
	uint32_t mask = sz == 4 ? 0xFFFFFFFFu : sz == 2 ? 0xFFFFu : 0xFFu;
	uint32_t value = 0;
	if (!d->io_in && !d->io_string) {
		value = (uint32_t)regs_read(a->uc, UC_X86_REG_RAX) & mask;
	} else if (!d->io_in) {
		/* OUTS: the first element, at seg:(R|E)SI. */
		uint64_t si = regs_read(a->uc, UC_X86_REG_RSI);
		unsigned asz = x86_address_bits(d, lm64, big);
		if (asz < 64)
			si &= (1ull << asz) - 1;
		enum seg_idx s = SEG_DS;
		switch (d->seg) {
		case 0x26: s = SEG_ES; break;
		case 0x2E: s = SEG_CS; break;
		case 0x36: s = SEG_SS; break;
		case 0x64: s = SEG_FS; break;
		case 0x65: s = SEG_GS; break;
		default: break;
		}
		if (!lm64 || s == SEG_FS || s == SEG_GS) {
			struct seg_state st;
			regs_seg_now(a, s, &st);
			si += st.base;
		}
		if (uc_mem_read(a->uc, si, &value, sz) != UC_ERR_OK)
			value = 0;
		value &= mask;
	}
	vcpu_set_exit(a, HV_EXIT_IO, addr - a->csb);
	a->exit->insn_len = d->len;
	a->exit->u.io.port = port;
	a->exit->u.io.size = (uint8_t)sz;
	a->exit->u.io.in = d->io_in;
	a->exit->u.io.string = d->io_string;
	a->exit->u.io.rep = d->io_string && d->rep;
	a->exit->u.io.value = value;
}

/* The MSR exit of the RDMSR/WRMSR (`write`) of `index` at `addr`. */
static void msr_exit(struct arch_vps *a, uint64_t addr, uint32_t size, uint32_t index, bool write)
{
	vcpu_set_exit(a, HV_EXIT_MSR, addr - a->csb);
	a->exit->insn_len = size;
	a->exit->u.msr.index = index;
	a->exit->u.msr.write = write;
	if (write)
		a->exit->u.msr.value = (regs_read(a->uc, UC_X86_REG_RDX) << 32) |
				       (uint32_t)regs_read(a->uc, UC_X86_REG_RAX);
}

/*
 * STGI and SKINIT exit as the SVM backend's intercepts of them do (the core
 * raises #UD, E-59): Unicorn would run STGI where its CPU model has SKINIT
 * (CPUID 0x80000001 ECX[12]) and shut the CPU down on SKINIT.
 */
static bool svm_gif_ud(struct arch_vps *a, uint64_t addr)
{
	vcpu_set_exit(a, HV_EXIT_UD, addr - a->csb);
	return true;
}

/*
 * The root VM's MSR policy (hv/core/msr_root.c), as the SVM MSRPM and the
 * VMX MSR bitmap apply it: a RDMSR/WRMSR at `addr` that the policy does not
 * pass exits before it executes (the core emulates it or injects #GP);
 * the others run on the engine.  And its MOV to/from CR4 and CR8 (cr.c).
 * Returns true when it set the exit, an exception or an emulated CR8 access.
 */
bool intercept_root(struct arch_vps *a, uint64_t addr, uint32_t size)
{
	uint8_t b[X86_DECODE_MAX_LEN];
	struct x86_insn d;

	/* RDMSR/WRMSR are 0F 32 / 0F 30, MOV CRn 0F 20/22 /r, with at most a
	 * prefix or two. */
	if (size < 2 || size > 4)
		return false;
	enum x86_insn_class c = icache_class(a, addr, size, b);
	if (c == X86_INSN_STGI_SKINIT)
		return svm_gif_ud(a, addr);
	if (c == X86_INSN_MOV_CR && x86_decode(b, size, &d) == X86_INSN_MOV_CR)
		return cr_intercept(a, addr, &d);
	if (c != X86_INSN_RDMSR && c != X86_INSN_WRMSR)
		return false;
	bool write = c == X86_INSN_WRMSR;
	uint32_t index = (uint32_t)regs_read(a->uc, UC_X86_REG_RCX);
	if (msr_root_passes(msr_root_vendor(), index, write))
		return false;
	msr_exit(a, addr, size, index, write);
	return true;
}

/*
 * The guest-VM intercepts, before the instruction at `addr` executes
 * (decoded by x86_decode.c).  Returns true when it set an exit (or an
 * interrupt delivery): stop there.
 */
bool intercept_guest(struct arch_vps *a, uint64_t addr, uint32_t size)
{
	uint8_t b[X86_DECODE_MAX_LEN];
	struct x86_insn d;

	if (icache_class(a, addr, size, b) == X86_INSN_OTHER)
		return false;
	switch (x86_decode(b, size, &d)) {
	case X86_INSN_HLT:
		/* HLT.  With IF = 1 and an interrupt pending (the STI shadow
		 * let it through to here) it completes at once: the interrupt
		 * is delivered with the return address after the HLT. */
		if (a->irq_waiting && (regs_read(a->uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
			a->irq_now = true;
			a->irq_ret = addr - a->csb + size;
			return true;
		}
		vcpu_set_exit(a, HV_EXIT_HLT, addr - a->csb);
		a->exit->insn_len = size;
		return true;
	case X86_INSN_PAUSE:
		vcpu_set_exit(a, HV_EXIT_PAUSE, addr - a->csb);
		a->exit->insn_len = size;
		return true;
	case X86_INSN_RDMSR:
	case X86_INSN_WRMSR: {
		bool write = d.cls == X86_INSN_WRMSR;
		uint32_t index = (uint32_t)regs_read(a->uc, UC_X86_REG_RCX);
		/* An MSR the VPS keeps runs on its own copy (the engine's, what
		 * arch_vps_get_msr/set_msr read and write), except a write to
		 * IA32_TSC: the guest changed its clock.  Reading IA32_TSC
		 * runs as on hardware (the MSR bitmap intercepts only the
		 * write); its value is the engine's, like RDTSC's.
		 * IA32_SYSENTER_CS keeps 32 bits (msr_fpu.c, E-74). */
		if (index == MSR_IA32_SYSENTER_CS)
			return msr_sysenter_cs_insn(a, addr, size, write);
		if (msr_supported(index) && !(write && index == MV_MSR_IA32_TSC))
			return false;
		if (!write && index == MV_MSR_IA32_TSC)
			return false;
		msr_exit(a, addr, size, index, write);
		return true;
	}
	case X86_INSN_IO:
		guest_io(a, addr, &d);
		return true;
	case X86_INSN_MOV_CR:
		return cr_intercept(a, addr, &d);
	case X86_INSN_STGI_SKINIT:
		return svm_gif_ud(a, addr);
	case X86_INSN_OTHER:
		break;
	}
	return false;
}

/*
 * True when the instruction at `addr` is one that cannot set RFLAGS.IF
 * (wherever it goes on: a near jump, call or return keeps IF): the per-RIP
 * cache holds its bytes (icache_plain: still the ones in memory), and after
 * the legacy and REX prefixes its opcode is none of STI, POPF, IRET, a
 * two-byte one (SYSRET, RSM, ...), a far CALL/JMP (a task switch loads
 * EFLAGS), INT n/INT3/INTO/INT1 or FF (far CALL/JMP through memory).  False
 * says nothing.  Within one uc_emu_start nothing else changes IF: an
 * exception or interrupt stops the engine (hook_intr), and mvsim writes
 * RFLAGS only between runs.
 */
static bool if_kept(const struct arch_vps *a, uint64_t addr, uint32_t size)
{
	if (!icache_plain(a, addr, size))
		return false;
	uint64_t w = icache_slot(a, addr)->word;
	for (uint32_t i = 0; i < size; i++, w >>= 8) {
		uint8_t b = (uint8_t)w;
		switch (b) {
		case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
		case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
			continue;
		case 0xFB: case 0x9D: case 0xCF: case 0x0F: case 0x9A: case 0xEA:
		case 0xCC: case 0xCD: case 0xCE: case 0xF1: case 0xFF:
			return false;
		default:
			if ((b & 0xF0) == 0x40)
				continue; /* REX (or INC/DEC outside 64-bit mode) */
			return true;
		}
	}
	return false; /* prefixes only */
}

/*
 * External interrupts wait for RFLAGS.IF = 1, as for an interrupt window on
 * hardware, including the one-instruction shadow of an STI that set IF.
 * Returns true to stop before `addr` and deliver one (irq_now).  RFLAGS is
 * read through uc_reg_read (dear: Unicorn computes the arithmetic flags
 * for it; once per instruction while an interrupt waits) only when an
 * instruction since it was last read with IF = 0 may have set IF: not
 * while every one was one if_kept() says keeps IF (a wait loop with IF = 0
 * reads it once per run, not once per iteration).
 */
bool intercept_irq_window(struct arch_vps *a, uint64_t addr, uint32_t size)
{
	bool shadow = a->sti_shadow;
	bool if0 = a->if0_valid;
	a->sti_shadow = false;
	a->if0_valid = false;
	if (if0 || !(regs_read(a->uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
		uint8_t b = 0;
		a->sti_shadow = size == 1 && code_bytes(a, addr, 1, &b) && b == 0xFB;
		a->if0_valid = if_kept(a, addr, size);
		return false;
	}
	if (shadow)
		return false; /* this instruction still runs (an HLT: see above) */
	a->irq_now = true;
	a->irq_ret = addr - a->csb;
	return true;
}
