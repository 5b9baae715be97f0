/*
 * The entry-state loader: puts CR0/CR4/EFER and the hidden state of
 * CS/DS/ES/SS/FS/GS into a Unicorn 2.0.1 engine.
 *
 * Measured: in UC_MODE_64, uc_reg_write stores CR0/CR4 without updating the
 * CPU's mode flags, cannot clear EFER.LMA, and sets only the selector of
 * CS/DS/ES/SS.  A fresh engine is in 64-bit mode (LMA, CS.L) with paging off.
 * So the hypervisor's requested state (e.g. the multiboot entry state: 32-bit
 * protected mode, paging off) cannot be written; it has to be *executed*.
 *
 * The loader maps a private 128 KiB region at TRAMP_BASE (top of the 4 GiB
 * space, like a firmware ROM; never part of a VM's map and unmapped again
 * afterwards), builds there a GDT holding the requested descriptors at the
 * requested selectors' indices, identity page tables for itself, and a short
 * program that runs like this:
 *
 *   [64-bit]  ljmp to a flat 32-bit code segment (compatibility mode)
 *   [32-bit]  clear CR0.PG (leaves long mode: clears EFER.LMA),
 *             WRMSR EFER, MOV CR4, (long-mode target: CR3 = loader tables,
 *             CR0 with PG -> LMA), MOV CR0 = requested
 *             ljmp <requested CS>: loads CS's hidden state
 *   [target]  MOV DS/ES/FS/GS/SS from the requested selectors; HLT
 *
 * Then the registers it used (RAX/RCX/RDX, RIP, RFLAGS, CR3, GDTR, FS/GS
 * base) are restored.  Supported targets: real mode, protected mode with
 * paging off, and long mode (64-bit or compatibility) -- every state the core
 * creates (a new VPS is in the reset state: real mode at F000:FFF0 with CS
 * base 0xFFFF0000).  Ring 0 only.  Nothing in guest memory is touched.
 *
 * Real mode (load_real): the program leaves long mode as above, jumps to a
 * 16-bit code segment, clears CR0.PE and loads SS/DS/ES/FS/GS with the
 * requested selectors (so the engine's mode flags are real mode's); then
 * ctxseg.c writes every segment's requested hidden state (CS's base cannot be
 * loaded by executing: a real-mode far jump gives base = selector << 4).
 */
#include <stdlib.h>
#include <string.h>

#include "ucsim.h"

#define TRAMP_BASE 0xFFFE0000ull
#define TRAMP_SIZE 0x20000ull
#define T_PML4 0x0000
#define T_PDPT 0x1000
#define T_PD 0x2000
#define T_CODE 0x3000
#define T_GDT 0x10000

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define ATTR_L (1u << 13)

struct emit {
	uint8_t *p;
	size_t n;
};

static void e8(struct emit *e, uint8_t b) { e->p[e->n++] = b; }
static void e16(struct emit *e, uint16_t v) { memcpy(e->p + e->n, &v, 2); e->n += 2; }
static void e32(struct emit *e, uint32_t v) { memcpy(e->p + e->n, &v, 4); e->n += 4; }
static void mov_eax(struct emit *e, uint32_t v) { e8(e, 0xB8); e32(e, v); }

static uint64_t encode_desc(const struct seg_state *s)
{
	uint32_t limit = s->limit;
	uint32_t attrib = s->attrib & 0xF0FF;
	if (attrib & (1u << 15))
		limit >>= 12;
	uint64_t d = (limit & 0xFFFF) | ((s->base & 0xFFFFFF) << 16) | ((uint64_t)attrib << 40) |
		     ((uint64_t)((limit >> 16) & 0xF) << 48) | (((s->base >> 24) & 0xFF) << 56);
	return d;
}

/* Identity map of the 2 MiB page that holds the loader. */
static void loader_tables(uint8_t *buf)
{
	uint64_t *pml4 = (uint64_t *)(buf + T_PML4), *pdpt = (uint64_t *)(buf + T_PDPT),
		 *pd = (uint64_t *)(buf + T_PD);
	pml4[(TRAMP_BASE >> 39) & 511] = (TRAMP_BASE + T_PDPT) | 3;
	pdpt[(TRAMP_BASE >> 30) & 511] = (TRAMP_BASE + T_PD) | 3;
	pd[(TRAMP_BASE >> 21) & 511] = (TRAMP_BASE & ~0x1FFFFFull) | 0x83;
}

