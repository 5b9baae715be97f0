/*
 * malformed: hypercalls the decoder must reject with
 * MV_STATUS_FAILURE_UNSUPPORTED and no register change (bad signature,
 * non-SCC flag bits, unknown opcodes and indices, with and without an open
 * handle); the SCC flag on debug_out is accepted; the other vendor's
 * hypercall instruction raises #UD at its RIP and executes nothing.
 */
#include "probe.h"

PROBE_TITLE("malformed hypercalls: signature, flags, opcodes, indices, wrong instruction");

#define I_UNSUP "MV_STATUS_FAILURE_UNSUPPORTED"

static unsigned seq;

static void fill(struct hc_regs *r, uint64_t r10)
{
	int i;

	seq++;
	for (i = 0; i < 6; i++)
		r->r[i] = 0xA000000000000000ull | ((uint64_t)(i + 1) << 52) |
			  ((uint64_t)seq << 16) | (0x1111ull * (i + 1));
	if (r10)
		r->r[0] = r10;
}

/* Expect UNSUPPORTED and R10-R15 unchanged.  item: the hypercall whose
 * opcode/index was used, or NULL. */
static void unsupported(const char *id, const char *item, uint64_t rax, uint64_t r10,
			const char *what)
{
	struct hc_regs in, r;
	uint64_t st;
	const char *items = item ? rt_fmt("%s,%s", item, I_UNSUP) : I_UNSUP;
	int i, changed = -1;

	fill(&in, r10);
	r = in;
	st = hc_call(rax, &r);
	for (i = 5; i >= 0; i--)
		if (r.r[i] != in.r[i])
			changed = i;
	check_eq(rt_fmt("%s-status", id), items, EXP_STATUS_FAILURE_UNSUPPORTED, st,
		 "RAX=0x%016llx (%s) is unsupported", (unsigned long long)rax, what);
	check_tok(rt_fmt("%s-regs", id), items, "unchanged",
		  changed < 0 ? "unchanged" : rt_fmt("r%d-0x%llx", 10 + changed,
						     (unsigned long long)r.r[changed]),
		  changed < 0, "R10-R15 keep their values after RAX=0x%016llx (%s)",
		  (unsigned long long)rax, what);
}

static void bad_signatures(void)
{
	static const uint16_t sigs[] = { 0x0000, 0x764C, 0x764E, 0x4D76, 0x8000, 0xFFFF };
	unsigned i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		unsupported(rt_fmt("sig-%04x", sigs[i]), "mv_debug_op_out",
			    EXP_RAX(sigs[i], 0, EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT), 0,
			    rt_fmt("signature 0x%04x on debug_out", sigs[i]));
	unsupported("sig-ffff-handle-open", "mv_handle_op_open_handle",
		    EXP_RAX(0xFFFF, 0, EXP_OP_HANDLE, EXP_IDX_OPEN_HANDLE), EXP_SPEC_ID1,
		    "signature 0xffff on open_handle with a valid version");
}

static void bad_flags(void)
{
	unsigned bit;

	for (bit = 1; bit < 16; bit++)
		unsupported(rt_fmt("flag-bit%u", 32 + bit), "mv_debug_op_out",
			    EXP_RAX(EXP_HC_SIG, 1u << bit, EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT), 0,
			    rt_fmt("flag bit %u (RAX bit %u) on debug_out", bit, 32 + bit));
	unsupported("flag-all", "mv_debug_op_out",
		    EXP_RAX(EXP_HC_SIG, 0xFFFF, EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT), 0,
		    "all flag bits on debug_out");
	unsupported("flag-bit47-scc", "mv_debug_op_out",
		    EXP_RAX(EXP_HC_SIG, 0x8001, EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT), 0,
		    "SCC plus flag bit 47 on debug_out");
}

static void bad_opcodes(void)
{
	static const uint16_t ops[] = { 5, 6, 7, 9, 0x10, 0x100, 0xFFFF };
	unsigned i;

	/* (an opcode the description has taken meanwhile is not unknown) */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!hc_opcode_known(ops[i]))
			unsupported(rt_fmt("op-%x", ops[i]), 0, EXP_HC(ops[i], 0), 0,
				    rt_fmt("unknown opcode 0x%x", ops[i]));
}

