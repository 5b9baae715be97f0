/*
 * hv/core/string.c against the C library: hv_memset and hv_memcpy over
 * every size 0..300 at every alignment 0..15 of source and destination,
 * with guard bytes on both sides (nothing outside [dst, dst+n) changes);
 * hv_memcmp's sign, hv_strlen and hv_strnlen.  `test_string NAME`.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/string.h>

#include "test_main.h"

#define MAXN 300
#define ALIGNS 16
#define BUF (MAXN + 2 * ALIGNS + 64)

static unsigned char pattern(size_t i, unsigned salt)
{
	return (unsigned char)(i * 131u + salt * 7u + 1u);
}

static void test_memset(void)
{
	unsigned char got[BUF], want[BUF];

	for (size_t n = 0; n <= MAXN; n++) {
		for (size_t a = 0; a < ALIGNS; a++) {
			for (size_t i = 0; i < BUF; i++)
				got[i] = want[i] = pattern(i, (unsigned)n);
			int c = (int)(n * 37 + a) - 128; /* negative too: only the low byte counts */
			hv_memset(got + 32 + a, c, n);
			memset(want + 32 + a, c, n);
			if (memcmp(got, want, BUF)) {
				fprintf(stderr, "hv_memset(+%zu, %d, %zu) differs from memset\n", a, c, n);
				failures++;
			}
		}
	}
}

static void test_memcpy(void)
{
	unsigned char src[BUF], got[BUF], want[BUF];

	for (size_t i = 0; i < BUF; i++)
		src[i] = pattern(i, 99);
	for (size_t n = 0; n <= MAXN; n++) {
		for (size_t sa = 0; sa < ALIGNS; sa++) {
			for (size_t da = 0; da < ALIGNS; da++) {
				for (size_t i = 0; i < BUF; i++)
					got[i] = want[i] = pattern(i, (unsigned)(n + sa));
				hv_memcpy(got + 32 + da, src + sa, n);
				memcpy(want + 32 + da, src + sa, n);
				if (memcmp(got, want, BUF)) {
					fprintf(stderr, "hv_memcpy(+%zu, +%zu, %zu) differs from memcpy\n",
						da, sa, n);
					failures++;
				}
			}
		}
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_memcmp_strlen(void)
{
	unsigned char a[64], b[64];

	for (size_t i = 0; i < 64; i++)
		a[i] = b[i] = pattern(i, 5);
	for (size_t n = 0; n <= 64; n++)
		EXPECT_EQ(hv_memcmp(a, b, n), 0);
	for (size_t k = 0; k < 64; k++) {
		b[k] = (unsigned char)(a[k] + 1); /* 0xFF + 1 wraps: both signs occur */
		EXPECT_EQ(sign(hv_memcmp(a, b, 64)), sign(memcmp(a, b, 64)));
		EXPECT_EQ(sign(hv_memcmp(b, a, 64)), sign(memcmp(b, a, 64)));
		EXPECT_EQ(hv_memcmp(a, b, k), 0);
		b[k] = a[k];
	}
	char s[40];
	for (size_t n = 0; n < sizeof(s); n++) {
		memset(s, 'x', sizeof(s));
		s[n] = 0;
		EXPECT_EQ(hv_strlen(s), n);
		EXPECT_EQ(hv_strnlen(s, sizeof(s)), n);
		EXPECT_EQ(hv_strnlen(s, n / 2), n / 2);
	}
}

static const struct test_case tests[] = {
	{ "memset", test_memset },
	{ "memcpy", test_memcpy },
	{ "memcmp_strlen", test_memcmp_strlen },
};

TEST_MAIN("test_string", tests)
