/*
 * The pending-event queue of a VPS (evq.c): every event the core raises for a
 * VPS (mv_vps_op_queue_irq, XVIO wake-ups, the core's #UD/#GP) waits here until
 * the core hands one to the backend at an entry of the VPS.
 */
#ifndef HV_EVQ_H
#define HV_EVQ_H

#include <hv/arch/exit.h>
#include <hv/types.h>

struct hv_vps;

/*
 * Bounded by construction: external interrupts are a 256-bit pending bitmap
 * like the local APIC's IRR (a vector already pending is not queued twice),
 * NMI is one flag (NMIs do not nest), and one exception slot (the core raises
 * at most one exception per exit).  The bitmap and the NMI flag may be posted
 * from any PP (atomics); the exception slot only by the VPS's own PP.
 */
struct hv_evq {
	uint64_t irr[4];
	bool nmi;
	bool exc_valid;
	/* Nonzero when an event may be queued: set after every post, cleared
	 * only by the VPS's own PP before it looks (evq_deliver's fast path:
	 * one load and compare when nothing is pending). */
	uint32_t maybe;
	struct hv_event exc;
};

void evq_reset(struct hv_evq *q);
/* Queue an event (external interrupt, NMI or exception). */
void evq_post(struct hv_evq *q, const struct hv_event *ev);
/* Take the highest-priority pending event: exception, then NMI, then the
 * highest external vector (the local APIC's order).  false when none. */
bool evq_pop(struct hv_evq *q, struct hv_event *out);
bool evq_empty(const struct hv_evq *q);
/* Queue an event for `vps` from any PP (mv_vps_op_queue_irq, XVIO wake-ups)
 * and kick the PP that runs it now, if another (hv/occupancy.h), so that it
 * is handed over at once, not at that PP's next natural exit. */
void evq_raise(struct hv_vps *vps, const struct hv_event *ev);
/* evq_nmi (declared in hv/arch/core.h): evq_raise of an NMI. */
/*
 * At an entry of vps on its own PP, when an event may be queued (evq_maybe):
 * take back the event the backend still holds undelivered (an interrupted
 * delivery, an interrupt waiting for the guest's interrupt window) and hand
 * the backend the highest-priority one.  With nothing queued it returns at
 * once and the backend keeps what it holds (the same event would be handed
 * back).
 */
void evq_deliver(struct hv_vps *vps);
/* An event may be queued (the flag above; read with acquire): the check a
 * caller makes inline before evq_deliver, at every VM exit. */
static inline bool evq_maybe(const struct hv_evq *q)
{
	return __atomic_load_n(&q->maybe, __ATOMIC_ACQUIRE) != 0;
}

#endif /* HV_EVQ_H */