/* [32-bit] leave long mode (clear CR0.PG), WRMSR EFER, MOV CR4. */
static void emit_leave_long(struct emit *e, uint64_t efer, uint64_t cr4)
{
	e8(e, 0x0F); e8(e, 0x20); e8(e, 0xC0);                    /* mov eax, cr0 */
	e8(e, 0x25); e32(e, 0x7FFFFFFF);                          /* and eax, ~PG */
	e8(e, 0x0F); e8(e, 0x22); e8(e, 0xC0);                    /* mov cr0, eax */
	mov_eax(e, (uint32_t)efer);
	e8(e, 0xBA); e32(e, (uint32_t)(efer >> 32));              /* mov edx, imm */
	e8(e, 0xB9); e32(e, 0xC0000080);                          /* mov ecx, EFER */
	e8(e, 0x0F); e8(e, 0x30);                                 /* wrmsr */
	mov_eax(e, (uint32_t)cr4);
	e8(e, 0x0F); e8(e, 0x22); e8(e, 0xE0);                    /* mov cr4, eax */
}

/*
 * Run the program in buf (mapped at TRAMP_BASE while it runs) from `start`
 * (a 64-bit engine: start there in long mode on the loader's tables; a
 * real-mode one: CS is set up by from_real; else 32-bit at t32), then put
 * back the registers it clobbers (RAX/RCX/RDX, RIP, RFLAGS, CR3, GDTR).
 * *end: RIP after the program.  Frees buf.
 */
static uc_err run_program(struct arch_vps *a, uint8_t *buf, uint64_t start, uint64_t t32,
			  bool eng_long, bool eng_real, uint64_t *end, const char **why)
{
	uc_engine *uc = a->uc;
	uint64_t rax = regs_read(uc, UC_X86_REG_RAX), rcx = regs_read(uc, UC_X86_REG_RCX),
		 rdx = regs_read(uc, UC_X86_REG_RDX), rip = regs_read(uc, UC_X86_REG_RIP),
		 rflags = regs_read(uc, UC_X86_REG_RFLAGS), cr3 = regs_read(uc, UC_X86_REG_CR3);
	uc_x86_mmr gdtr_saved = { 0 };
	uc_reg_read(uc, UC_X86_REG_GDTR, &gdtr_saved);

	if (uc_mem_map_ptr(uc, TRAMP_BASE, TRAMP_SIZE, UC_PROT_ALL, buf) != UC_ERR_OK) {
		*why = "the VM maps the loader's region 0xFFFE0000-0xFFFFFFFF";
		free(buf);
		return UC_ERR_MAP;
	}
	uc_x86_mmr g = { 0, TRAMP_BASE + T_GDT, 0xFFFF, 0 };
	uc_reg_write(uc, UC_X86_REG_GDTR, &g);
	regs_write(uc, UC_X86_REG_RFLAGS, 2);
	if (eng_long) {
		regs_write(uc, UC_X86_REG_CR4, CR4_PAE);
		regs_write(uc, UC_X86_REG_CR3, TRAMP_BASE + T_PML4);
		regs_write(uc, UC_X86_REG_CR0, CR0_PE | CR0_PG | 0x10);
	} else if (!eng_real) {
		regs_write(uc, UC_X86_REG_CR0, CR0_PE | 0x10);
		start = t32;
	}
	a->in_loader = true;
	/* count 0: a count > 0 adds a hook whose removal at the next start is a
	 * full tb_flush (measured: ~50 ms each in 2.0.1). */
	uc_err err = uc_emu_start(uc, start, 0xDEAD0000DEAD0000ull, 0, 0);
	a->in_loader = false;
	*end = regs_read(uc, UC_X86_REG_RIP);
	/* Its translated code first (measured: once the region is unmapped,
	 * uc_ctl_remove_cache finds no page and removes nothing, and a later
	 * load started at the same address in the same mode ran the old
	 * program), then the region (which also flushes the TLB). */
	uc_ctl_remove_cache(uc, TRAMP_BASE, TRAMP_BASE + TRAMP_SIZE);
	uc_mem_unmap(uc, TRAMP_BASE, TRAMP_SIZE);
	free(buf);

	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr_saved);
	regs_write(uc, UC_X86_REG_RAX, rax);
	regs_write(uc, UC_X86_REG_RCX, rcx);
	regs_write(uc, UC_X86_REG_RDX, rdx);
	regs_write(uc, UC_X86_REG_RFLAGS, rflags);
	regs_write(uc, UC_X86_REG_CR3, cr3);
	regs_write(uc, UC_X86_REG_RIP, rip);
	return err;
}

static int load_real(struct arch_vps *a, const char **why);

