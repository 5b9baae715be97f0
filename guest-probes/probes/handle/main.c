/*
 * handle: mv_handle_op_open_handle / mv_handle_op_close_handle as
 * docs/spec-errata.md resolves them.  Order matters: the wrong
 * versions are tried while no handle is open; the probe ends with the
 * handle closed.
 */
#include "probe.h"

PROBE_TITLE("handles: open/close, versions, REVI, double open, stale handles");

#define I_OPEN "mv_handle_op_open_handle"
#define I_CLOSE "mv_handle_op_close_handle"

static uint64_t call(uint64_t rax, uint64_t r10, struct hc_regs *out)
{
	struct hc_regs r = { { r10, 0x1111111111111111ull, 0x2222222222222222ull,
			       0x3333333333333333ull, 0x4444444444444444ull,
			       0x5555555555555555ull } };
	uint64_t st = hc_call(rax, &r);

	if (out)
		*out = r;
	return st;
}

static void open_wrong_version(const char *id, uint64_t r10)
{
	struct hc_regs r;
	uint64_t st = call(EXP_HC_OPEN_HANDLE, r10, &r);

	check_eq(rt_fmt("%s-status", id), I_OPEN ",MV_STATUS_INVALID_PARAMS0",
		 EXP_STATUS_INVALID_PARAMS0, st,
		 "open_handle with R10=0x%llx (wrong version) fails with INVALID_PARAMS0",
		 (unsigned long long)r10);
	check_eq(rt_fmt("%s-r10", id), I_OPEN ",MV_STATUS_INVALID_PARAMS0", r10, r.r[0],
		 "a failed open_handle leaves R10 unchanged");
}

/* Opens; checks status 0 and a plausible handle; returns the handle. */
static uint64_t open_ok(const char *id, uint64_t r10, const char *what)
{
	struct hc_regs r;
	uint64_t st = call(EXP_HC_OPEN_HANDLE, r10, &r);

	check_eq(rt_fmt("%s-status", id), I_OPEN ",MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "open_handle with R10=0x%llx (%s) succeeds", (unsigned long long)r10, what);
	check_tok(rt_fmt("%s-handle", id), I_OPEN, "nonzero-not-version", rt_hex(r.r[0]),
		  st == EXP_STATUS_SUCCESS && r.r[0] != 0 && r.r[0] != EXP_SPEC_ID1,
		  "the handle returned in R10 is non-zero and not the version");
	if (st != EXP_STATUS_SUCCESS)
		probe_error("cannot open a handle (status 0x%llx): later checks need one",
			    (unsigned long long)st);
	return r.r[0];
}

static void close_expect(const char *id, uint64_t handle, uint64_t expected, const char *what)
{
	struct hc_regs r;
	uint64_t st = call(EXP_HC_CLOSE_HANDLE, handle, &r);

	check_eq(rt_fmt("%s-status", id),
		 expected == EXP_STATUS_SUCCESS ? I_CLOSE ",MV_STATUS_SUCCESS"
						: I_CLOSE ",MV_STATUS_FAILURE_INVALID_HANDLE",
		 expected, st, "close_handle with %s (R10=0x%llx)", what,
		 (unsigned long long)handle);
	if (expected != EXP_STATUS_SUCCESS)
		check_eq(rt_fmt("%s-r10", id), I_CLOSE ",MV_STATUS_FAILURE_INVALID_HANDLE", handle,
			 r.r[0], "a failed close_handle leaves R10 unchanged");
}

void probe_main(void)
{
	struct hc_regs r;
	uint64_t h1, h2, st;

	/* Wrong versions, no handle open. */
	open_wrong_version("open-ver-0", 0);
	open_wrong_version("open-ver-next", EXP_SPEC_ID1 + 1);
	open_wrong_version("open-ver-ones", 0xFFFFFFFFull);
	open_wrong_version("open-ver-in-upper", EXP_SPEC_ID1 << 32);
	open_wrong_version("open-ver-prev-revi", 0xFFFFFFFF00000000ull | (EXP_SPEC_ID1 - 1));

	/* REVI: the upper half of R10 is ignored. */
	h1 = open_ok("open-revi", 0xA5A5A5A500000000ull | EXP_SPEC_ID1,
		     "version Mv#1, upper half 0xa5a5a5a5 (REVI)");

	/* Second open while one is open. */
	st = call(EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, &r);
	check_eq("open-twice-status", I_OPEN ",MV_STATUS_INVALID_PERM_DENIED",
		 EXP_STATUS_INVALID_PERM_DENIED, st,
		 "a second open_handle while one is open is denied");
	check_eq("open-twice-r10", I_OPEN ",MV_STATUS_INVALID_PERM_DENIED", EXP_SPEC_ID1, r.r[0],
		 "the denied open_handle leaves R10 unchanged");

	/* Wrong handles while one is open. */
	close_expect("close-wrong-xor1", h1 ^ 1, EXP_STATUS_FAILURE_INVALID_HANDLE,
		     "the open handle xor 1");
	close_expect("close-wrong-zero", 0, EXP_STATUS_FAILURE_INVALID_HANDLE, "0");
	close_expect("close-wrong-version", EXP_SPEC_ID1, EXP_STATUS_FAILURE_INVALID_HANDLE,
		     "the version number");
	close_expect("close-wrong-not", ~h1, EXP_STATUS_FAILURE_INVALID_HANDLE,
		     "the complement of the open handle");

	close_expect("close-ok", h1, EXP_STATUS_SUCCESS, "the open handle");
	close_expect("close-again", h1, EXP_STATUS_FAILURE_INVALID_HANDLE,
		     "the handle just closed");

	/* A handle-taking hypercall with the closed handle. */
	st = call(EXP_HC_VM_VMID, h1, &r);
	check_eq("stale-vm-vmid-status", "mv_vm_op_vmid,MV_STATUS_FAILURE_INVALID_HANDLE",
		 EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "mv_vm_op_vmid with the closed handle is rejected");
	check_eq("stale-vm-vmid-r10", "mv_vm_op_vmid,MV_STATUS_FAILURE_INVALID_HANDLE", h1,
		 r.r[0], "the rejected call leaves R10 unchanged");

	/* Re-open: a new value. */
	h2 = open_ok("reopen", EXP_SPEC_ID1, "version Mv#1 after close");
	check_tok("reopen-new-value", I_OPEN, rt_fmt("not-0x%llx", (unsigned long long)h1),
		  rt_hex(h2), h2 != h1, "re-opening returns a value different from the closed one");

	close_expect("stale-close-after-reopen", h1, EXP_STATUS_FAILURE_INVALID_HANDLE,
		     "the old handle while the new one is open");
	close_expect("close-final", h2, EXP_STATUS_SUCCESS, "the re-opened handle");
}
