/*
 * The hidden part (base, limit, attributes) of a segment register, written
 * straight into a Unicorn 2.0.1 engine.
 *
 * In UC_MODE_64, uc_reg_write of CS/DS/ES/SS sets only the selector and of
 * FS/GS loads it as the CPU mode says; no API writes CS's base.  Real mode
 * needs it (the reset state is CS 0xF000 with base 0xFFFF0000; an event
 * delivered in real mode loads CS with base = selector << 4).  Like excfix.c,
 * this file finds the fields in the uc_context_save() blob by experiment at
 * startup, on the scratch engine emu_init opens for both: FS is loaded from a descriptor with a
 * distinctive base, limit and attribute word, and the blob is searched for
 * them (the selector, base, limit and flags must sit together, each where
 * the one before says); writing FS_BASE and then GS_BASE gives the distance
 * between two segment registers.  CS's fields follow from FS's (QEMU's order
 * ES, CS, SS, DS, FS, GS).  If the experiment does not give exactly one
 * answer, ctxseg_available() is false and mvsim refuses what needs it (real
 * mode), as before.
 *
 * The CPU's mode flags (hflags) are not touched: a write keeps the code and
 * stack size the engine had (the loader enters real mode by executing, then
 * writes the hidden state; real-mode delivery keeps 16-bit CS and SS).
 */
#include <stdlib.h>
#include <string.h>

#include "ucsim.h"

/* QEMU's segment order in CPUX86State.segs[] */
static const int qemu_idx[SEG_COUNT] = { 1, 3, 0, 2, 4, 5 }; /* CS DS ES SS FS GS */

static long fs_base_off = -1; /* offset of segs[FS].base in the blob */
static long seg_stride;
static long sel_off, limit_off, flags_off; /* relative to base */
static size_t blob_len;

static long find_u64(const uint8_t *b, size_t n, uint64_t v, int *count)
{
	long at = -1;
	*count = 0;
	for (size_t o = 0; o + 8 <= n; o += 4) {
		uint64_t x;
		memcpy(&x, b + o, 8);
		if (x == v) {
			at = (long)o;
			(*count)++;
		}
	}
	return at;
}

static int blob(uc_engine *uc, uint8_t *out)
{
	return excfix_snapshot(uc, out, blob_len);
}

void ctxseg_calibrate(uc_engine *uc)
{
	/* mov eax, 0x18 ; mov fs, eax ; hlt (64-bit mode) */
	static const uint8_t code[] = { 0xB8, 0x18, 0x00, 0x00, 0x00, 0x8E, 0xE0, 0xF4 };
	/* base 0x5A6B7C8D, limit 0x9ABCD (byte granular), attributes 0x93 */
	const uint64_t desc = 0xABCDull | (0x7C8Dull << 16) | (0x6Bull << 32) | (0x93ull << 40) |
			      (0x9ull << 48) | (0x5Aull << 56);
	uint32_t hi = (uint32_t)(desc >> 32);
	uint8_t *b = NULL;

	blob_len = uc_context_size(uc);
	b = malloc(blob_len);
	if (!b || uc_mem_map(uc, 0x1000, 0x2000, UC_PROT_ALL) ||
	    uc_mem_write(uc, 0x1000, code, sizeof(code)) ||
	    uc_mem_write(uc, 0x2000 + 0x18, &desc, 8))
		goto out;
	uc_x86_mmr gdtr = { 0, 0x2000, 0x1F, 0 };
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
	if (uc_emu_start(uc, 0x1000, 0x1000 + sizeof(code), 0, 0) != UC_ERR_OK || blob(uc, b))
		goto out;
	int n;
	long base = find_u64(b, blob_len, 0x5A6B7C8Dull, &n);
	if (n != 1 || base < 8 || (size_t)base + 16 > blob_len)
		goto out;
	uint32_t sel, limit, flags;
	memcpy(&sel, b + base - 8, 4);
	memcpy(&limit, b + base + 8, 4);
	memcpy(&flags, b + base + 12, 4);
	if (sel != 0x18 || limit != 0x9ABCD || (flags & 0xFF00) != (hi & 0xFF00))
		goto out;
	/* The distance to the next register (GS), through the base MSRs. */
	uint64_t fsb = 0x1122334455667788ull, gsb = 0x0123456789ABCDEFull;
	uc_reg_write(uc, UC_X86_REG_FS_BASE, &fsb);
	uc_reg_write(uc, UC_X86_REG_GS_BASE, &gsb);
	if (blob(uc, b))
		goto out;
	long f = find_u64(b, blob_len, fsb, &n);
	if (n != 1 || f != base)
		goto out;
	long g = find_u64(b, blob_len, gsb, &n);
	if (n != 1 || g <= f || g - f > 64 || base - 4 * (g - f) < 8)
		goto out;
	seg_stride = g - f;
	sel_off = -8;
	limit_off = 8;
	flags_off = 12;
	fs_base_off = base;
out:
	free(b);
}

bool ctxseg_available(void)
{
	return fs_base_off >= 0;
}

static long base_off(enum seg_idx s)
{
	return fs_base_off + (qemu_idx[s] - 4) * seg_stride;
}

int ctxseg_write(uc_engine *uc, enum seg_idx s, const struct seg_state *st)
{
	uc_context *ctx;
	if (fs_base_off < 0 || uc_context_alloc(uc, &ctx) != UC_ERR_OK)
		return -1;
	uc_context_save(uc, ctx);
	uint8_t *p = (uint8_t *)ctx + base_off(s);
	uint32_t sel = st->sel, limit = st->limit;
	uint32_t flags = (st->attrib & MV_SEG_ATTRIB_UNUSABLE) ? 0 : (st->attrib & 0xF0FF) << 8;
	uint64_t base = st->base;
	memcpy(p + sel_off, &sel, 4);
	memcpy(p, &base, 8);
	memcpy(p + limit_off, &limit, 4);
	memcpy(p + flags_off, &flags, 4);
	uc_context_restore(uc, ctx);
	uc_context_free(ctx);
	return 0;
}

int ctxseg_read(uc_engine *uc, enum seg_idx s, struct seg_state *st)
{
	uc_context *ctx;
	if (fs_base_off < 0 || uc_context_alloc(uc, &ctx) != UC_ERR_OK)
		return -1;
	uc_context_save(uc, ctx);
	const uint8_t *p = (const uint8_t *)ctx + base_off(s);
	uint32_t sel, limit, flags;
	memcpy(&sel, p + sel_off, 4);
	memcpy(&st->base, p, 8);
	memcpy(&limit, p + limit_off, 4);
	memcpy(&flags, p + flags_off, 4);
	uc_context_free(ctx);
	st->sel = (uint16_t)sel;
	st->limit = limit;
	st->attrib = flags ? (flags >> 8) & 0xF0FF : MV_SEG_ATTRIB_UNUSABLE;
	return 0;
}
