/*
 * debug: mv_debug_op_out with several value pairs, before and while a
 * handle is open.  Status 0, R10/R11 unchanged.  Each check's desc carries
 * the exact console line the hypervisor must print ("console: ..."), so
 * the harness can cross-check the hypervisor's output.
 */
#include "probe.h"

PROBE_TITLE("mv_debug_op_out: status, registers, console line");

static const uint64_t pairs[][2] = {
	{ 0, 0 },
	{ ~0ull, ~0ull },
	{ 0x0123456789ABCDEFull, 0xFEDCBA9876543210ull },
	{ 0x8000000000000000ull, 1 },
	{ EXP_STATUS_FAILURE_UNSUPPORTED, EXP_HYPERCALL_SIG_VAL },
	{ EXP_SPEC_ID1, 0x00000000FFFFFFFFull },
};

static void out_pair(const char *phase, unsigned i)
{
	struct hc_regs r = { { pairs[i][0], pairs[i][1], 0x2222222222222222ull,
			       0x3333333333333333ull, 0x4444444444444444ull,
			       0x5555555555555555ull } };
	uint64_t st = hc_call(EXP_HC_DEBUG_OUT, &r);
	char console[128];
	const char *got;
	bool pass;

	rt_snprintf(console, sizeof(console), EXP_CONSOLE_DEBUG_OUT, EXP_ROOT_VMID,
		    EXP_ROOT_VPID, (unsigned long long)pairs[i][0], (unsigned long long)pairs[i][1]);
	if (st != EXP_STATUS_SUCCESS)
		got = rt_hex(st);
	else if (r.r[0] != pairs[i][0])
		got = rt_fmt("r10-changed-0x%llx", (unsigned long long)r.r[0]);
	else if (r.r[1] != pairs[i][1])
		got = rt_fmt("r11-changed-0x%llx", (unsigned long long)r.r[1]);
	else
		got = "0x0";
	pass = !rt_strcmp(got, "0x0");
	check_tok(rt_fmt("out-%s-%u", phase, i), "mv_debug_op_out,MV_STATUS_SUCCESS", "0x0", got,
		  pass, "console: %s", console);
}

void probe_main(void)
{
	struct hc_regs r = { { EXP_SPEC_ID1 } };
	uint64_t st, handle;
	unsigned i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		out_pair("nohandle", i);

	st = hc_call(EXP_HC_OPEN_HANDLE, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("open_handle failed (0x%llx): cannot run the with-handle half",
			    (unsigned long long)st);
	handle = r.r[0];

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		out_pair("handle", i);

	r.r[0] = handle;
	st = hc_call(EXP_HC_CLOSE_HANDLE, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("close_handle failed (0x%llx)", (unsigned long long)st);
}
