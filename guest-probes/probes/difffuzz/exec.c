/*
 * difffuzz probe: decodes one program (df.h, docs/difffuzz.md) defensively
 * and executes it: writes MDLs, data and guest code into the program's own
 * arena, makes each hypercall, records its status and output registers for
 * later arguments, and prints one trace line per call (trace.c).  A malformed
 * program stops at the first bad byte with prog->error set; nothing is read
 * outside the program and nothing is written outside the arena.
 */
#include "df.h"

static bool need(struct df_prog *g, uint32_t n)
{
	if (g->error)
		return false;
	if (n > g->len - g->pos) {
		g->error = "truncated";
		return false;
	}
	return true;
}

static uint64_t rd(struct df_prog *g, uint32_t n)
{
	uint64_t v = 0;

	if (!need(g, n))
		return 0;
	for (uint32_t i = 0; i < n; i++)
		v |= (uint64_t)g->p[g->pos + i] << (8 * i);
	g->pos += n;
	return v;
}

static uint64_t page_gpa(struct df_prog *g, uint64_t region, uint64_t page)
{
	if (region >= DF_NREGIONS || page >= DF_REGION_PAGES) {
		g->error = "arena page out of range";
		return 0;
	}
	return g->arena.base[region] + page * 0x1000;
}

/* Reads one argument; op is the index of the operation it belongs to. */
static void rd_arg(struct df_prog *g, uint32_t op, struct df_arg *a)
{
	a->base = (uint8_t)rd(g, 1);
	a->flags = (uint8_t)rd(g, 1);
	a->xor_ = rd(g, 8);
	a->lit = 0;
	a->a = a->b = 0;
	a->off = 0;
	switch (a->base) {
	case DF_ARG_LIT:
		a->lit = rd(g, 8);
		a->value = a->lit;
		break;
	case DF_ARG_OUT:
		a->a = (uint8_t)rd(g, 1);
		a->b = (uint8_t)rd(g, 1);
		if (!g->error && (a->a >= op || a->b >= 6))
			g->error = "output reference not to an earlier call";
		a->value = g->error ? 0 : g->out[a->a][a->b];
		break;
	case DF_ARG_HANDLE:
		a->value = vmm_handle;
		break;
	case DF_ARG_PAGE:
		a->a = (uint8_t)rd(g, 1);
		a->b = (uint8_t)rd(g, 1);
		a->off = (uint16_t)rd(g, 2);
		a->value = page_gpa(g, a->a, a->b) + a->off;
		break;
	case DF_ARG_NOTOWNED:
		a->off = (uint16_t)rd(g, 2);
		a->value = vmm_not_owned_gpa() + a->off;
		break;
	default:
		if (!g->error)
			g->error = "unknown argument base";
	}
	if (a->flags & ~DF_ARGF_WRITES && !g->error)
		g->error = "unknown argument flag";
	a->value ^= a->xor_;
}

static void wr64(uint64_t gpa, uint64_t v)
{
	*(volatile uint64_t *)vmm_gpa_ptr(gpa) = v;
}

static void op_mdl(struct df_prog *g, uint32_t op)
{
	uint64_t page = rd(g, 1), nent = rd(g, 1), num = rd(g, 8), revz = rd(g, 8);
	uint64_t mdl = page_gpa(g, DF_REG_CTRL, page);
	struct df_arg next, gpa;

	rd_arg(g, op, &next);
	if (!g->error && nent > EXP_MDL_MAP_MAX_NUM_ENTRIES)
		g->error = "more MDL entries than a page holds";
	if (g->error)
		return;
	memset(vmm_gpa_ptr(mdl), 0, 0x1000);
	wr64(mdl + EXP_OFF_MV_MDL_T_NUM_ENTRIES, num);
	wr64(mdl + EXP_OFF_MV_MDL_T_NEXT, next.value);
	wr64(mdl + EXP_OFF_MV_MDL_T_REVZ, revz);
	for (uint64_t i = 0; i < nent && !g->error; i++) {
		uint64_t e = mdl + EXP_OFF_MV_MDL_T_ENTRIES + EXP_SIZEOF_MV_MDL_ENTRY_T * i;

		rd_arg(g, op, &gpa);
		if (gpa.base == DF_ARG_PAGE && gpa.a == DF_REG_CTRL && !g->error)
			g->error = "an MDL entry names a control page";
		wr64(e + EXP_OFF_MV_MDL_ENTRY_T_GPA, gpa.value);
		wr64(e + EXP_OFF_MV_MDL_ENTRY_T_SIZE, rd(g, 8));
		wr64(e + EXP_OFF_MV_MDL_ENTRY_T_FLAGS, rd(g, 8));
	}
}

