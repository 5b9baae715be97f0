/* Hypercall decoding and dispatch (spec 6.5-6.7). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/api.h>
#include <hv/types.h>

struct hv_pp;
struct hv_vps;

enum hv_hc_result {
	HV_HC_DONE = 0,     /* RAX and outputs written: advance RIP */
	HV_HC_REEXECUTE,    /* continuation without SCC: leave RIP (6.1) */
	HV_HC_SWITCHED,     /* mv_vp_run_vp: the PP now runs another VPS */
};

/* Decode the hypercall in the registers of vps (running on pp), run it,
 * write the result. */
enum hv_hc_result hypercall_handle(struct hv_pp *pp, struct hv_vps *vps);

/*
 * The mv_vp_run_vp that ran `vps` (a guest VPS) is over and the PP is back
 * on its root VPS (run.c): the guest's VP stops running, under the
 * hypercall lock like every hypercall, and the root VPS of this PP gets
 * `ret` as the call's result, in the same register convention.  The lock
 * and the convention live in hypercall.c alone.
 */
void hypercall_complete(struct hv_vps *vps, struct hv_ret ret);

/* Is (opcode, index) a hypercall of the ABI?  Checked against the
 * catalogue (mv_catalog.h, generated from abi/mv-abi.toml). */
bool hypercall_known(uint64_t opcode_nosig, uint64_t index);

#endif /* HV_HYPERCALL_H */
