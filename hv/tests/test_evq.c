/*
 * Unit tests of the per-VPS pending-event queue (hv/evq.h, hv/core/evq.c)
 * on the fake arch, whose "backend" holds one event per VPS like SVM's
 * EVENTINJ or VMX's entry interruption field.
 */
#include <hv/evq.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "test_main.h"

static struct hv_event ext(uint8_t v)
{
	return (struct hv_event){ .type = HV_EVENT_EXTINT, .vector = v };
}

/* Deliver once; the event the backend got (type 0xFF: none). */
static struct hv_event entry(struct hv_vps *vps)
{
	struct hv_event none = { .type = (enum hv_event_type)0xFF };
	fake_held_valid[vps->id] = false; /* the previous one was delivered */
	evq_deliver(vps);
	return fake_held_valid[vps->id] ? fake_held[vps->id] : none;
}

/* A vector already pending is one interrupt (the IRR's bound). */
static void test_coalesce(void)
{
	struct hv_evq q;
	struct hv_event e = ext(0x41), out;
	evq_reset(&q);
	evq_post(&q, &e);
	evq_post(&q, &e);
	EXPECT_TRUE(evq_pop(&q, &out));
	EXPECT_EQ(out.vector, 0x41);
	EXPECT_TRUE(!evq_pop(&q, &out));
	/* vectors 0xFF and 0x20 sit in different words */
	struct hv_event hi = ext(0xFF), lo = ext(0x20);
	evq_post(&q, &lo);
	evq_post(&q, &hi);
	EXPECT_TRUE(evq_pop(&q, &out));
	EXPECT_EQ(out.vector, 0xFF);
	EXPECT_TRUE(evq_pop(&q, &out));
	EXPECT_EQ(out.vector, 0x20);
}

/* An interrupted ExtINT and NMI the backend holds survive a core #GP raised
 * in the same exit: #GP first, then NMI, then the interrupt. */
static void test_interrupted_survives(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct hv_event gp = { .type = HV_EVENT_EXCEPTION, .vector = 13, .has_error = 1 };
	struct hv_event nmi = { .type = HV_EVENT_NMI, .vector = 2 };

	fake_held[vps->id] = ext(0x30); /* hardware re-injection */
	fake_held_valid[vps->id] = true;
	evq_post(&vps->evq, &nmi);
	evq_post(&vps->evq, &gp);
	evq_deliver(vps);
	EXPECT_TRUE(fake_held_valid[vps->id]);
	EXPECT_EQ(fake_held[vps->id].type, HV_EVENT_EXCEPTION);
	EXPECT_EQ(fake_held[vps->id].vector, 13);
	EXPECT_EQ(entry(vps).type, HV_EVENT_NMI);
	struct hv_event e = entry(vps);
	EXPECT_EQ(e.type, HV_EVENT_EXTINT);
	EXPECT_EQ(e.vector, 0x30);
	EXPECT_EQ(entry(vps).type, 0xFF);
}

/* An event the backend could not deliver yet (interrupt window closed) is
 * taken back and outranked by a higher one posted meanwhile, not lost. */
static void test_held_requeued(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct hv_event a = ext(0x40), b = ext(0x60);
	evq_post(&vps->evq, &a);
	evq_deliver(vps); /* backend holds 0x40, guest has IF = 0 */
	evq_post(&vps->evq, &b);
	evq_deliver(vps);
	EXPECT_EQ(fake_held[vps->id].vector, 0x60);
	EXPECT_EQ(entry(vps).vector, 0x40);
}

/* More than one pending: the backend is asked for an interrupt window after
 * the one it got, so the next is handed over without waiting for a natural
 * exit; the last one asks for none. */
static void test_window_requested(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct hv_event a = ext(0x41), b = ext(0x62);

	evq_post(&vps->evq, &a);
	evq_post(&vps->evq, &b);
	fake_windows = 0;
	EXPECT_EQ(entry(vps).vector, 0x62);
	EXPECT_EQ(fake_windows, 1);
	EXPECT_EQ(entry(vps).vector, 0x41);
	EXPECT_EQ(fake_windows, 1);
}

/* The fast path (nothing pending: one flag read) hands over nothing and
 * asks for no window; the flag is back to clear once the queue is drained,
 * and a post after that (from another PP, evq_raise) is seen at the next
 * entry; a flag left set by a direct evq_pop costs only the slow path. */
static void test_fast_path(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct hv_event a = ext(0x30), none = { .type = (enum hv_event_type)0xFF };

	fake_windows = 0;
	EXPECT_EQ(entry(vps).type, none.type);
	EXPECT_EQ(vps->evq.maybe, 0u);
	evq_post(&vps->evq, &a);
	EXPECT_EQ(vps->evq.maybe, 1u);
	EXPECT_EQ(entry(vps).vector, 0x30);
	EXPECT_EQ(vps->evq.maybe, 0u);
	EXPECT_EQ(entry(vps).type, none.type);
	evq_post(&vps->evq, &a);
	struct hv_event out;
	EXPECT_TRUE(evq_pop(&vps->evq, &out));
	EXPECT_EQ(entry(vps).type, none.type); /* stale flag: nothing to hand */
	EXPECT_EQ(vps->evq.maybe, 0u);
	EXPECT_EQ(fake_windows, 0);
}

/* Nothing queued: the event the backend holds (an interrupt waiting for the
 * guest's window, an interrupted delivery) stays there as it is, without a
 * call to the backend; something queued: it is taken back and the higher
 * of the two handed over. */
static void test_held_kept(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct hv_event a = ext(0x30), b = ext(0x50);

	fake_held[vps->id] = a;
	fake_held_valid[vps->id] = true;
	fake_takes = 0;
	evq_deliver(vps);
	EXPECT_EQ(fake_takes, 0);
	EXPECT_TRUE(fake_held_valid[vps->id]);
	EXPECT_EQ(fake_held[vps->id].vector, 0x30);
	EXPECT_TRUE(evq_empty(&vps->evq));
	evq_post(&vps->evq, &b);
	evq_deliver(vps);
	EXPECT_TRUE(fake_takes > 0);
	EXPECT_EQ(fake_held[vps->id].vector, 0x50);
	EXPECT_EQ(entry(vps).vector, 0x30);
}

static const struct test_case tests[] = {
	{ "fast_path", test_fast_path },
	{ "held_kept", test_held_kept },
	{ "coalesce", test_coalesce },
	{ "interrupted_survives", test_interrupted_survives },
	{ "held_requeued", test_held_requeued },
	{ "window_requested", test_window_requested },
};

TEST_MAIN("test_evq", tests)
