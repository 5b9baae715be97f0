/*
 * Unit tests of the machine-wide stop of the root VM (hv/root_stop.h,
 * hv/core/root_stop.c, E-66) on the fake arch, whose arch_pp_kick counts
 * kicks and lets a hook play the kicked PP.  The dying PP is PP 0.
 */
#include <hv/arch/core.h>
#include <hv/pp.h>
#include <hv/root_stop.h>

#include "fake_arch.h"
#include "test_main.h"

#define PPS 4

/* PP 1 and 3 stop at their first kick; PP 2 only at its second (the first
 * crossed its entry): the wait kicks it again after a millisecond. */
static void kicked(uint16_t pp)
{
	if (pp == 1 || pp == 3 || (pp == 2 && fake_kicks[2] == 2))
		root_stop_join(pp_get(pp));
}

/* PPs 1 .. n-1 run root VPs. */
static void machine(uint16_t n)
{
	pp_table_init(n);
	for (uint16_t i = 1; i < n; i++)
		pp_get(i)->online = true;
}

static void test_every_pp_stops(void)
{
	uint16_t stopped = 0, pps = 0;

	machine(PPS);
	fake_kick_hook = kicked;
	fake_tsc_auto = 100000; /* 20 clock reads per fake millisecond */
	EXPECT_TRUE(!root_stop_pending());
	EXPECT_TRUE(root_stop_machine(pp_get(0), &stopped, &pps));
	EXPECT_EQ(stopped, PPS);
	EXPECT_EQ(pps, PPS);
	EXPECT_EQ(fake_kicks[0], 0); /* not itself */
	EXPECT_EQ(fake_kicks[1], 1);
	EXPECT_EQ(fake_kicks[2], 2);
	EXPECT_EQ(fake_kicks[3], 1);
	EXPECT_TRUE(root_stop_pending());
	EXPECT_EQ(pp_get(0)->stop, HV_STOP_ROOT_DEAD);
	for (uint16_t i = 1; i < PPS; i++)
		EXPECT_EQ(pp_get(i)->stop, HV_STOP_ROOT_ELSEWHERE);
}

/* A PP that never stops (PP 2 here) is waited for a bounded time, then the
 * report counts it out. */
static void first_only(uint16_t pp)
{
	if (pp != 2)
		root_stop_join(pp_get(pp));
}

static void test_missing_pp_counted(void)
{
	uint16_t stopped = 0, pps = 0;

	machine(PPS);
	fake_kick_hook = first_only;
	fake_tsc_auto = 1000000; /* 2 clock reads per fake millisecond */
	EXPECT_TRUE(root_stop_machine(pp_get(0), &stopped, &pps));
	EXPECT_EQ(stopped, PPS - 1);
	EXPECT_EQ(pps, PPS);
	EXPECT_TRUE(fake_kicks[2] >= 900 && fake_kicks[2] <= 1100); /* each ms for 1 s */
	EXPECT_TRUE(fake_tsc >= 1000ull * 2000000ull);
}

/* The root died on two PPs at once: the second only stops, the first reports. */
static void test_second_death_does_not_report(void)
{
	uint16_t stopped = 0, pps = 0;

	machine(2);
	fake_kick_hook = NULL;
	fake_tsc_auto = 100000;
	root_stop_join(pp_get(1)); /* PP 1 already stopped, e.g. by its own death below */
	EXPECT_TRUE(root_stop_machine(pp_get(0), &stopped, &pps));
	EXPECT_EQ(stopped, 2);
	stopped = pps = 7;
	EXPECT_TRUE(!root_stop_machine(pp_get(1), &stopped, &pps));
	EXPECT_EQ(stopped, 7); /* untouched: it does not report */
	EXPECT_EQ(pp_get(1)->stop, HV_STOP_ROOT_ELSEWHERE);
}

/* A parked PP (its root VP waits for a SIPI) runs no root: counted as
 * stopped without a kick or a wait. */
static void test_parked_pp_not_waited(void)
{
	uint16_t stopped = 0, pps = 0;

	machine(3);
	pp_get(2)->online = false;
	fake_kick_hook = first_only; /* PP 2 would never answer */
	fake_tsc_auto = 100000;
	EXPECT_TRUE(root_stop_machine(pp_get(0), &stopped, &pps));
	EXPECT_EQ(stopped, 3);
	EXPECT_EQ(fake_kicks[1], 1);
	EXPECT_EQ(fake_kicks[2], 0);
	EXPECT_TRUE(fake_tsc < 2000000); /* under a millisecond */
}

/* microv.stop_delay_ms: a whole word of the root's command line, bounded. */
static uint64_t linger_ms(const char *cmdline)
{
	root_stop_configure(cmdline);
	fake_tsc = 0;
	fake_tsc_auto = 2000000; /* one fake millisecond per clock read */
	root_stop_linger();
	return fake_tsc / 2000000;
}

static void test_delay_option(void)
{
	EXPECT_EQ(linger_ms("probe.elf microv.stop_delay_ms=25 x=1"), 25 + 1);
	EXPECT_EQ(linger_ms("microv.stop_delay_ms=7"), 7 + 1);
	EXPECT_EQ(linger_ms("probe.elf microv.stop_delay_ms=99999999999"), 10000 + 1);
	EXPECT_EQ(linger_ms("probe.elf xmicrov.stop_delay_ms=25"), 1);
	EXPECT_EQ(linger_ms("probe.elf microv.stop_delay_ms"), 1);
	EXPECT_EQ(linger_ms(""), 1);
	EXPECT_EQ(linger_ms(NULL), 1);
}

static const struct test_case tests[] = {
	{ "every_pp_stops", test_every_pp_stops },
	{ "missing_pp_counted", test_missing_pp_counted },
	{ "second_death_does_not_report", test_second_death_does_not_report },
	{ "parked_pp_not_waited", test_parked_pp_not_waited },
	{ "delay_option", test_delay_option },
};

TEST_MAIN("test_root_stop", tests)
