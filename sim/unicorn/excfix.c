/*
 * Pitfall 3 of Unicorn 2.0.1: QEMU's "exception in flight" state
 * (env->old_exception) is only reset when QEMU itself delivers an exception.
 * mvsim delivers them by hand (inject.c), so after one #PF or #GP the next
 * one is turned into #DF, and the one after into a shutdown.
 *
 * Unicorn offers no API for that field.  The context blob of
 * uc_context_save() is a copy of the CPU state, so mvsim finds the field's
 * offset in it at startup by experiment (no header layout is assumed): the
 * scratch engine emu_init shares with ctxseg.c's calibration takes #GP (load of a selector beyond the GDT limit) and then
 * the same #GP again (which QEMU turns into #DF); the one 32-bit slot that
 * reads -1, then 13, then 8 is old_exception.  After each exception mvsim
 * delivers, it saves the context, writes -1 there and restores it.  If the
 * experiment does not find exactly one slot, nothing is patched and the
 * limitation stays (reported once on stderr with --trace).
 */
#include <stdlib.h>
#include <string.h>

#include "ucsim.h"

static long oe_off = -1;
static size_t ctx_len;

static void stop_hook(uc_engine *uc, uint32_t intno, void *user)
{
	*(uint32_t *)user = intno;
	uc_emu_stop(uc);
}

/* A copy of the engine's context blob (also ctxseg.c's calibration). */
int excfix_snapshot(uc_engine *uc, uint8_t *out, size_t len)
{
	uc_context *ctx;
	if (uc_context_alloc(uc, &ctx) != UC_ERR_OK)
		return -1;
	uc_context_save(uc, ctx);
	memcpy(out, ctx, len);
	uc_context_free(ctx);
	return 0;
}

static int snap(uc_engine *uc, uint8_t *out)
{
	return excfix_snapshot(uc, out, ctx_len);
}

/* Code at EXCFIX_CODE, a page of its own on the scratch engine (ctxseg.c's
 * calibration uses 0x1000-0x2FFF); the GDT's base is never read. */
#define EXCFIX_CODE 0x4000u

void excfix_calibrate(uc_engine *uc)
{
	/* mov ax, 0xFFF8 ; mov ds, ax  -> #GP (selector beyond the GDT limit) */
	static const uint8_t code[] = { 0x66, 0xB8, 0xF8, 0xFF, 0x8E, 0xD8, 0xF4 };
	uc_hook h;
	uint32_t vec[2] = { 0, 0 };
	uint8_t *s[3] = { NULL, NULL, NULL };

	ctx_len = uc_context_size(uc);
	for (int i = 0; i < 3; i++)
		s[i] = malloc(ctx_len);
	if (!s[0] || !s[1] || !s[2] || uc_mem_map(uc, EXCFIX_CODE, 0x1000, UC_PROT_ALL) ||
	    uc_mem_write(uc, EXCFIX_CODE, code, sizeof(code)))
		goto out;
	uc_x86_mmr gdtr = { 0, 0x8000, 0x17, 0 };
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
	snap(uc, s[0]);
	for (int i = 0; i < 2; i++) {
		uint32_t v = 0;
		uc_hook_add(uc, &h, UC_HOOK_INTR, stop_hook, &v, 1, 0);
		uc_emu_start(uc, EXCFIX_CODE, EXCFIX_CODE + 0x1000, 0, 0);
		uc_hook_del(uc, h);
		vec[i] = v;
		snap(uc, s[i + 1]);
	}
	if (vec[0] != 13 || vec[1] != 8)
		goto out;
	long found = -1;
	int count = 0;
	for (size_t o = 0; o + 4 <= ctx_len; o += 4) {
		int32_t a, b, c;
		memcpy(&a, s[0] + o, 4);
		memcpy(&b, s[1] + o, 4);
		memcpy(&c, s[2] + o, 4);
		if (a == -1 && b == 13 && c == 8) {
			found = (long)o;
			count++;
		}
	}
	if (count == 1)
		oe_off = found;
out:
	for (int i = 0; i < 3; i++)
		free(s[i]);
}

bool excfix_available(void)
{
	return oe_off >= 0;
}

void excfix_reset(uc_engine *uc)
{
	uc_context *ctx;
	if (oe_off < 0 || uc_context_alloc(uc, &ctx) != UC_ERR_OK)
		return;
	uc_context_save(uc, ctx);
	int32_t none = -1;
	memcpy((uint8_t *)ctx + oe_off, &none, 4);
	uc_context_restore(uc, ctx);
	uc_context_free(ctx);
}
