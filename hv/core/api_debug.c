/* 6.8 mv_debug_op_out: print REG0 and REG1 on the hypervisor's console.
 * Needs no handle (E-11) and is allowed from every VM.  Runs outside the
 * hypercall lock (hypercall.c) and is rate-limited per VM (E-45): a VM may
 * print DEBUG_OUT_BURST lines at once and DEBUG_OUT_PER_S lines per second
 * on average; a call over that prints nothing and returns
 * MV_STATUS_RETRY_CONTINUATION (without the SCC flag the core re-executes
 * it, so the VM waits for its next line instead of losing it). */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/spinlock.h>
#include <hv/vm.h>
#include <hv/vp.h>

/* A token bucket per VMID; the lock guards only this arithmetic. */
struct debug_bucket {
	uint64_t last; /* TSC up to which tokens were credited */
	uint32_t tokens;
	bool started;
};

static struct debug_bucket buckets[HV_MAX_VMS];
static struct hv_spinlock bucket_lock = HV_SPINLOCK_INIT;

/* Take one line's token of VM vmid at TSC now; false when it has none. */
bool api_debug_take_token(uint16_t vmid, uint64_t now, uint64_t tsc_khz)
{
	uint64_t per_token = tsc_khz * 1000 / DEBUG_OUT_PER_S;
	struct debug_bucket *b = &buckets[vmid % HV_MAX_VMS];
	bool ok;

	if (!per_token)
		per_token = 1;
	hv_spin_lock(&bucket_lock);
	if (!b->started || now < b->last) { /* first line, or a TSC that went back */
		b->started = true;
		b->tokens = DEBUG_OUT_BURST;
		b->last = now;
	}
	uint64_t earned = (now - b->last) / per_token;
	if (earned) {
		b->last += earned * per_token;
		b->tokens = earned >= DEBUG_OUT_BURST - b->tokens ? DEBUG_OUT_BURST
								  : b->tokens + (uint32_t)earned;
		if (b->tokens == DEBUG_OUT_BURST)
			b->last = now;
	}
	ok = b->tokens > 0;
	if (ok)
		b->tokens--;
	hv_spin_unlock(&bucket_lock);
	return ok;
}

struct hv_ret api_debug_out(const struct hv_caller *c, uint64_t reg0, uint64_t reg1)
{
	if (!api_debug_take_token(c->vm->id, arch_tsc_now(), arch_tsc_khz()))
		return hv_ret_status(MV_STATUS_RETRY_CONTINUATION);
	hv_log("debug_out vm=%u vp=%u: 0x%016llx 0x%016llx", (unsigned)c->vm->id,
	       (unsigned)c->vp->id, (unsigned long long)reg0, (unsigned long long)reg1);
	return hv_ret_status(MV_STATUS_SUCCESS);
}