/* A 16-bit code segment at TRAMP_BASE (limit 0xFFFF). */
static uint64_t code16_desc(void)
{
	return 0x00009B000000FFFFull | ((TRAMP_BASE & 0xFFFFFF) << 16) | (((TRAMP_BASE >> 24) & 0xFF) << 56);
}

/*
 * An engine in real mode (a VPS that ran in real mode before): the program
 * starts in a 16-bit CS at TRAMP_BASE (written with ctxseg.c), sets CR0.PE
 * and jumps to the 32-bit part at t32.  Returns the RIP to start at (the
 * offset in that CS), or 0 when the segment state cannot be written.
 */
static uint64_t from_real(uc_engine *uc, struct emit *e, uint64_t t32, uint16_t code32_sel,
			  uint16_t code16_sel)
{
	size_t at = e->n;
	const struct seg_state cs16 = { code16_sel, TRAMP_BASE, 0xFFFF, 0x9B };
	e8(e, 0x66); mov_eax(e, (uint32_t)(CR0_PE | 0x10));       /* mov eax, PE|ET */
	e8(e, 0x0F); e8(e, 0x22); e8(e, 0xC0);                    /* mov cr0, eax */
	e8(e, 0x66); e8(e, 0xEA); e32(e, (uint32_t)t32); e16(e, code32_sel); /* ljmp */
	return ctxseg_write(uc, SEG_CS, &cs16) ? 0 : T_CODE + at;
}

