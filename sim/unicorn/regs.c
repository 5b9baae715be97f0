/*
 * arch_vps_get_reg / arch_vps_set_reg / arch_vps_gprs.
 *
 * Unicorn 2.0.1 in UC_MODE_64 stores CR0/CR4 without updating its mode flags
 * and writes only the selector of CS/DS/ES/SS (hidden base, limit and
 * attributes cannot be set through its API).  So the "mode" registers (CR0,
 * CR4, EFER, the six segments) are kept in a shadow in struct arch_vps and
 * loaded by the entry-state loader (loader.c) before the next run.  The
 * other registers go straight to the engine.
 *
 * Reading a segment's hidden state: if the engine's selector is still the one
 * the shadow was loaded with, the shadow is exact; if the guest reloaded the
 * segment since, the descriptor is decoded from the guest's GDT (what the
 * processor loaded, unless the guest edited its GDT since).
 */
#include <string.h>

#include "ucsim.h"

#define MSR_EFER 0xC0000080u

uint64_t regs_read(uc_engine *uc, int reg)
{
	uint64_t v = 0;
	uc_reg_read(uc, reg, &v);
	return v;
}

void regs_write(uc_engine *uc, int reg, uint64_t v)
{
	uc_reg_write(uc, reg, &v);
}

uint64_t regs_efer(uc_engine *uc)
{
	uc_x86_msr m = { MSR_EFER, 0 };
	uc_reg_read(uc, UC_X86_REG_MSR, &m);
	return m.value;
}

/* The engine's id of a register that goes straight to it (RAX..R15:
 * gprs_uc below). */
static int gpr_of(enum bf_reg_t r)
{
	switch (r) {
	case bf_reg_t_rsp: return UC_X86_REG_RSP;
	case bf_reg_t_rip: return UC_X86_REG_RIP;
	case bf_reg_t_rflags: return UC_X86_REG_RFLAGS;
	case bf_reg_t_cr2: return UC_X86_REG_CR2;
	case bf_reg_t_cr3: return UC_X86_REG_CR3;
	case bf_reg_t_dr6: return UC_X86_REG_DR6;
	case bf_reg_t_dr7: return UC_X86_REG_DR7;
	default: return -1;
	}
}

