/*
 * The pending-event queue of a VPS (hv/evq.h): no event is lost when several
 * are raised before the VPS runs, and the backend (one injection per entry)
 * only ever holds the one the core gave it at that entry.
 */
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/evq.h>
#include <hv/occupancy.h>
#include <hv/string.h>
#include <hv/vps.h>

void evq_reset(struct hv_evq *q)
{
	hv_memset(q, 0, sizeof(*q));
}

void evq_post(struct hv_evq *q, const struct hv_event *ev)
{
	switch (ev->type) {
	case HV_EVENT_NMI:
		__atomic_store_n(&q->nmi, true, __ATOMIC_RELEASE);
		break;
	case HV_EVENT_EXCEPTION:
		/* A second exception before an entry replaces the first (the
		 * core raises one per exit; the first could not have run). */
		q->exc = *ev;
		q->exc_valid = true;
		break;
	case HV_EVENT_EXTINT:
	default:
		__atomic_fetch_or(&q->irr[ev->vector / 64], 1ull << (ev->vector % 64),
				  __ATOMIC_RELEASE);
		break;
	}
	/* After the event itself: whoever sees the flag sees the event. */
	__atomic_store_n(&q->maybe, 1, __ATOMIC_RELEASE);
}

void evq_raise(struct hv_vps *vps, const struct hv_event *ev)
{
	evq_post(&vps->evq, ev);
	occupancy_kick(vps);
}

void evq_nmi(struct hv_vps *vps)
{
	const struct hv_event nmi = { .type = HV_EVENT_NMI, .vector = 2 };

	if (vps)
		evq_raise(vps, &nmi);
}

bool evq_empty(const struct hv_evq *q)
{
	if (q->exc_valid || __atomic_load_n(&q->nmi, __ATOMIC_ACQUIRE))
		return false;
	for (int i = 0; i < 4; i++)
		if (__atomic_load_n(&q->irr[i], __ATOMIC_ACQUIRE))
			return false;
	return true;
}

bool evq_pop(struct hv_evq *q, struct hv_event *out)
{
	*out = (struct hv_event){ 0 };
	if (q->exc_valid) {
		*out = q->exc;
		q->exc_valid = false;
		return true;
	}
	if (__atomic_exchange_n(&q->nmi, false, __ATOMIC_ACQ_REL)) {
		out->type = HV_EVENT_NMI;
		out->vector = 2;
		return true;
	}
	for (int i = 3; i >= 0; i--) {
		uint64_t w = __atomic_load_n(&q->irr[i], __ATOMIC_ACQUIRE);
		while (w) {
			int bit = 63 - __builtin_clzll(w);
			uint64_t m = 1ull << bit;
			/* Another PP only sets bits: a lost race means retry. */
			if (__atomic_fetch_and(&q->irr[i], ~m, __ATOMIC_ACQ_REL) & m) {
				out->type = HV_EVENT_EXTINT;
				out->vector = (uint8_t)(i * 64 + bit);
				return true;
			}
			w = __atomic_load_n(&q->irr[i], __ATOMIC_ACQUIRE);
		}
	}
	return false;
}

/* Something is, or may be, pending: hand the highest-priority event over. */
static void evq_deliver_slow(struct hv_vps *vps)
{
	struct hv_event ev;

	/* Cleared before looking, by an exchange: it reads the last post's
	 * flag (so this PP sees that event), and a post after it sets the flag
	 * again, seen at the next entry (the poster kicks this PP, evq_raise). */
	(void)__atomic_exchange_n(&vps->evq.maybe, 0, __ATOMIC_ACQ_REL);
	if (evq_pop(&vps->evq, &ev))
		arch_vps_inject(vps, &ev);
	if (!evq_empty(&vps->evq)) {
		__atomic_store_n(&vps->evq.maybe, 1, __ATOMIC_RELAXED);
		arch_vps_request_window(vps); /* then the next one (HV_EXIT_IRQ_WINDOW) */
	}
}

void evq_deliver(struct hv_vps *vps)
{
	struct hv_event held;

	/* The fast path: nothing queued.  What the backend holds, if anything,
	 * stays there: taking it back would only hand it over again, as the
	 * one pending event (the backend delivers it at the entry, or waits
	 * for the guest's window, as after arch_vps_inject). */
	if (__builtin_expect(!evq_maybe(&vps->evq), 1))
		return;
	/* The backend holds at most one event; the bound guards a broken one. */
	for (int i = 0; i < 4 && arch_vps_take_event(vps, &held); i++) {
		/* An interrupted exception delivery meets a new core exception only
		 * if the same exit both delivered and raised: the core's wins. */
		if (held.type == HV_EVENT_EXCEPTION && vps->evq.exc_valid)
			continue;
		evq_post(&vps->evq, &held);
	}
	evq_deliver_slow(vps);
}
