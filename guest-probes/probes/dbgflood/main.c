/*
 * dbgflood: a VM looping on mv_debug_op_out meets its rate limit (E-45,
 * docs/spec-errata.md).  The bucket starts full: the first
 * EXP_DEBUG_OUT_BURST calls (SCC set) succeed; continuing back to back, a
 * call returns MV_STATUS_RETRY_CONTINUATION with R10/R11 unchanged before
 * FLOOD calls (FLOOD lines take far less than FLOOD / EXP_DEBUG_OUT_PER_S
 * seconds on every backend); without SCC a throttled call waits inside the
 * hypervisor for its line and returns SUCCESS.  That the root's other
 * hypercalls keep their latency needs a guest flooding on another PP while
 * the root runs: the root's APs are parked, so it is skipped with the reason.
 */
#include "probe.h"

PROBE_TITLE("mv_debug_op_out flood: the per-VM rate limit");

#define FLOOD 400u

static uint64_t out(uint64_t rax, uint64_t a, struct hc_regs *r)
{
	*r = (struct hc_regs){ { a, ~a, 0x2222222222222222ull, 0x3333333333333333ull,
				 0x4444444444444444ull, 0x5555555555555555ull } };
	return hc_call(rax, r);
}

void probe_main(void)
{
	const uint64_t scc = EXP_HC_DEBUG_OUT | EXP_HYPERCALL_FLAGS_SCC;
	struct hc_regs r;
	uint64_t st = EXP_STATUS_SUCCESS;
	unsigned i, ok = 0;

	for (i = 0; i < EXP_DEBUG_OUT_BURST && st == EXP_STATUS_SUCCESS; i++) {
		st = out(scc, i, &r);
		ok += st == EXP_STATUS_SUCCESS;
	}
	check_eq("burst", "mv_debug_op_out,MV_STATUS_SUCCESS", EXP_DEBUG_OUT_BURST, ok,
		 "a full bucket: %u back-to-back lines succeed (first status 0x%llx otherwise)",
		 EXP_DEBUG_OUT_BURST, (unsigned long long)st);

	for (i = 0; i < FLOOD; i++) {
		st = out(scc, 0x100 + i, &r);
		if (st != EXP_STATUS_SUCCESS)
			break;
	}
	check_eq("throttled", "mv_debug_op_out,MV_STATUS_RETRY_CONTINUATION",
		 EXP_STATUS_RETRY_CONTINUATION, st,
		 "past the burst, a call returns RETRY_CONTINUATION before %u more lines "
		 "(%u succeeded first; %u lines/s refill)", FLOOD, i, EXP_DEBUG_OUT_PER_S);
	check_tok("throttled-regs", "mv_debug_op_out", "unchanged",
		  r.r[0] == 0x100 + i && r.r[1] == ~(0x100ull + i) ? "unchanged" : "changed",
		  r.r[0] == 0x100 + i && r.r[1] == ~(0x100ull + i),
		  "a throttled call writes no output register");

	st = out(EXP_HC_DEBUG_OUT, 0xABC, &r);
	check_eq("waits", "mv_debug_op_out,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "without SCC a throttled call waits for its line (re-executed) and succeeds");

	check_skip("root-latency", "mv_debug_op_out",
		   "needs a guest flooding on another PP while the root runs: the root's "
		   "application processors are parked (no root SMP yet)");
}
