/*
 * difffuzz probe: the canonical trace line of one call and the trace hash.
 *
 *   DFT <prog> <op> <call> in=<a0>,...,<a5> st=<status> out=<r0>,...,<r5> mem=<hash|->
 *
 * <call> is the catalogue name of RAX (or RAX in hex); an input is printed as
 * the program wrote it (a literal, h the handle, o<op>.<reg> an earlier
 * output, c/d/x<page>+<off> an arena page, n+<off> not-owned memory, ^<xor>
 * its flipped bits), never as the address it resolved to.  The normalisation
 * rules (docs/difffuzz.md "Normalisation", R1-R6) are applied here, nowhere else:
 *   R1 an output equal to the register's input prints "="
 *   R2 an output that is an address in the program's arena prints symbolically
 *   R3 mv_vp_run_vp is repeated while it returns external_interrupt (exec.c)
 *   R4 mv_vps_op_get_tsc_khz's REG0 and get_msr(IA32_TSC)'s REG0 print "tsc"
 *   R5 mv_vps_op_get_cpuid's outputs print "cpuid" (the CPU model's values)
 *   R7 an output equal to the open handle prints "h" (handle values count
 *      every open since boot, E-42)
 *   R6 mv_debug_op_out's SUCCESS and RETRY_CONTINUATION (its rate limit,
 *      E-45, counts time) both print "dbg"
 *   R8 the new ID of mv_vp_op_create_vp / mv_vps_op_create_vps prints as
 *      r+<ID - root VPs>: the root has one VP and VPS per PP, and the
 *      backends differ in PPs (QEMU runs -smp 2)
 *   R9 (exec.c) the hash of the page get_fpu / get_xsave wrote counts the
 *      FXSAVE image's MXCSR_MASK (bytes 28-31) as 0: it is the CPU model's
 *      (0xFFFF on QEMU and mvsim, 0x2FFFF on Bochs' ryzen)
 *   R10 mv_vp_run_vp's fault of kind ENTRY prints its detail as "entry": it
 *      is the backend's own entry error (a VMX exit reason, SVM's
 *      VMEXIT_INVALID, mvsim's 0; E-60)
 * The hash (FNV-1a 64) covers each line from <op> on, so a program's hash
 * does not depend on its position in the batch.
 */
#include "df.h"

uint64_t df_hash_bytes(uint64_t h, const void *p, uint64_t n)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

struct line {
	char buf[640];
	uint64_t n;
};

static void put(struct line *l, const char *fmt, ...) RT_PRINTF(2, 3);
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = rt_vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n += (uint64_t)k < sizeof(l->buf) - l->n ? (uint64_t)k : sizeof(l->buf) - 1 - l->n;
}

static const char region_tag[DF_NREGIONS] = { 'c', 'd', 'x' };

static void put_arg(struct line *l, const struct df_arg *a)
{
	switch (a->base) {
	case DF_ARG_LIT:
		put(l, "%llx", (unsigned long long)a->lit);
		break;
	case DF_ARG_OUT:
		put(l, "o%u.%u", a->a, a->b);
		break;
	case DF_ARG_HANDLE:
		put(l, "h");
		break;
	case DF_ARG_PAGE:
		put(l, "%c%u+%x", region_tag[a->a], a->b, a->off);
		break;
	default:
		put(l, "n+%x", a->off);
	}
	if (a->xor_)
		put(l, "^%llx", (unsigned long long)a->xor_);
	if (a->flags & DF_ARGF_WRITES)
		put(l, "!w");
}

/* R2: an address inside the arena, symbolically. */
static bool put_arena(struct line *l, const struct df_prog *g, uint64_t v)
{
	for (unsigned r = 0; r < DF_NREGIONS; r++)
		if (v >= g->arena.base[r] && v - g->arena.base[r] < DF_REGION_PAGES * 0x1000ull) {
			put(l, "%c@%llx", region_tag[r], (unsigned long long)(v - g->arena.base[r]));
			return true;
		}
	return false;
}

static bool is(const char *name, const char *what)
{
	return name && !rt_strcmp(name, what);
}

void df_trace_call(struct df_prog *g, uint32_t op, uint64_t rax, const struct df_arg *a,
		   uint64_t st, const uint64_t *out, uint64_t memhash)
{
	const char *name = hc_name(rax);
	struct line l = { .n = 0 };
	bool cpuid = is(name, "mv_vps_op_get_cpuid");
	bool newid = is(name, "mv_vp_op_create_vp") || is(name, "mv_vps_op_create_vps");
	bool entry = is(name, "mv_vp_run_vp") && st == EXP_STATUS_SUCCESS &&
		     out[0] == EXP_EXIT_FAULT &&
		     (out[1] >> EXP_VP_FAULT_KIND_SHIFT) == EXP_VP_FAULT_ENTRY;
	bool tsc0 = is(name, "mv_vps_op_get_tsc_khz") ||
		    (is(name, "mv_vps_op_get_msr") && (a[2].value & 0xFFFFFFFFull) == 0x10);

	put(&l, "%u ", op);
	if (name)
		put(&l, "%s", name);
	else
		put(&l, "%llx", (unsigned long long)rax);
	put(&l, " in=");
	for (int i = 0; i < 6; i++) {
		if (i)
			put(&l, ",");
		put_arg(&l, &a[i]);
	}
	if (is(name, "mv_debug_op_out") &&
	    (st == EXP_STATUS_SUCCESS || st == EXP_STATUS_RETRY_CONTINUATION))
		put(&l, " st=dbg out=");
	else
		put(&l, " st=%llx out=", (unsigned long long)st);
	for (int i = 0; i < 6; i++) {
		if (i)
			put(&l, ",");
		if (cpuid)
			put(&l, "cpuid");
		else if (tsc0 && i == 0)
			put(&l, "tsc");
		else if (entry && i == 1)
			put(&l, "entry");
		else if (newid && i == 0 && st == EXP_STATUS_SUCCESS)
			put(&l, "r+%llx", (unsigned long long)(out[0] - df_root_vps));
		else if (out[i] == a[i].value)
			put(&l, "=");
		else if (out[i] == vmm_handle)
			put(&l, "h");
		else if (!put_arena(&l, g, out[i]))
			put(&l, "%llx", (unsigned long long)out[i]);
	}
	if (memhash)
		put(&l, " mem=%llx", (unsigned long long)memhash);
	else
		put(&l, " mem=-");
	g->hash = df_hash_bytes(g->hash, l.buf, l.n);
	serial_puts(rt_fmt("DFT %u ", g->index));
	serial_puts(l.buf);
	serial_puts("\n");
}
