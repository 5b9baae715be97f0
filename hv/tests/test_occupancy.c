/*
 * Unit tests of the occupancy tracking and the TLB shootdown's wait
 * (hv/occupancy.h, hv/core/occupancy.c) on the fake arch, whose
 * arch_pp_kick counts kicks and lets a hook play the kicked PP.  The
 * caller is PP 0 (the fake arch_pp_id).
 */
#include <hv/arch/core.h>
#include <hv/evq.h>
#include <hv/occupancy.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "test_main.h"

static struct hv_vps vps_a1 = { .id = 1, .vmid = 1 }, vps_a2 = { .id = 2, .vmid = 1 };
static struct hv_vps vps_b = { .id = 3, .vmid = 2 }, vps_root = { .id = 0, .vmid = 0 };
static const struct hv_vm vm_a = { .id = 1 }, root_vm = { .id = 0 };

/* PP 1 leaves at its first kick; PP 3 only at its second (the first
 * crossed its entry): the wait re-kicks it after a millisecond. */
static void kicked(uint16_t pp)
{
	if (pp == 1 || (pp == 3 && fake_kicks[3] == 2))
		occupancy_leave(pp);
}

static void test_shootdown_waits(void)
{
	occupancy_enter(1, &vps_a1);
	occupancy_enter(2, &vps_b);
	occupancy_enter(3, &vps_a2);
	occupancy_enter(4, &vps_root);
	fake_kick_hook = kicked;
	fake_tsc_auto = 100000; /* 20 clock reads per fake millisecond */
	occupancy_shootdown(&vm_a);
	EXPECT_EQ(fake_kicks[1], 1);
	EXPECT_EQ(fake_kicks[2], 0); /* another VM */
	EXPECT_EQ(fake_kicks[3], 2);
	EXPECT_EQ(fake_kicks[4], 0); /* the root */
	EXPECT_TRUE(occupancy_of(1) == NULL);
	EXPECT_TRUE(occupancy_of(2) == &vps_b);
	EXPECT_TRUE(occupancy_of(3) == NULL);
}

/* A PP that left and entered the VM again since the flush counts as gone:
 * its entry saw the new generation. */
static void reenter(uint16_t pp)
{
	occupancy_leave(pp);
	occupancy_enter(pp, &vps_a1);
}

static void test_shootdown_reentry(void)
{
	occupancy_enter(5, &vps_a1);
	fake_kick_hook = reenter;
	occupancy_shootdown(&vm_a);
	EXPECT_EQ(fake_kicks[5], 1);
	EXPECT_TRUE(occupancy_of(5) == &vps_a1);
}

/* Nothing to wait for: this PP's own run, a PP between runs (one spinning
 * on the hypercall lock has left its run), PPs of other VMs. */
static void test_shootdown_nothing(void)
{
	occupancy_enter(0, &vps_a1);
	occupancy_enter(1, &vps_a2);
	occupancy_leave(1);
	occupancy_enter(2, &vps_root);
	occupancy_shootdown(&vm_a);
	for (int pp = 0; pp < HV_MAX_PPS; pp++)
		EXPECT_EQ(fake_kicks[pp], 0);
	occupancy_enter(0, &vps_root);
	occupancy_enter(2, &vps_a1);
	occupancy_enter(3, &vps_root);
	occupancy_leave(3);
	occupancy_shootdown(&root_vm);
	for (int pp = 0; pp < HV_MAX_PPS; pp++)
		EXPECT_EQ(fake_kicks[pp], 0);
}

/* The root VM (a page it donated): every other PP running the root is
 * kicked and waited for, PP 6 only at its second kick; PPs running a guest
 * or this PP's own root run are not (they flush at their next root entry). */
static void root_kicked(uint16_t pp)
{
	if (pp == 4 || (pp == 6 && fake_kicks[6] == 2))
		occupancy_leave(pp);
}

static void test_shootdown_root(void)
{
	occupancy_enter(0, &vps_root);
	occupancy_enter(4, &vps_root);
	occupancy_enter(5, &vps_a1);
	occupancy_enter(6, &vps_root);
	fake_kick_hook = root_kicked;
	fake_tsc_auto = 100000;
	occupancy_shootdown(&root_vm);
	EXPECT_EQ(fake_kicks[0], 0); /* this PP */
	EXPECT_EQ(fake_kicks[4], 1);
	EXPECT_EQ(fake_kicks[5], 0); /* a guest */
	EXPECT_EQ(fake_kicks[6], 2);
	EXPECT_TRUE(occupancy_of(4) == NULL);
	EXPECT_TRUE(occupancy_of(5) == &vps_a1);
	EXPECT_TRUE(occupancy_of(6) == NULL);
}

/* An event raised for a VPS another PP runs kicks exactly that PP; one for
 * a VPS nobody runs kicks none and waits in the queue. */
static void test_raise_kicks_owner(void)
{
	struct hv_event ev = { .type = HV_EVENT_EXTINT, .vector = 0x40 }, out;

	evq_reset(&vps_a1.evq);
	evq_reset(&vps_a2.evq);
	occupancy_enter(2, &vps_a1);
	occupancy_enter(3, &vps_b);
	evq_raise(&vps_a1, &ev);
	EXPECT_EQ(fake_kicks[2], 1);
	EXPECT_EQ(fake_kicks[3], 0);
	evq_raise(&vps_a2, &ev);
	for (int pp = 0; pp < HV_MAX_PPS; pp++)
		EXPECT_EQ(fake_kicks[pp], pp == 2);
	EXPECT_TRUE(evq_pop(&vps_a2.evq, &out));
	EXPECT_EQ(out.vector, 0x40);
	EXPECT_TRUE(evq_pop(&vps_a1.evq, &out));
}

/* evq_nmi (a platform NMI for the root, the root's NMI IPIs): queued as the
 * VPS's one NMI and the PP that runs it, if another, kicked. */
static void test_nmi_to_root(void)
{
	struct hv_event out;

	evq_reset(&vps_root.evq);
	occupancy_enter(3, &vps_root);
	evq_nmi(&vps_root);
	evq_nmi(&vps_root);
	evq_nmi(NULL);
	EXPECT_EQ(fake_kicks[3], 2);
	EXPECT_TRUE(evq_pop(&vps_root.evq, &out));
	EXPECT_EQ(out.type, HV_EVENT_NMI);
	EXPECT_EQ(out.vector, 2);
	EXPECT_TRUE(!evq_pop(&vps_root.evq, &out)); /* NMIs do not nest: one */
}

static const struct test_case tests[] = {
	{ "shootdown_waits", test_shootdown_waits },
	{ "shootdown_reentry", test_shootdown_reentry },
	{ "shootdown_nothing", test_shootdown_nothing },
	{ "shootdown_root", test_shootdown_root },
	{ "raise_kicks_owner", test_raise_kicks_owner },
	{ "nmi_to_root", test_nmi_to_root },
};

TEST_MAIN("test_occupancy", tests)
