/*
 * mvsim's arch_pp_kick (the hypervisor's IPI to another PP, hv/arch/arch.h):
 * one pending flag per PP thread.  The code hook of a guest engine on that
 * PP (vcpu.c) takes it before the next instruction and ends the run there,
 * as the end of a time slice does (the core handles both as an interrupt
 * exit).  A flag set while the PP runs its root VPS or no VPS waits for its
 * next guest run, which then ends at once, as a pending IPI in the local
 * APIC's IRR ends the next guest run on hardware.
 */
#include <stdatomic.h>

#include "ucsim.h"

static atomic_bool kick_pending[HV_MAX_PPS];

void arch_pp_kick(uint16_t pp)
{
	if (pp < HV_MAX_PPS)
		atomic_store(&kick_pending[pp], true);
}

bool kick_take(void)
{
	uint16_t pp = arch_pp_id();

	if (pp >= HV_MAX_PPS || !atomic_load_explicit(&kick_pending[pp], memory_order_relaxed))
		return false;
	return atomic_exchange(&kick_pending[pp], false);
}
