/*
 * MOV to/from a control register where Unicorn 2.0.1 differs from the
 * processor, decided in the code hook before the instruction executes
 * (intercept.c asks; vcpu.c finishes an emulated one):
 *   - the root's MOV to CR4 of a bit its CPU model does not offer (CPUID of
 *     ../cpuid_models.c; VMXE and SMXE never: VMX/SVM are hidden from the
 *     root) or a reserved bit: Unicorn stores it, the processor raises
 *     #GP(0) and leaves CR4 unchanged (the root's CR writes are not
 *     intercepted on SVM: the processor itself refuses);
 *   - CR8 (the TPR), root and guests: Unicorn has no local APIC, so it reads
 *     0 and drops writes.  mvsim keeps each VPS's CR8 (arch_vps.cr8, which
 *     arch_vps_get_reg/set_reg read and write, as SVM's V_TPR and VMX's
 *     virtual TPR keep it) and emulates MOV to/from CR8 on it: CPL > 0 or a
 *     write of bits 63:4 raise #GP(0).  The root's CR8 is its local APIC's
 *     TPR[7:4] (../lapic_dev.c), as on the machine: a write sets TPR to
 *     CR8 << 4 (and may let a held interrupt in: vcpu.c), a read gives
 *     TPR >> 4.
 */
#include "ucsim.h"

#define VECTOR_GP 13

/* RAX..R15 in the instruction encoding's order (ModRM.rm with REX.B). */
static const int gpr_by_number[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8,	UC_X86_REG_R9,	UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

/* CR4 bits and the CPUID.1 / CPUID.(7,0) flag that offers each. */
struct cr4_offer {
	uint8_t bit, leaf, reg, flag; /* reg: 0 EBX, 1 ECX, 2 EDX */
};

static const struct cr4_offer cr4_offers[] = {
	{ 0, 1, 2, 1 },	  { 1, 1, 2, 1 },   { 2, 1, 2, 4 },   { 3, 1, 2, 2 },   { 4, 1, 2, 3 },
	{ 5, 1, 2, 6 },	  { 6, 1, 2, 7 },   { 7, 1, 2, 13 },  { 9, 1, 2, 24 },  { 10, 1, 2, 25 },
	{ 11, 7, 1, 2 },  { 12, 7, 1, 16 }, { 16, 7, 0, 0 },  { 17, 1, 1, 17 }, { 18, 1, 1, 26 },
	{ 20, 7, 0, 7 },  { 21, 7, 0, 20 }, { 22, 7, 1, 3 },  { 23, 7, 1, 7 },  { 23, 7, 2, 20 },
	{ 24, 7, 1, 31 },
};

/* The CR4 bits the root's processor accepts: PCE (bit 8, architectural)
 * and each bit whose CPUID flag the CPU model reports. */
static uint64_t cr4_offered(void)
{
	uint32_t l1[4], l7[4] = { 0 }, max[4];
	uint64_t ok = 1ull << 8;

	arch_cpuid_native(0, 0, max);
	arch_cpuid_native(1, 0, l1);
	if (max[0] >= 7)
		arch_cpuid_native(7, 0, l7);
	for (unsigned i = 0; i < sizeof(cr4_offers) / sizeof(cr4_offers[0]); i++) {
		const struct cr4_offer *o = &cr4_offers[i];
		/* arch_cpuid_native's order: EAX, EBX, ECX, EDX */
		uint32_t v = (o->leaf == 1 ? l1 : l7)[1 + o->reg];
		if ((v >> o->flag) & 1)
			ok |= 1ull << o->bit;
	}
	return ok;
}

/* #GP(0) at the instruction at `addr`, delivered by the run loop. */
static bool raise_gp(struct arch_vps *a, uint64_t addr)
{
	a->exc_pending = true;
	a->exc_vector = VECTOR_GP;
	a->exc_rip = addr - a->csb;
	a->exc_soft = false;
	return true;
}

bool cr_intercept(struct arch_vps *a, uint64_t addr, const struct x86_insn *d)
{
	int gpr = gpr_by_number[d->cr_gpr & 15];

	if (d->cr == 8) {
		/* Only 64-bit mode encodes CR8 (REX.R). */
		if (regs_read(a->uc, UC_X86_REG_CS) & 3)
			return raise_gp(a, addr);
		if (d->cr_write) {
			uint64_t v = regs_read(a->uc, gpr);
			if (v >> 4)
				return raise_gp(a, addr);
			a->cr8 = v;
			if (!a->guest)
				rootirq_lapic_write(arch_pp_id(), 0x80, (uint32_t)v << 4);
		} else {
			if (!a->guest)
				a->cr8 = rootirq_lapic_read(arch_pp_id(), 0x80) >> 4;
			regs_write(a->uc, gpr, a->cr8);
		}
		a->cr_next = addr - a->csb + d->len;
		a->cr_done = true;
		return true;
	}
	if (d->cr == 0 && d->cr_write && !a->guest) {
		/* CR0.PE may change (an AP's real-mode start-up code): the run
		 * stops after this instruction and goes on with CS's base read
		 * again (vcpu.c `cs_reload`), so later exits have the right RIP. */
		a->cs_reload = true;
		a->cs_reload_limit = a->slice_limit;
		a->slice_limit = a->icount + 1;
		return false;
	}
	if (d->cr != 4 || !d->cr_write || a->guest)
		return false; /* Unicorn executes it as the processor does */
	struct seg_state cs;
	regs_seg_now(a, SEG_CS, &cs);
	uint64_t v = regs_read(a->uc, gpr);
	if (!((regs_efer(a->uc) & EFER_LMA) && (cs.attrib & (1u << 13))))
		v = (uint32_t)v; /* the 32-bit operand outside 64-bit mode */
	if (v & ~cr4_offered())
		return raise_gp(a, addr);
	return false;
}
