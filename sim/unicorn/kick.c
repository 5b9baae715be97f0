/*
 * mvsim's arch_pp_kick (the hypervisor's IPI or NMI to another PP,
 * hv/arch/arch.h): one pending flag per PP thread.  The code hook of the
 * engine on that PP (vcpu.c), a guest's or the root's, takes it before the
 * next instruction and ends the run there, as the end of a time slice does
 * (the core handles both as an interrupt exit; the root never sees it, as
 * the hypervisor takes its own kick NMI on hardware).  A flag set while the
 * PP runs no VPS ends its next run at once, as a pending kick does on
 * hardware.  The hook reads the flag through the pointer kick_flag() gave
 * arch_vps_run (a load per instruction; kick_take in ucsim.h).
 */
#include <stdatomic.h>

#include "ucsim.h"

static atomic_bool kick_pending[HV_MAX_PPS];

void arch_pp_kick(uint16_t pp)
{
	if (pp < HV_MAX_PPS)
		atomic_store(&kick_pending[pp], true);
}

atomic_bool *kick_flag(void)
{
	static atomic_bool never; /* a PP number out of range: never kicked */
	uint16_t pp = arch_pp_id();

	return pp < HV_MAX_PPS ? &kick_pending[pp] : &never;
}