int loader_apply(struct arch_vps *a, const char **why)
{
	uc_engine *uc = a->uc;
	bool target_long = (a->efer & EFER_LME) && (a->cr0 & CR0_PG);
	uint64_t *gdt;
	uint8_t *buf;

	/* SDM 26.3.1.2, and the SVM backend's own check (E-60): a usable
	 * segment whose limit and granularity disagree is refused. */
	for (int s = 0; s < SEG_COUNT; s++) {
		const struct seg_state *g = &a->seg[s];
		if (g->attrib & MV_SEG_ATTRIB_UNUSABLE)
			continue;
		if ((g->attrib & (1u << 15)) ? (g->limit & 0xFFFu) != 0xFFFu : g->limit > 0xFFFFFu) {
			*why = "a segment's limit and granularity (G) disagree";
			return -1;
		}
	}
	if (!(a->cr0 & CR0_PE))
		return load_real(a, why);
	if (!target_long && (a->cr0 & CR0_PG)) {
		*why = "32-bit paging entry state is not supported by the simulator";
		return -1;
	}
	if (target_long && !(a->cr4 & CR4_PAE)) {
		*why = "long mode requested without CR4.PAE";
		return -1;
	}
	/* SDM 27.3.1.2 / APM 15.5.1: no VM entry accepts a 64-bit CS with D set. */
	if (target_long && (a->seg[SEG_CS].attrib & (1u << 13)) && (a->seg[SEG_CS].attrib & (1u << 14))) {
		*why = "CS.L and CS.D both set in long mode";
		return -1;
	}
	if (a->seg[SEG_CS].attrib & MV_SEG_ATTRIB_UNUSABLE || !(a->seg[SEG_CS].sel & ~7u)) {
		*why = "unusable CS in the entry state";
		return -1;
	}
	if (posix_memalign((void **)&buf, 4096, TRAMP_SIZE)) {
		*why = "out of memory";
		return -1;
	}
	memset(buf, 0, TRAMP_SIZE);
	gdt = (uint64_t *)(buf + T_GDT);

	loader_tables(buf);

	/* Requested descriptors at their selectors' indices. */
	uint16_t load_sel[SEG_COUNT];
	bool used[8192] = { false };
	for (int s = 0; s < SEG_COUNT; s++) {
		const struct seg_state *st = &a->seg[s];
		unsigned idx = st->sel >> 3;
		load_sel[s] = 0;
		if (st->attrib & MV_SEG_ATTRIB_UNUSABLE || idx == 0)
			continue;
		if (st->sel & 4) {
			*why = "LDT selector in the entry state";
			free(buf);
			return -1;
		}
		uint64_t d = encode_desc(st);
		if (used[idx] && gdt[idx] != d && s != SEG_CS) {
			continue; /* two segments, one selector, different state: keep the first */
		}
		gdt[idx] = d;
		used[idx] = true;
		load_sel[s] = st->sel;
	}
	/* SS must be usable outside 64-bit mode: a flat data segment. */
	unsigned free_idx = 1;
	while (used[free_idx])
		free_idx++;
	unsigned code32 = free_idx++;
	while (used[free_idx])
		free_idx++;
	gdt[code32] = 0x00CF9B000000FFFFull;
	while (used[free_idx] || free_idx == code32)
		free_idx++;
	unsigned code16 = free_idx++;
	gdt[code16] = code16_desc();
	while (used[free_idx])
		free_idx++;
	if (!load_sel[SEG_SS] && !(target_long && (a->seg[SEG_CS].attrib & ATTR_L))) {
		gdt[free_idx] = 0x00CF93000000FFFFull;
		load_sel[SEG_SS] = (uint16_t)(free_idx << 3);
	}

	/* The program. */
	struct emit e = { buf + T_CODE, 0 };
	bool eng_long = (regs_efer(uc) & EFER_LMA) != 0;
	uint64_t start = TRAMP_BASE + T_CODE;
	size_t farptr_at = 0;
	if (eng_long) {
		e8(&e, 0xFF); e8(&e, 0x2D); farptr_at = e.n; e32(&e, 0); /* ljmp *rel(%rip) */
	}
	uint64_t t32 = TRAMP_BASE + T_CODE + e.n;
	emit_leave_long(&e, a->efer & ~EFER_LMA, a->cr4);
	if (target_long) {
		mov_eax(&e, (uint32_t)(TRAMP_BASE + T_PML4));
		e8(&e, 0x0F); e8(&e, 0x22); e8(&e, 0xD8);         /* mov cr3, eax */
	}
	mov_eax(&e, (uint32_t)a->cr0);
	e8(&e, 0x0F); e8(&e, 0x22); e8(&e, 0xC0);                 /* mov cr0, eax */
	size_t ljmp_at = e.n;
	e8(&e, 0xEA); e32(&e, 0); e16(&e, a->seg[SEG_CS].sel);   /* ljmp cs:seg_code */
	uint64_t seg_code = TRAMP_BASE + T_CODE + e.n;
	static const uint8_t sreg_modrm[SEG_COUNT] = { 0, 0xD8, 0xC0, 0xD0, 0xE0, 0xE8 };
	static const int order[] = { SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	for (size_t i = 0; i < 5; i++) {
		int s = order[i];
		mov_eax(&e, load_sel[s]);
		e8(&e, 0x8E); e8(&e, sreg_modrm[s]);              /* mov sreg, eax */
	}
	uint64_t hlt_at = TRAMP_BASE + T_CODE + e.n;
	e8(&e, 0xF4);
	size_t farptr = e.n;
	e32(&e, (uint32_t)t32); e16(&e, (uint16_t)(code32 << 3));
	if (eng_long) {
		int32_t rel = (int32_t)(farptr - (farptr_at + 4));
		memcpy(buf + T_CODE + farptr_at, &rel, 4);
	}
	/* CS base applies outside 64-bit mode. */
	uint32_t cs_off = (uint32_t)seg_code;
	if (!(target_long && (a->seg[SEG_CS].attrib & ATTR_L)))
		cs_off = (uint32_t)(seg_code - a->seg[SEG_CS].base);
	memcpy(buf + T_CODE + ljmp_at + 1, &cs_off, 4);
	bool eng_real = !(regs_read(uc, UC_X86_REG_CR0) & CR0_PE);
	if (eng_real && !(start = from_real(uc, &e, t32, (uint16_t)(code32 << 3), (uint16_t)(code16 << 3)))) {
		*why = "leaving real mode: Unicorn's segment state was not located (ctxseg.c)";
		free(buf);
		return -1;
	}

	uint64_t fsb = a->seg[SEG_FS].base, gsb = a->seg[SEG_GS].base;
	int rc = -1;
	uint64_t end = 0;
	uc_err err = run_program(a, buf, start, t32, eng_long, eng_real, &end, why);
	if (err == UC_ERR_MAP)
		return -1;
	uint64_t expect = hlt_at + 1;
	uint64_t mask = ~0ull;
	if (cs_off != (uint32_t)seg_code || !(target_long && (a->seg[SEG_CS].attrib & ATTR_L))) {
		expect -= cs_off == (uint32_t)seg_code ? 0 : a->seg[SEG_CS].base;
		mask = 0xFFFFFFFFull;
	}
	if (err == UC_ERR_OK && (end & mask) == (expect & mask))
		rc = 0;
	else
		*why = "the CPU refused the requested entry state (loader faulted)";
	if (rc == 0) {
		/* Selector-only writes: the requested selectors of segments whose
		 * descriptor could not be placed (null loaded instead). */
		static const int seg_uc[SEG_COUNT] = { UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_ES,
						       UC_X86_REG_SS, 0, 0 };
		for (int s = SEG_DS; s <= SEG_SS; s++)
			if (load_sel[s] != a->seg[s].sel)
				regs_write(uc, seg_uc[s], a->seg[s].sel);
		if (target_long) {
			regs_write(uc, UC_X86_REG_FS_BASE, fsb);
			regs_write(uc, UC_X86_REG_GS_BASE, gsb);
		}
		a->entry_dirty = false;
	}
	return rc;
}

/* The real-mode entry state (see the top of the file). */
static int load_real(struct arch_vps *a, const char **why)
{
	uc_engine *uc = a->uc;
	uint8_t *buf;

	if (!ctxseg_available()) {
		*why = "real-mode entry state: Unicorn's segment state was not located (ctxseg.c)";
		return -1;
	}
	if (a->cr0 & CR0_PG) {
		*why = "CR0.PG without CR0.PE in the entry state";
		return -1;
	}
	if (posix_memalign((void **)&buf, 4096, TRAMP_SIZE)) {
		*why = "out of memory";
		return -1;
	}
	memset(buf, 0, TRAMP_SIZE);
	uint64_t *gdt = (uint64_t *)(buf + T_GDT);
	gdt[1] = 0x00CF9B000000FFFFull;                                /* 0x08: flat 32-bit code */
	gdt[2] = code16_desc();                                        /* 0x10: 16-bit code */
	loader_tables(buf);

	struct emit e = { buf + T_CODE, 0 };
	bool eng_long = (regs_efer(uc) & EFER_LMA) != 0;
	bool eng_real = !(regs_read(uc, UC_X86_REG_CR0) & CR0_PE);
	size_t farptr_at = 0;
	uint64_t start = TRAMP_BASE + T_CODE;
	if (eng_long) {
		e8(&e, 0xFF); e8(&e, 0x2D); farptr_at = e.n; e32(&e, 0); /* ljmp *rel(%rip) */
	}
	uint64_t t32 = TRAMP_BASE + T_CODE + e.n;
	emit_leave_long(&e, a->efer & ~EFER_LMA, a->cr4);
	size_t ljmp16_at = e.n;
	e8(&e, 0xEA); e32(&e, 0); e16(&e, 0x10);                 /* ljmp 0x10:t16 */
	uint64_t t16 = TRAMP_BASE + T_CODE + e.n;
	e8(&e, 0x66); mov_eax(&e, (uint32_t)a->cr0);              /* mov eax, cr0 wanted (PE 0) */
	e8(&e, 0x0F); e8(&e, 0x22); e8(&e, 0xC0);                 /* mov cr0, eax: real mode */
	static const uint8_t sreg_modrm[SEG_COUNT] = { 0, 0xD8, 0xC0, 0xD0, 0xE0, 0xE8 };
	static const int order[] = { SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	for (size_t i = 0; i < 5; i++) {
		e8(&e, 0xB8); e16(&e, a->seg[order[i]].sel);      /* mov ax, sel */
		e8(&e, 0x8E); e8(&e, sreg_modrm[order[i]]);       /* mov sreg, ax */
	}
	uint64_t hlt_at = TRAMP_BASE + T_CODE + e.n;
	e8(&e, 0xF4);
	size_t farptr = e.n;
	e32(&e, (uint32_t)t32); e16(&e, 0x08);
	if (eng_long) {
		int32_t rel = (int32_t)(farptr - (farptr_at + 4));
		memcpy(buf + T_CODE + farptr_at, &rel, 4);
	}
	uint32_t off16 = (uint32_t)(t16 - TRAMP_BASE);
	memcpy(buf + T_CODE + ljmp16_at + 1, &off16, 4);
	if (eng_real && !(start = from_real(uc, &e, t32, 0x08, 0x10))) {
		*why = "leaving real mode: Unicorn's segment state was not located (ctxseg.c)";
		free(buf);
		return -1;
	}

	uint64_t end = 0;
	uc_err err = run_program(a, buf, start, t32, eng_long, eng_real, &end, why);
	if (err == UC_ERR_MAP)
		return -1;
	int rc = -1;
	if (err == UC_ERR_OK && (end & 0xFFFF) == ((hlt_at + 1 - TRAMP_BASE) & 0xFFFF) &&
	    !(regs_read(uc, UC_X86_REG_CR0) & CR0_PE))
		rc = 0;
	else
		*why = "the CPU refused the requested entry state (loader faulted)";
	if (rc == 0) {
		for (int s = 0; s < SEG_COUNT; s++)
			ctxseg_write(uc, (enum seg_idx)s, &a->seg[s]);
		a->entry_dirty = false;
	}
	return rc;
}
