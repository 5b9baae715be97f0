/*
 * Hypercall decoding and dispatch (spec 6.5-6.7, docs/spec-errata.md).
 *
 * Order of checks, each with its own status, nothing changed on failure:
 *   1. signature RAX[63:48] == 0x764D          else FAILURE_UNSUPPORTED
 *   2. flags: only SCC may be set               else FAILURE_UNSUPPORTED
 *   3. (opcode, index) is in the catalogue      else FAILURE_UNSUPPORTED
 *   4. REG0 is the VM's open handle (except debug_out and open_handle)
 *                                               else FAILURE_INVALID_HANDLE
 *   5. the api_* function: permission, then parameters in register order.
 *
 * Dispatch is one switch, generated from abi/mv-abi.toml's `handler` and
 * `handler_args` (MV_CATALOG_HYPERCALL_DISPATCH): each case checks the
 * handle, reads the registers its hypercall takes from the VPS's
 * general-purpose registers in place (arch_vps_gprs) and calls one api_*
 * function, which returns a struct hv_ret; only RAX and the outputs it
 * names are written back (docs/performance.md "hv/core").
 *
 * Continuations (spec 6.1, E-31): an api_* function that did part of its
 * work answers MV_STATUS_RETRY_CONTINUATION (today only destroy_vm).
 * Without the SCC flag nothing is written and RIP stays on the VMCALL, so
 * the caller executes the same call again; with SCC the status is returned
 * like any other and RIP advances.
 *
 * mv_debug_op_out runs outside the hypercall lock (api_debug.c: it touches
 * only the console and its own rate limit), so a VM printing cannot make
 * other PPs' hypercalls wait for the UART.  The longest hold of the lock is
 * measured (TSC) and each new maximum logged after the unlock:
 * "[hv] hc-lock: longest hold <ns> ns (hypercall 0x<opcode|index>)", the
 * figure `make bench` reports (the last such line of a run).
 */
#include <microv/mv_catalog.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/pp.h>
#include <hv/spinlock.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

#define HC_KEY(op, idx) (((op) & MV_HYPERCALL_OPCODE_NOSIG_MASK) | (idx))

/* RAX and REGn (R10 + n) in the VPS's general-purpose registers
 * (arch_vps_gprs: read and written in place, no call per register).  The
 * decode asks for RAX and REG0 (the handle, and the only output of most
 * hypercalls); a hypercall that takes or returns REG1..REG5 asks for those
 * too (the same array: mvsim reads each register it is asked for once). */
#define HC_RAX HV_GPR(bf_reg_t_rax)
#define HC_REGN(n) (HV_GPR(bf_reg_t_r10) + (n))
#define HC_GPRS_HOT (HV_GPR_BIT(bf_reg_t_rax) | HV_GPR_BIT(bf_reg_t_r10))
#define HC_GPRS_ALL (HC_GPRS_HOT | (0x3Eu << HC_REGN(0)))

/* Serialises every hypercall that reads or changes shared core state. */
static struct hv_spinlock hc_lock = HV_SPINLOCK_INIT;
static uint64_t hc_hold_max; /* TSC ticks, under hc_lock */

/* Take hc_lock; the TSC when it was taken. */
static uint64_t hc_lock_take(void)
{
	hv_spin_lock(&hc_lock);
	return arch_tsc_now();
}

/* The log line of a new longest hold (the slow part of hc_lock_drop). */
static __attribute__((noinline, cold)) void hc_lock_log(uint64_t held, uint64_t key)
{
	uint64_t khz = arch_tsc_khz() ? arch_tsc_khz() : 1;

	hv_log("hc-lock: longest hold %llu ns (hypercall 0x%llx)",
	       (unsigned long long)(held * 1000000ull / khz), (unsigned long long)key);
}

/* Release hc_lock taken at t0 by hypercall `key` (HC_DONE_KEY: the end of a
 * run_vp); log a new longest hold once the lock is free. */
#define HC_DONE_KEY (~0ull)
static inline void hc_lock_drop(uint64_t t0, uint64_t key)
{
	uint64_t held = arch_tsc_now() - t0;

	if (__builtin_expect(held <= hc_hold_max, 1)) {
		hv_spin_unlock(&hc_lock);
		return;
	}
	hc_hold_max = held;
	hv_spin_unlock(&hc_lock);
	hc_lock_log(held, key);
}

/* The register convention of a result: RAX the status, REG0..REG5
 * (R10..R15) the outputs the mask names; nothing else is written.  Inline,
 * the result by value and each output by a constant index: the handler's
 * result stays in registers where it was returned, never copied (a result
 * whose address is taken, or indexed by a variable, goes through memory).
 * REG0 alone is the common case; REG1..REG5 are tested only past it. */
