/*
 * Event delivery through the guest's IDT, done by hand as the processor
 * would: Unicorn 2.0.1 never delivers exceptions itself.
 *
 * Long mode: 16-byte gates, 64-bit frame (SS, RSP, RFLAGS, CS, RIP [, error]),
 * RSP aligned to 16, stack switch to TSS.RSP0 on a privilege change, IST
 * honoured.  Protected mode (paging off or on): 8-byte gates, same-privilege
 * frame (EFLAGS, CS, EIP [, error]).  Interrupt gates clear IF; both clear
 * TF, NT, RF.  The code segment the gate names is checked as the processor
 * does (E-73, `gate_cs_fault`): outside its table, not a code segment, DPL
 * above CPL: #GP(selector); not present: #NP(selector); in long mode not a
 * 64-bit one (L = 0 or D = 1): #GP(selector); the error code's EXT bit set
 * unless a software interrupt is delivered.  Those return INJECT_FAULT with
 * the nested exception in a->deliver_fault_*: the caller delivers it (or a
 * double fault).  Any other nested fault the CPU would raise (IDT limit,
 * not-present or bad gate, unwritable stack) is reported as impossible: the
 * caller makes it a triple fault.  An IDT entry or stack slot at a GPA with
 * no second-level entry is, as on hardware, a second-level fault at that GPA
 * (a->deliver_gpa; the caller makes it an SLPT exit).
 *
 * Real mode: the 4-byte IVT entry, FLAGS/CS/IP pushed first (the SDM's
 * order; Bochs' too), then CS = the entry's segment with base segment << 4
 * (ctxseg.c), IF/TF/AC cleared.
 */
#include "ucsim.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)
#define VECTOR_NP 11
#define VECTOR_GP 13

