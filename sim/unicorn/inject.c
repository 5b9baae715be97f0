/*
 * Event delivery through the guest's IDT, done by hand as the processor
 * would: Unicorn 2.0.1 never delivers exceptions itself.
 *
 * Long mode: 16-byte gates, 64-bit frame (SS, RSP, RFLAGS, CS, RIP [, error]),
 * RSP aligned to 16, stack switch to TSS.RSP0 on a privilege change, IST
 * honoured.  Protected mode (paging off or on): 8-byte gates, same-privilege
 * frame (EFLAGS, CS, EIP [, error]).  Interrupt gates clear IF; both clear
 * TF, NT, RF.  Anything the CPU would turn into a nested fault (IDT limit,
 * not-present or bad gate, unwritable stack) is reported as impossible: the
 * caller makes it a triple fault.
 */
#include "ucsim.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)

bool inject_vector_has_error(uint8_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static bool push(uc_engine *uc, uint64_t *sp, uint64_t v, unsigned size)
{
	*sp -= size;
	return uc_mem_write(uc, *sp, &v, size) == UC_ERR_OK;
}

int inject_deliver(struct arch_vps *a, uint8_t vector, bool has_error, uint32_t error,
		   uint64_t rip, bool clear_if_always, const char **why)
{
	uc_engine *uc = a->uc;
	uc_x86_mmr idtr = { 0 };
	bool lm = (regs_efer(uc) & EFER_LMA) != 0;
	unsigned gsize = lm ? 16 : 8;
	uint8_t gate[16];

	(void)clear_if_always;
	uc_reg_read(uc, UC_X86_REG_IDTR, &idtr);
	if ((uint64_t)vector * gsize + gsize - 1 > idtr.limit) {
		*why = "vector beyond the IDT limit";
		return -1;
	}
	if (uc_mem_read(uc, idtr.base + (uint64_t)vector * gsize, gate, gsize) != UC_ERR_OK) {
		*why = "IDT not readable";
		return -1;
	}
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
	bool ok = true;

	if (lm) {
		uint64_t sp = rsp;
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
		uint64_t sp = rsp & 0xFFFFFFFFull;
		ok = push(uc, &sp, rflags, 4) && push(uc, &sp, cs, 4) && push(uc, &sp, rip, 4) &&
		     (!has_error || push(uc, &sp, error, 4));
		if (ok)
			regs_write(uc, UC_X86_REG_RSP, (rsp & ~0xFFFFFFFFull) | sp);
	}
	if (!ok) {
		*why = "stack not writable during event delivery";
		return -1;
	}
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
