/*
 * The end of mv_vp_run_vp (6.13): a guest VP that stopped for one of the
 * mv_vp_exit_t reasons (docs/exit-reasons.md) hands its PP back to the root
 * VP that donated it.  The call itself is api_vp_run (api_vp.c); its result
 * is written by hypercall_complete (hypercall.c).
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/hypercall.h>
#include <hv/pp.h>
#include <hv/run.h>

void run_return_to_root(struct hv_pp *pp, uint64_t reason, uint64_t arg)
{
	struct hv_vps *guest = pp->current;
	struct hv_ret ret = { .status = MV_STATUS_SUCCESS, .out = { reason, arg }, .out_mask = 0x3 };

	pp->current = pp->root_vps;
	hypercall_complete(guest, ret);
}