/* arch_vps_gprs's array, HV_GPR order, and the engine's registers. */
static const int gprs_uc[HV_GPR_COUNT] = {
	UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBP,
	UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,	UC_X86_REG_R9,	UC_X86_REG_R10,
	UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

/* The `use` entries not loaded since the exit, in one batch read; until the
 * next run arch_vps_get_reg / set_reg use the array for the loaded ones. */
uint64_t *arch_vps_gprs(struct hv_vps *vps, uint32_t use)
{
	return regs_gprs(vps_arch(vps), use);
}

uint64_t *regs_gprs(struct arch_vps *a, uint32_t use)
{
	uint32_t need = use & ~a->gprs_loaded & ((1u << HV_GPR_COUNT) - 1);

	if (need) {
		int ids[HV_GPR_COUNT], n = 0;
		void *vals[HV_GPR_COUNT];
		for (uint32_t m = need; m; m &= m - 1) {
			int i = __builtin_ctz(m);
			ids[n] = gprs_uc[i];
			vals[n++] = &a->gprs[i];
		}
		uc_reg_read_batch(a->uc, ids, vals, n);
		for (uint32_t m = need; m; m &= m - 1)
			a->gprs_read[__builtin_ctz(m)] = a->gprs[__builtin_ctz(m)];
		a->gprs_loaded |= need;
	}
	return a->gprs;
}

void regs_gprs_flush(struct arch_vps *a)
{
	for (uint32_t m = a->gprs_loaded; m; m &= m - 1) {
		int i = __builtin_ctz(m);
		if (a->gprs[i] != a->gprs_read[i])
			uc_reg_write(a->uc, gprs_uc[i], &a->gprs[i]);
	}
	a->gprs_loaded = 0;
}

uint64_t regs_gpr_get(struct arch_vps *a, enum bf_reg_t reg)
{
	unsigned i = HV_GPR(reg);

	return (a->gprs_loaded & (1u << i)) ? a->gprs[i] : regs_read(a->uc, gprs_uc[i]);
}

void regs_gpr_set(struct arch_vps *a, enum bf_reg_t reg, uint64_t val)
{
	unsigned i = HV_GPR(reg);

	if (a->gprs_loaded & (1u << i))
		a->gprs[i] = val;
	else
		regs_write(a->uc, gprs_uc[i], val);
}

static const int seg_uc[SEG_COUNT] = {
	UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_SS, UC_X86_REG_FS, UC_X86_REG_GS,
};

/* bf_reg_t_es .. bf_reg_t_gs_attrib: 4 registers per segment, in the order
 * ES CS SS DS FS GS. */
static bool seg_reg(enum bf_reg_t r, enum seg_idx *s, unsigned *field)
{
	static const enum seg_idx order[] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
	if (r < bf_reg_t_es || r > bf_reg_t_gs_attrib)
		return false;
	unsigned k = (unsigned)(r - bf_reg_t_es);
	*s = order[k / 4];
	*field = k % 4;
	return true;
}

void regs_decode_desc(uint64_t d, struct seg_state *out)
{
	out->base = ((d >> 16) & 0xFFFFFF) | (((d >> 56) & 0xFF) << 24);
	uint32_t limit = (uint32_t)((d & 0xFFFF) | (((d >> 48) & 0xF) << 16));
	uint32_t attrib = (uint32_t)((d >> 40) & 0xF0FF);
	if (attrib & (1u << 15))
		limit = (limit << 12) | 0xFFF;
	out->limit = limit;
	out->attrib = (attrib & 0x80) ? attrib : (attrib | MV_SEG_ATTRIB_UNUSABLE);
}

void regs_seg_now(struct arch_vps *a, enum seg_idx s, struct seg_state *out)
{
	*out = a->seg[s];
	if (a->entry_dirty)
		return;
	if (!(regs_read(a->uc, UC_X86_REG_CR0) & 1) && ctxseg_read(a->uc, s, out) == 0)
		return; /* real mode: the engine's own hidden state */
	uint16_t sel = (uint16_t)regs_read(a->uc, seg_uc[s]);
	if (sel != a->seg[s].sel) {
		memset(out, 0, sizeof(*out));
		out->sel = sel;
		out->attrib = MV_SEG_ATTRIB_UNUSABLE;
		uc_x86_mmr gdtr = { 0 };
		uc_reg_read(a->uc, UC_X86_REG_GDTR, &gdtr);
		uint64_t d = 0;
		if ((sel & ~7u) && !(sel & 4) && (sel | 7u) <= gdtr.limit &&
		    uc_mem_read(a->uc, gdtr.base + (sel & ~7u), &d, 8) == UC_ERR_OK)
			regs_decode_desc(d, out);
		out->sel = sel;
	}
	if (s == SEG_FS)
		out->base = regs_read(a->uc, UC_X86_REG_FS_BASE);
	else if (s == SEG_GS)
		out->base = regs_read(a->uc, UC_X86_REG_GS_BASE);
}

static uint64_t mmr_get(uc_engine *uc, int reg, int field)
{
	uc_x86_mmr m = { 0 };
	uc_reg_read(uc, reg, &m);
	switch (field) {
	case 0: return m.selector;
	case 1: return m.base;
	case 2: return m.limit;
	default: {
		if (m.flags == 0 && m.selector == 0)
			return MV_SEG_ATTRIB_UNUSABLE;
		return (m.flags >> 8) & 0xF0FF;
	}
	}
}

static void mmr_set(uc_engine *uc, int reg, int field, uint64_t v)
{
	uc_x86_mmr m = { 0 };
	uc_reg_read(uc, reg, &m);
	switch (field) {
	case 0: m.selector = (uint16_t)v; break;
	case 1: m.base = v; break;
	case 2: m.limit = (uint32_t)v; break;
	default: m.flags = (v & MV_SEG_ATTRIB_UNUSABLE) ? 0 : (uint32_t)((v & 0xF0FF) << 8); break;
	}
	uc_reg_write(uc, reg, &m);
}

uint64_t arch_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg)
{
	struct arch_vps *a = vps_arch(vps);
	uc_engine *uc = a->uc;
	int r = gpr_of(reg);
	enum seg_idx s;
	unsigned f;

	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15)
		return regs_gpr_get(a, reg);
	if (r >= 0)
		return regs_read(uc, r);
	if (seg_reg(reg, &s, &f)) {
		struct seg_state st;
		regs_seg_now(a, s, &st);
		return f == 0 ? st.sel : f == 1 ? st.base : f == 2 ? st.limit : st.attrib;
	}
	switch (reg) {
	case bf_reg_t_cr0: return a->entry_dirty ? a->cr0 : regs_read(uc, UC_X86_REG_CR0);
	case bf_reg_t_cr4: return a->entry_dirty ? a->cr4 : regs_read(uc, UC_X86_REG_CR4);
	case bf_reg_t_cr8: return a->cr8; /* Unicorn has none: cr.c */
	case bf_reg_t_efer: return a->entry_dirty ? a->efer : regs_efer(uc);
	case bf_reg_t_gdtr_base: return mmr_get(uc, UC_X86_REG_GDTR, 1);
	case bf_reg_t_gdtr_limit: return mmr_get(uc, UC_X86_REG_GDTR, 2);
	case bf_reg_t_idtr_base: return mmr_get(uc, UC_X86_REG_IDTR, 1);
	case bf_reg_t_idtr_limit: return mmr_get(uc, UC_X86_REG_IDTR, 2);
	case bf_reg_t_ldtr: return mmr_get(uc, UC_X86_REG_LDTR, 0);
	case bf_reg_t_ldtr_base: return mmr_get(uc, UC_X86_REG_LDTR, 1);
	case bf_reg_t_ldtr_limit: return mmr_get(uc, UC_X86_REG_LDTR, 2);
	case bf_reg_t_ldtr_attrib: return mmr_get(uc, UC_X86_REG_LDTR, 3);
	case bf_reg_t_tr: return mmr_get(uc, UC_X86_REG_TR, 0);
	case bf_reg_t_tr_base: return mmr_get(uc, UC_X86_REG_TR, 1);
	case bf_reg_t_tr_limit: return mmr_get(uc, UC_X86_REG_TR, 2);
	case bf_reg_t_tr_attrib: return mmr_get(uc, UC_X86_REG_TR, 3);
	default: return 0;
	}
}