static void op_bytes(struct df_prog *g, uint64_t region)
{
	uint64_t page = rd(g, 1), off = region == DF_REG_CTRL ? rd(g, 2) : 0, len = rd(g, 2);
	uint64_t dst = page_gpa(g, region, page);

	if (!g->error && off + len > 0x1000)
		g->error = "data beyond its page";
	if (!need(g, (uint32_t)len))
		return;
	memcpy(vmm_gpa_ptr(dst + off), g->p + g->pos, len);
	g->pos += (uint32_t)len;
}

static void add_item(struct df_prog *g, const char *name)
{
	uint64_t n = rt_strlen(name), have = rt_strlen(g->items);
	const char *s = g->items;

	while (*s) { /* already listed? */
		if (!rt_strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return;
		while (*s && *s != ',')
			s++;
		if (*s)
			s++;
	}
	if (have + n + 2 > sizeof(g->items))
		return;
	if (have)
		g->items[have++] = ',';
	memcpy(g->items + have, name, n + 1);
}

/* mv_vp_run_vp again while the VP was only interrupted (trace.c's rule R3). */
#define DF_MAX_PREEMPT 1000
static uint64_t call(uint64_t rax, struct hc_regs *r)
{
	struct hc_regs in = *r;
	const char *name = hc_name(rax);
	uint64_t st = hc_call(rax, r);

	for (int i = 0; name && !rt_strcmp(name, "mv_vp_run_vp") && i < DF_MAX_PREEMPT; i++) {
		if (st != EXP_STATUS_SUCCESS || r->r[0] != EXP_EXIT_EXTERNAL_INTERRUPT)
			break;
		*r = in;
		st = hc_call(rax, r);
	}
	return st;
}

/* The hash of a page a call wrote; rule R9 (trace.c): the MXCSR_MASK of an
 * FXSAVE image (bytes 28-31) counts as 0. */
static uint64_t df_hash_page(uint64_t h, const uint8_t *w, const char *name)
{
	static const uint8_t zero[4];

	if (name && (!rt_strcmp(name, "mv_vps_op_get_fpu") || !rt_strcmp(name, "mv_vps_op_get_xsave"))) {
		h = df_hash_bytes(h, w, 28);
		h = df_hash_bytes(h, zero, 4);
		return df_hash_bytes(h, w + 32, 0x1000 - 32);
	}
	return df_hash_bytes(h, w, 0x1000);
}

static void op_call(struct df_prog *g, uint32_t op)
{
	uint64_t rax = rd(g, 8), memhash = 0;
	struct df_arg a[6];
	struct hc_regs r;
	const char *name;

	for (int i = 0; i < 6; i++) {
		rd_arg(g, op, &a[i]);
		r.r[i] = a[i].value;
	}
	if (g->error)
		return;
	g->st[op] = call(rax, &r);
	for (int i = 0; i < 6; i++)
		g->out[op][i] = r.r[i];
	name = hc_name(rax);
	for (int i = 0; i < 6 && g->st[op] == EXP_STATUS_SUCCESS; i++)
		if (a[i].flags & DF_ARGF_WRITES) {
			const uint8_t *w = vmm_gpa_ptr(a[i].value & ~0xFFFull);

			memhash = df_hash_page(memhash ? memhash : DF_HASH_INIT, w, name);
			if (mb_cmdline_has("dump")) /* triage: the written page's bytes that are not 0 */
				for (unsigned k = 0; k < 0x1000; k += 8)
					if (*(const uint64_t *)(w + k))
						serial_puts(rt_fmt("DFD %u %u +%x %llx\n", g->index, op, k,
								   (unsigned long long)*(const uint64_t *)(w + k)));
		}
	if (name)
		add_item(g, name);
	/* The handle a program opens is the one HANDLE arguments name from now on. */
	if (name && !rt_strcmp(name, "mv_handle_op_open_handle") && g->st[op] == EXP_STATUS_SUCCESS)
		vmm_handle = g->out[op][0];
	df_trace_call(g, op, rax, a, g->st[op], g->out[op], memhash);
}

bool df_exec(struct df_prog *g)
{
	if (g->nops > DF_MAX_OPS) {
		g->error = "more operations than the probe keeps";
		return false;
	}
	for (uint32_t op = 0; op < g->nops && !g->error; op++) {
		uint64_t kind = rd(g, 1);

		g->st[op] = ~0ull;
		for (int i = 0; i < 6; i++)
			g->out[op][i] = 0;
		switch (kind) {
		case DF_OP_CALL:
			op_call(g, op);
			break;
		case DF_OP_MDL:
			op_mdl(g, op);
			break;
		case DF_OP_CODE:
			op_bytes(g, DF_REG_CODE);
			break;
		case DF_OP_DATA:
			op_bytes(g, DF_REG_CTRL);
			break;
		default:
			if (!g->error)
				g->error = "unknown operation";
		}
	}
	if (!g->error && g->pos != g->len)
		g->error = "bytes after the last operation";
	return !g->error;
}
