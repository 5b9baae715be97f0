/*
 * A guest that the root's first AP runs (the guest agent's G_READ_SPIN: it
 * reads a GPA in a loop and counts its reads in res[0]) while the BSP acts
 * on it: starting it and the bounded waits on its reads and on the end of
 * the AP's run.  Shared by the tlbshoot and vpbusy probes.
 */
#ifndef SMPROOT_AP_GUEST_H
#define SMPROOT_AP_GUEST_H

#include "ap_start.h"
#include "vmm.h"

/* Waits, at most WAIT_TICKS, until the guest's read count is past `than`
 * or the AP's run has ended (*done); returns the count then. */
static inline uint64_t ap_guest_reads_past(const struct guest *g, uint64_t than,
					   const volatile uint64_t *done)
{
	for (uint64_t t0 = tsc(); g->mb->res[0] <= than && !*done && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	return g->mb->res[0];
}

/* Waits, at most WAIT_TICKS, until the AP's run has ended (*done). */
static inline void ap_guest_wait_done(const volatile uint64_t *done)
{
	for (uint64_t t0 = tsc(); !*done && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
}

/* Starts the APs into ap_main (which runs the guest on the first one) and
 * waits until the guest has read `reads` times; ends the probe with ERROR
 * when no AP starts or the guest does not read on it (the AP's run status
 * and exit reason in the message). */
static inline void ap_guest_start(const struct guest *g, void (*ap_main)(uint32_t),
				  void *stack_top, uint64_t reads, const volatile uint64_t *done,
				  const volatile uint64_t *status, const volatile uint64_t *reason)
{
	if (start_aps(ap_main, stack_top) == 0)
		probe_error("no AP reached long mode (INIT-SIPI-SIPI: see the smproot probe)");
	if (ap_guest_reads_past(g, reads - 1, done) < reads || *done)
		probe_error("the guest does not read on the AP (%llu reads, run done %llu, status "
			    "0x%llx, %s)", (unsigned long long)g->mb->res[0],
			    (unsigned long long)*done, (unsigned long long)*status,
			    vmm_exit_name(*reason));
}

#endif
