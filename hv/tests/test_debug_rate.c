/*
 * mv_debug_op_out's rate limit over time (E-45; issue 17, the mutxvio part
 * of stop 14): a VM earns DEBUG_OUT_PER_S tokens a second on average, so a
 * refill keeps the part of a token earned beyond the whole ones; only a full
 * bucket drops what it cannot hold.  api_debug_take_token is called with
 * exact TSC values (1000 ticks a token).  `test_debug_rate NAME`.
 */
#include <hv/api.h>

#include "test_main.h"

#define KHZ ((uint64_t)DEBUG_OUT_PER_S) /* tsc_khz * 1000 / DEBUG_OUT_PER_S = 1000 */
#define TOKEN 1000ull

/* Empties the bucket of `vmid` at TSC t (a fresh bucket starts full). */
static void drain(uint16_t vmid, uint64_t t)
{
	for (unsigned i = 0; i < DEBUG_OUT_BURST; i++)
		EXPECT_TRUE(api_debug_take_token(vmid, t, KHZ));
	EXPECT_TRUE(!api_debug_take_token(vmid, t, KHZ));
}

/* A token and a half after the drain, one line; half a token later the
 * second token is complete: a second line. */
static void test_fraction_kept(void)
{
	const uint64_t t = 1000000;

	drain(5, t);
	EXPECT_TRUE(api_debug_take_token(5, t + TOKEN + TOKEN / 2, KHZ));
	EXPECT_TRUE(!api_debug_take_token(5, t + TOKEN + TOKEN / 2, KHZ));
	EXPECT_TRUE(api_debug_take_token(5, t + 2 * TOKEN, KHZ));
	EXPECT_TRUE(!api_debug_take_token(5, t + 2 * TOKEN + TOKEN - 1, KHZ));
	EXPECT_TRUE(api_debug_take_token(5, t + 3 * TOKEN, KHZ));
}

/* A flood polling every 0.7 tokens for 100 tokens' time gets 100 lines,
 * not fewer: the average rate is the documented one. */
static void test_sustained_rate(void)
{
	const uint64_t t = 5000000;
	unsigned lines = 0;

	drain(6, t);
	for (uint64_t now = t + 7 * TOKEN / 10; now <= t + 100 * TOKEN; now += 7 * TOKEN / 10)
		lines += api_debug_take_token(6, now, KHZ);
	lines += api_debug_take_token(6, t + 100 * TOKEN, KHZ);
	EXPECT_EQ(lines, 100);
}

static const struct test_case tests[] = {
	{ "fraction_kept", test_fraction_kept },
	{ "sustained_rate", test_sustained_rate },
};

TEST_MAIN("test_debug_rate", tests)
