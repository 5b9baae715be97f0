/*
 * wrappers: the one probe that deliberately uses include/microv/mv.h: its
 * inline wrappers against the running hypervisor, and its constants against
 * the probes' expectations.  Both the C header (build/include/microv) and
 * the expectations (expect_abi.h) are generated from the ABI description
 * (abi/mv-abi.toml), so the header checks prove the generator: the C
 * header and the expectation it writes from the same description agree.
 */
#include "probe.h"

#include <microv/mv.h>

PROBE_TITLE("include/microv/mv.h: constants and inline wrappers vs. the oracle");

MV_HYPERCALL_DEFINE_VENDOR;

/*
 * Every catalogue hypercall's RAX, permission and handle requirement from
 * the header == expect_abi.h's (EXP_HC_<SHORT>, EXP_ROOT_ONLY_<SHORT>,
 * EXP_NEEDS_HANDLE_<SHORT>, through the runtime's table).  These checks
 * prove the header, not the hypervisor's behaviour, so they name no ABI
 * item (items=none): the matrix counts an item as covered only when a probe
 * exercised it.  The check id and desc name the constant.
 */
static void check_hypercall_constants(void)
{
#define X(name, op, idx)                                                              \
	check_eq("hdr-" #name, "none", hc_rax_of(#name), MV_HYPERCALL_RAX(op, idx),    \
		 "header RAX (signature|opcode|index) of " #name " matches expect_abi.h");
	MV_CATALOG_HYPERCALLS(X)
#undef X
#define X(name, op, idx, root_only, needs_handle)                                     \
	check_eq("hdr-attrs-" #name, "none", (uint64_t)(int64_t)hc_attrs_of(#name),    \
		 (uint64_t)((root_only) | (needs_handle) << 1),                          \
		 "header root_only | needs_handle << 1 of " #name " matches expect_abi.h");
	MV_CATALOG_HYPERCALL_ATTRS(X)
#undef X
}

/* Every status code of the description (expect_abi.h's EXP_STATUSES). */
static const struct {
	const char *name;
	uint64_t value;
} exp_status[] = {
#define X(name, exp) { #name, exp },
	EXP_STATUSES(X)
#undef X
};

static uint64_t exp_status_of(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(exp_status) / sizeof(exp_status[0]); i++)
		if (!rt_strcmp(exp_status[i].name, name))
			return exp_status[i].value;
	return ~0ull; /* a status expect_abi.h does not know: fails visibly */
}

/* Check ids are lowercase. */
static const char *lower_id(const char *prefix, const char *name)
{
	static char buf[96];
	size_t n = (size_t)rt_snprintf(buf, sizeof(buf), "%s%s", prefix, name), i;

	for (i = 0; i < n && i < sizeof(buf); i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return buf;
}

static void check_status_constants(void)
{
#define X(name, value)                                                                 \
	check_eq(lower_id("hdr-", #name), "none", exp_status_of(#name), (uint64_t)(value),          \
		 "header value of " #name " matches expect_abi.h");
	MV_CATALOG_STATUS(X)
#undef X
	check_eq("hdr-spec-id1", "none", EXP_SPEC_ID1, MV_SPEC_ID1_VAL,
		 "MV_SPEC_ID1_VAL is 'Mv#1'");
	check_eq("hdr-abi-revision", "none", EXP_ABI_REVISION, MV_ABI_REVISION,
		 "the header and expect_abi.h come from the same description revision");
}

static void check_vendor(void)
{
	int v = mv_hypercall_detect();
	int want = hc_vendor() == HC_VENDOR_INTEL ? MV_HYPERCALL_VENDOR_INTEL
		   : hc_vendor() == HC_VENDOR_AMD ? MV_HYPERCALL_VENDOR_AMD
						  : MV_HYPERCALL_VENDOR_UNKNOWN;

	check_eq("detect-vendor", "none", (uint64_t)want, (uint64_t)v,
		 "mv_hypercall_detect() agrees with CPUID vendor %s", hc_vendor_string());
	if (v == MV_HYPERCALL_VENDOR_UNKNOWN)
		probe_error("vendor %s: no hypercall instruction", hc_vendor_string());
}

static void check_calls(void)
{
	struct mv_handle_t h = { 0 }, bad = { 0 };
	char console[128];
	mv_status_t st;
	uint64_t old;

	rt_snprintf(console, sizeof(console), EXP_CONSOLE_DEBUG_OUT, EXP_ROOT_VMID,
		    EXP_ROOT_VPID, 0x1122334455667788ull, 0x99AABBCCDDEEFF00ull);
	rt_set_context_items("mv_debug_op_out");
	st = mv_debug_op_out(0x1122334455667788ull, 0x99AABBCCDDEEFF00ull);
	check_eq("debug-out", "mv_debug_op_out,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "mv_debug_op_out() wrapper; console: %s", console);

	rt_set_context_items("mv_handle_op_open_handle");
	st = mv_handle_op_open_handle(0x3123764E, &bad);
	check_eq("open-wrong-version", "mv_handle_op_open_handle,MV_STATUS_INVALID_PARAMS0",
		 EXP_STATUS_INVALID_PARAMS0, st, "wrapper with version 0x3123764e fails");
	check_eq("open-wrong-version-out", "mv_handle_op_open_handle,MV_STATUS_INVALID_PARAMS0",
		 0, bad.hndl, "the wrapper writes no handle on failure");

	st = mv_handle_op_open_handle(MV_SPEC_ID1_VAL, MV_NULL);
	check_eq("open-null", "mv_handle_op_open_handle,MV_STATUS_INVALID_PARAMS1",
		 EXP_STATUS_INVALID_PARAMS1, st,
		 "a NULL handle pointer (argument 1) fails in the wrapper with INVALID_PARAMS1");

	st = mv_handle_op_open_handle(MV_SPEC_ID1_VAL, &h);
	check_eq("open", "mv_handle_op_open_handle,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "mv_handle_op_open_handle(MV_SPEC_ID1_VAL) succeeds");
	check_tok("open-handle", "mv_handle_op_open_handle", "nonzero-not-version",
		  rt_hex(h.hndl), h.hndl != 0 && h.hndl != EXP_SPEC_ID1,
		  "the wrapper stores a plausible handle");
	if (st != MV_STATUS_SUCCESS)
		probe_error("cannot open a handle through the wrapper (0x%llx)",
			    (unsigned long long)st);

	old = h.hndl;
	rt_set_context_items("mv_handle_op_close_handle");
	st = mv_handle_op_close_handle(&h);
	check_eq("close", "mv_handle_op_close_handle,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "mv_handle_op_close_handle() succeeds");
	check_eq("close-clears", "mv_handle_op_close_handle", 0, h.hndl,
		 "the wrapper clears the handle after closing");

	h.hndl = old;
	st = mv_handle_op_close_handle(&h);
	check_eq("close-again", "mv_handle_op_close_handle,MV_STATUS_FAILURE_INVALID_HANDLE",
		 EXP_STATUS_FAILURE_INVALID_HANDLE, st, "closing the closed handle fails");
	check_eq("close-null", "mv_handle_op_close_handle,MV_STATUS_INVALID_PARAMS0",
		 EXP_STATUS_INVALID_PARAMS0, mv_handle_op_close_handle(MV_NULL),
		 "a NULL handle pointer fails in the wrapper with INVALID_PARAMS0");
}

void probe_main(void)
{
	check_hypercall_constants();
	check_status_constants();
	check_vendor();
	check_calls();
}