static inline __attribute__((always_inline)) void hc_write_result(struct hv_vps *vps,
								    uint64_t *gpr,
								    struct hv_ret ret)
{
	gpr[HC_RAX] = ret.status;
	if (ret.out_mask & 0x01u)
		gpr[HC_REGN(0)] = ret.out[0];
	if (__builtin_expect(ret.out_mask & 0x3Eu, 0)) {
		gpr = arch_vps_gprs(vps, HC_GPRS_ALL);
		if (ret.out_mask & 0x02u)
			gpr[HC_REGN(1)] = ret.out[1];
		if (ret.out_mask & 0x04u)
			gpr[HC_REGN(2)] = ret.out[2];
		if (ret.out_mask & 0x08u)
			gpr[HC_REGN(3)] = ret.out[3];
		if (ret.out_mask & 0x10u)
			gpr[HC_REGN(4)] = ret.out[4];
		if (ret.out_mask & 0x20u)
			gpr[HC_REGN(5)] = ret.out[5];
	}
}

/*
 * The decode table, MV_CATALOG_HYPERCALL_DISPATCH (generated from
 * abi/mv-abi.toml into <microv/mv_catalog.h>): per hypercall its opcode and
 * index, whether REG0 must be the open handle, its api_* handler and the
 * registers that handler takes.  hc_call is the one switch the fast path
 * runs; hypercall_known (for the tests and tools) reads the same table.
 */
bool hypercall_known(uint64_t opcode_nosig, uint64_t index)
{
	switch (HC_KEY(opcode_nosig, index)) {
#define HC_KNOWN(name, op, idx, needs_handle, handler, args) case HC_KEY(op, idx):
		MV_CATALOG_HYPERCALL_DISPATCH(HC_KNOWN, unused, unused)
#undef HC_KNOWN
		return true;
	default:
		return false;
	}
}

/* REGn of the calling VPS, read only by the case of a hypercall that takes
 * it (the table's argument lists name each register once). */
#define HC_REG(n) ((n) == 0 ? gpr[HC_REGN(0)] : arch_vps_gprs(c->vps, HC_GPRS_ALL)[HC_REGN(n)])
/* Every hypercall but debug_out runs under hc_lock (a constant per case). */
#define HC_LOCKED(key) ((key) != HC_KEY(MV_DEBUG_OP_VAL, MV_DEBUG_OP_OUT_IDX_VAL))

/*
 * Steps 3-5 in one switch on (opcode, index): a key outside the catalogue
 * is FAILURE_UNSUPPORTED; a hypercall's case takes the lock (*t0: when;
 * *locked set), checks the handle where the table says so and calls its
 * api_* function with the registers it takes.  The caller drops the lock:
 * the handler's result is returned as it is, never copied under the lock.
 */
static struct hv_ret hc_call(const struct hv_caller *c, const uint64_t *gpr, uint64_t key,
			     bool *locked, uint64_t *t0)
{
	switch (key) {
#define HC_CALL(name, op, idx, needs_handle, handler, args)                    \
	case HC_KEY(op, idx):                                                  \
		if (HC_LOCKED(HC_KEY(op, idx))) {                              \
			*t0 = hc_lock_take();                                   \
			*locked = true;                                         \
		}                                                              \
		if ((needs_handle) && !api_handle_valid(c, HC_REG(0)))         \
			return hv_ret_status(MV_STATUS_FAILURE_INVALID_HANDLE); \
		return handler args;
		MV_CATALOG_HYPERCALL_DISPATCH(HC_CALL, c, HC_REG)
#undef HC_CALL
	default:
		return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
	}
}

enum hv_hc_result hypercall_handle(struct hv_pp *pp, struct hv_vps *vps)
{
	struct hv_caller c = { .vm = vps->vm, .vp = vps->vp, .vps = vps };
	uint64_t *gpr = arch_vps_gprs(vps, HC_GPRS_HOT);
	uint64_t rax = gpr[HC_RAX];
	uint64_t key = HC_KEY(rax & MV_HYPERCALL_OPCODE_NOSIG_MASK, rax & MV_HYPERCALL_INDEX_MASK);
	uint64_t t0 = 0;
	bool locked = false;
	struct hv_ret ret;

	/* 1 and 2: the signature, and no flag but SCC. */
	if ((rax & (MV_HYPERCALL_SIG_MASK | (MV_HYPERCALL_FLAGS_MASK & ~MV_HYPERCALL_FLAGS_SCC))) !=
	    MV_HYPERCALL_SIG_VAL)
		ret = hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
	else
		ret = hc_call(&c, gpr, key, &locked, &t0);
	if (locked)
		hc_lock_drop(t0, key);

	if (ret.status == MV_STATUS_RETRY_CONTINUATION && !(rax & MV_HYPERCALL_FLAGS_SCC))
		return HV_HC_REEXECUTE;
	if (pp->current != vps)
		return HV_HC_SWITCHED; /* run_vp: hypercall_complete writes the result */

	hc_write_result(vps, gpr, ret);
	return HV_HC_DONE;
}

/* Called from the exit handlers (run.c), outside any hypercall: the VP's
 * state is what run_vp, destroy_vp and the VPS calls on other PPs read
 * under the hypercall lock, so it changes under the lock too (and the
 * guest's registers, written before, are visible to the next PP that runs
 * it). */
void hypercall_complete(struct hv_vps *vps, struct hv_ret ret)
{
	uint64_t t0 = hc_lock_take();
	api_vp_run_end(vps_vp(vps));
	hc_lock_drop(t0, HC_DONE_KEY);
	struct hv_vps *root = pp_this()->root_vps;

	hc_write_result(root, arch_vps_gprs(root, HC_GPRS_HOT), ret);
}