static void bad_indices(const char *phase, uint64_t r10)
{
	static const struct {
		uint16_t op, idx;
	} cases[] = {
		{ EXP_OP_DEBUG, EXP_NUM_IDX_DEBUG },   { EXP_OP_DEBUG, 0xFFFF },
		{ EXP_OP_HANDLE, EXP_NUM_IDX_HANDLE }, { EXP_OP_HANDLE, 0xFFFF },
		{ EXP_OP_VM, EXP_NUM_IDX_VM },         { EXP_OP_VM, 0xFFFF },
		{ EXP_OP_VP, EXP_NUM_IDX_VP },         { EXP_OP_VP, 0xFFFF },
		{ EXP_OP_VPS, EXP_NUM_IDX_VPS },       { EXP_OP_VPS, 0xFFFF },
		{ EXP_OP_VP_MANAGEMENT, 0 },           { EXP_OP_VP_MANAGEMENT, 1 },
		{ EXP_OP_VP_MANAGEMENT, EXP_NUM_IDX_VP_MANAGEMENT },
		{ EXP_OP_VP_MANAGEMENT, 0xFFFF },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		unsupported(rt_fmt("idx-%s-op%x-idx%x", phase, cases[i].op, cases[i].idx), 0,
			    EXP_HC(cases[i].op, cases[i].idx), r10,
			    rt_fmt("unknown index 0x%x of opcode 0x%x, %s", cases[i].idx,
				   cases[i].op, r10 ? "R10 = the open handle" : "no handle"));
}

static void scc_debug_out(void)
{
	struct hc_regs r = { { 0x5CC0000000000001ull, 0x5CC0000000000002ull } };
	uint64_t st = hc_call(EXP_RAX(EXP_HC_SIG, EXP_HC_FLAG_SCC, EXP_OP_DEBUG,
				      EXP_IDX_DEBUG_OUT), &r);
	char console[128];

	rt_snprintf(console, sizeof(console), EXP_CONSOLE_DEBUG_OUT, EXP_ROOT_VMID,
		    EXP_ROOT_VPID, 0x5CC0000000000001ull, 0x5CC0000000000002ull);
	check_eq("scc-debug-out-status", "mv_debug_op_out,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 st, "the SCC flag (RAX bit 32) on debug_out is accepted; console: %s", console);
	check_tok("scc-debug-out-regs", "mv_debug_op_out",
		  "unchanged",
		  r.r[0] == 0x5CC0000000000001ull && r.r[1] == 0x5CC0000000000002ull
			  ? "unchanged" : "changed",
		  r.r[0] == 0x5CC0000000000001ull && r.r[1] == 0x5CC0000000000002ull,
		  "debug_out with SCC leaves R10/R11 unchanged");
}

static void wrong_instruction(void)
{
	enum hc_insn bad = hc_foreign_insn();
	struct hc_regs in, r;
	struct rt_exc e;
	uint64_t rax = EXP_HC_DEBUG_OUT, ret;
	const char *name = hc_insn_name(bad);

	fill(&in, 0);
	r = in;
	ret = hc_call_expect_ud(bad, rax, &r, &e);
	check_tok(rt_fmt("%s-ud", name), "mv_debug_op_out", "ud",
		  e.fired ? "ud" : "no-exception", e.fired,
		  "%s on CPU vendor %s raises #UD in the guest", name, hc_vendor_string());
	check_eq(rt_fmt("%s-ud-rip", name), "mv_debug_op_out", hc_insn_addr(bad),
		 e.fired ? e.rip : 0, "#UD is reported at the %s instruction", name);
	check_eq(rt_fmt("%s-rax", name), "mv_debug_op_out", rax, ret,
		 "RAX unchanged: no hypercall was executed (no console line expected)");
	check_tok(rt_fmt("%s-regs", name), "mv_debug_op_out", "unchanged",
		  memcmp(&in, &r, sizeof(r)) ? "changed" : "unchanged", !memcmp(&in, &r, sizeof(r)),
		  "R10-R15 unchanged after the #UD");
}

void probe_main(void)
{
	struct hc_regs r = { { EXP_SPEC_ID1 } };
	uint64_t st, handle;

	hc_native_insn(); /* ERROR now if the vendor has no hypercall instruction */
	wrong_instruction();
	bad_signatures();
	bad_flags();
	bad_opcodes();
	bad_indices("nohandle", 0);
	scc_debug_out();

	st = hc_call(EXP_HC_OPEN_HANDLE, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("open_handle failed (0x%llx): cannot run the with-handle half",
			    (unsigned long long)st);
	handle = r.r[0];
	bad_indices("handle", handle);
	unsupported("sig-0-handle", "mv_vm_op_vmid", EXP_RAX(0, 0, EXP_OP_VM, EXP_IDX_VM_VMID),
		    handle, "signature 0 on vm_vmid with the open handle");
	unsupported("flag-bit33-handle", "mv_vm_op_vmid",
		    EXP_RAX(EXP_HC_SIG, 2, EXP_OP_VM, EXP_IDX_VM_VMID), handle,
		    "flag bit 33 on vm_vmid with the open handle");

	r.r[0] = handle;
	st = hc_call(EXP_HC_CLOSE_HANDLE, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("close_handle failed (0x%llx)", (unsigned long long)st);
}