/* Take the engine's current mode state into the shadow before the first
 * change of a run-to-run cycle, so that a partial update keeps the rest. */
static void shadow_capture(struct arch_vps *a)
{
	if (a->entry_dirty)
		return;
	a->cr0 = regs_read(a->uc, UC_X86_REG_CR0);
	a->cr4 = regs_read(a->uc, UC_X86_REG_CR4);
	a->efer = regs_efer(a->uc);
	for (int s = 0; s < SEG_COUNT; s++) {
		struct seg_state st;
		regs_seg_now(a, (enum seg_idx)s, &st);
		a->seg[s] = st;
	}
	a->entry_dirty = true;
}

int arch_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val)
{
	struct arch_vps *a = vps_arch(vps);
	uc_engine *uc = a->uc;
	int r = gpr_of(reg);
	enum seg_idx s;
	unsigned f;

	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15) {
		regs_gpr_set(a, reg, val);
		return 0;
	}
	if (r >= 0) {
		if (reg == bf_reg_t_rflags)
			val |= 2; /* bit 1 always reads 1 */
		if (uc_reg_write(uc, r, &val) != UC_ERR_OK)
			return -1;
		if (reg == bf_reg_t_cr3) {
			/* A CR3 write through the API does not flush the TLB
			 * (pitfall 4 of the notes); mapping and unmapping a
			 * scratch page does.  The loader's page is never in a
			 * VM's map. */
			if (uc_mem_map(uc, 0xFFFE0000ull, 0x1000, UC_PROT_READ) == UC_ERR_OK)
				uc_mem_unmap(uc, 0xFFFE0000ull, 0x1000);
		}
		return 0;
	}
	if (seg_reg(reg, &s, &f)) {
		shadow_capture(a);
		struct seg_state *st = &a->seg[s];
		if (f == 0)
			st->sel = (uint16_t)val;
		else if (f == 1)
			st->base = val;
		else if (f == 2)
			st->limit = (uint32_t)val;
		else /* not present is unusable, as the VMX backend stores it */
			st->attrib = ((uint32_t)val & (0xF0FF | MV_SEG_ATTRIB_UNUSABLE)) |
				     ((val & 0x80) ? 0 : MV_SEG_ATTRIB_UNUSABLE);
		return 0;
	}
	switch (reg) {
	case bf_reg_t_cr0: shadow_capture(a); a->cr0 = val; return 0;
	case bf_reg_t_cr4: shadow_capture(a); a->cr4 = val; return 0;
	case bf_reg_t_cr8: a->cr8 = val; return 0;
	case bf_reg_t_efer: shadow_capture(a); a->efer = val; return 0;
	case bf_reg_t_gdtr_base: mmr_set(uc, UC_X86_REG_GDTR, 1, val); return 0;
	case bf_reg_t_gdtr_limit: mmr_set(uc, UC_X86_REG_GDTR, 2, val); return 0;
	case bf_reg_t_idtr_base: mmr_set(uc, UC_X86_REG_IDTR, 1, val); return 0;
	case bf_reg_t_idtr_limit: mmr_set(uc, UC_X86_REG_IDTR, 2, val); return 0;
	case bf_reg_t_ldtr: mmr_set(uc, UC_X86_REG_LDTR, 0, val); return 0;
	case bf_reg_t_ldtr_base: mmr_set(uc, UC_X86_REG_LDTR, 1, val); return 0;
	case bf_reg_t_ldtr_limit: mmr_set(uc, UC_X86_REG_LDTR, 2, val); return 0;
	case bf_reg_t_ldtr_attrib: mmr_set(uc, UC_X86_REG_LDTR, 3, val); return 0;
	case bf_reg_t_tr: mmr_set(uc, UC_X86_REG_TR, 0, val); return 0;
	case bf_reg_t_tr_base: mmr_set(uc, UC_X86_REG_TR, 1, val); return 0;
	case bf_reg_t_tr_limit: mmr_set(uc, UC_X86_REG_TR, 2, val); return 0;
	case bf_reg_t_tr_attrib: mmr_set(uc, UC_X86_REG_TR, 3, val); return 0;
	default: return -1;
	}
}