bool inject_vector_has_error(uint8_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static bool push(uc_engine *uc, uint64_t *sp, uint64_t v, unsigned size)
{
	*sp -= size;
	return uc_mem_write(uc, *sp, &v, size) == UC_ERR_OK;
}

/* An access during delivery failed at linear `lin`: a second-level fault
 * when the guest's own walk maps it (or there is no paging), else why. */
static int failed_at(struct arch_vps *a, uint64_t lin, uint8_t access, const char **why,
		     const char *what)
{
	uint64_t gpa = lin;
	enum walk_result w = walk_guest(a->uc, lin, &gpa);
	if (w != WALK_NOT_PRESENT) {
		a->deliver_gpa = gpa;
		a->deliver_access = w == WALK_TABLE ? HV_ACCESS_READ : access;
	}
	*why = what;
	return -1;
}

static int deliver_real(struct arch_vps *a, uint8_t vector, uint64_t rip, const char **why)
{
	uc_engine *uc = a->uc;
	uc_x86_mmr idtr = { 0 };
	struct seg_state ss, cs;
	uint16_t ent[2];

	uc_reg_read(uc, UC_X86_REG_IDTR, &idtr);
	if ((uint64_t)vector * 4 + 3 > idtr.limit) {
		*why = "vector beyond the IVT limit";
		return -1;
	}
	if (ctxseg_read(uc, SEG_SS, &ss) || ctxseg_read(uc, SEG_CS, &cs)) {
		*why = "segment state not readable (ctxseg.c)";
		return -1;
	}
	uint64_t rsp = regs_read(uc, UC_X86_REG_RSP), rflags = regs_read(uc, UC_X86_REG_RFLAGS);
	uint16_t sp = (uint16_t)rsp;
	uint16_t frame[3] = { (uint16_t)rip, cs.sel, (uint16_t)rflags };
	for (int i = 2; i >= 0; i--) {
		sp = (uint16_t)(sp - 2);
		if (uc_mem_write(uc, (ss.base + sp) & 0xFFFFFFFFull, &frame[i], 2) != UC_ERR_OK)
			return failed_at(a, (ss.base + sp) & 0xFFFFFFFFull, HV_ACCESS_WRITE, why,
					 "stack not writable during event delivery");
	}
	uint64_t at = idtr.base + (uint64_t)vector * 4;
	if (uc_mem_read(uc, at, ent, 4) != UC_ERR_OK)
		return failed_at(a, at, HV_ACCESS_READ, why, "IVT not readable");
	regs_write(uc, UC_X86_REG_RSP, (rsp & ~0xFFFFull) | sp);
	regs_write(uc, UC_X86_REG_RFLAGS, rflags & ~(RFLAGS_IF | RFLAGS_TF | (1ull << 18)));
	cs.sel = ent[1];
	cs.base = (uint64_t)ent[1] << 4;
	ctxseg_write(uc, SEG_CS, &cs);
	regs_write(uc, UC_X86_REG_RIP, ent[0]);
	return 0;
}

/*
 * The checks on the code segment `sel` of a gate (SDM Vol. 2, INT n,
 * PROTECTED-MODE-TRAP-OR-INTERRUPT-GATE; Vol. 3 6.14.1), at CPL `cpl`.
 * Returns 0 when the gate may be used, else INJECT_FAULT with the fault.
 */
static int gate_cs_fault(struct arch_vps *a, uint16_t sel, unsigned cpl, bool lm, bool ext)
{
	uc_x86_mmr table = { 0 };
	uint64_t d = 0;
	uint8_t vec = VECTOR_GP;

	uc_reg_read(a->uc, (sel & 4) ? UC_X86_REG_LDTR : UC_X86_REG_GDTR, &table);
	bool in_table = (uint64_t)(sel & ~7u) + 7 <= table.limit &&
			uc_mem_read(a->uc, table.base + (sel & ~7u), &d, 8) == UC_ERR_OK;
	bool code = (d >> 43 & 3) == 3; /* S = 1 and type bit 3: a code segment */
	unsigned dpl = (unsigned)(d >> 45) & 3;
	if (in_table && code && dpl <= cpl) {
		if (!(d >> 47 & 1))
			vec = VECTOR_NP;
		else if (!lm || ((d >> 53 & 1) && !(d >> 54 & 1)))
			return 0;
	}
	a->deliver_fault_vec = vec;
	a->deliver_fault_err = (sel & 0xFFFCu) | (ext ? 1u : 0u);
	return INJECT_FAULT;
}

int inject_deliver(struct arch_vps *a, uint8_t vector, bool has_error, uint32_t error,
		   uint64_t rip, bool ext, const char **why)
{
	uc_engine *uc = a->uc;
	uc_x86_mmr idtr = { 0 };
	bool lm = (regs_efer(uc) & EFER_LMA) != 0;
	unsigned gsize = lm ? 16 : 8;
	uint8_t gate[16];

	a->deliver_gpa = ~0ull;
	if (!(regs_read(uc, UC_X86_REG_CR0) & 1))
		return deliver_real(a, vector, rip, why);
	uc_reg_read(uc, UC_X86_REG_IDTR, &idtr);
	if ((uint64_t)vector * gsize + gsize - 1 > idtr.limit) {
		*why = "vector beyond the IDT limit";
		return -1;
	}
	if (uc_mem_read(uc, idtr.base + (uint64_t)vector * gsize, gate, gsize) != UC_ERR_OK)
		return failed_at(a, idtr.base + (uint64_t)vector * gsize, HV_ACCESS_READ, why,
				 "IDT not readable");
	uint8_t type = gate[5] & 0x1F, present = gate[5] & 0x80;
	uint16_t sel = (uint16_t)(gate[2] | (gate[3] << 8));
	uint64_t target = (uint64_t)gate[0] | ((uint64_t)gate[1] << 8) | ((uint64_t)gate[6] << 16) |
			  ((uint64_t)gate[7] << 24);
	if (lm)
		target |= ((uint64_t)gate[8] | ((uint64_t)gate[9] << 8) | ((uint64_t)gate[10] << 16) |
			   ((uint64_t)gate[11] << 24)) << 32;
	if (!present) {
		*why = "IDT gate not present";
		return -1;
	}
	bool trap = (type & 0xF) == 0xF;
	if ((type & 0xE) != 0xE || (!lm && !(type & 0x8))) {
		*why = "IDT entry is not an interrupt or trap gate";
		return -1;
	}
	if (!(sel & ~7u)) {
		*why = "IDT gate with a null code selector";
		return -1;
	}

	uint64_t rsp = regs_read(uc, UC_X86_REG_RSP);
	uint64_t rflags = regs_read(uc, UC_X86_REG_RFLAGS);
	uint64_t cs = regs_read(uc, UC_X86_REG_CS), ss = regs_read(uc, UC_X86_REG_SS);
	unsigned cpl = cs & 3, new_cpl = sel & 3;
	if (gate_cs_fault(a, sel, cpl, lm, ext))
		return INJECT_FAULT;
	bool ok = true;
	uint64_t sp = rsp;

	if (lm) {
		unsigned ist = gate[4] & 7;
		if (ist || new_cpl < cpl) {
			uc_x86_mmr tr = { 0 };
			uc_reg_read(uc, UC_X86_REG_TR, &tr);
			uint64_t off = ist ? 0x24 + 8ull * (ist - 1) : 4;
			if (off + 8 > (uint64_t)tr.limit + 1 ||
			    uc_mem_read(uc, tr.base + off, &sp, 8) != UC_ERR_OK) {
				*why = "TSS stack pointer not readable";
				return -1;
			}
		}
		sp &= ~0xFull;
		ok = push(uc, &sp, new_cpl < cpl ? 0 : ss, 8) && push(uc, &sp, rsp, 8) &&
		     push(uc, &sp, rflags, 8) && push(uc, &sp, cs, 8) && push(uc, &sp, rip, 8) &&
		     (!has_error || push(uc, &sp, error, 8));
		if (ok) {
			if (new_cpl < cpl)
				regs_write(uc, UC_X86_REG_SS, 0);
			regs_write(uc, UC_X86_REG_RSP, sp);
		}
	} else {
		if (new_cpl != cpl) {
			*why = "privilege change in 32-bit event delivery is not simulated";
			return -1;
		}
		sp = rsp & 0xFFFFFFFFull;
		ok = push(uc, &sp, rflags, 4) && push(uc, &sp, cs, 4) && push(uc, &sp, rip, 4) &&
		     (!has_error || push(uc, &sp, error, 4));
		if (ok)
			regs_write(uc, UC_X86_REG_RSP, (rsp & ~0xFFFFFFFFull) | sp);
	}
	if (!ok) /* sp: the slot that failed */
		return failed_at(a, sp, HV_ACCESS_WRITE, why, "stack not writable during event delivery");
	rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!trap)
		rflags &= ~RFLAGS_IF;
	regs_write(uc, UC_X86_REG_RFLAGS, rflags);
	/* Selector-only write (UC_MODE_64): the hidden state is kept, which is
	 * right for the usual same-mode kernel code segment. */
	if (sel != cs)
		regs_write(uc, UC_X86_REG_CS, sel);
	regs_write(uc, UC_X86_REG_RIP, target);
	return 0;
}
