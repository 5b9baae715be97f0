/*
 * The core's formatter (log.c, hv_snprintf) against the C library's
 * snprintf: zero, the signs, the widths and flags the core uses ('-', '0'
 * with a non-negative number), every length modifier, strings and
 * characters, and every buffer size from 0 to one past the text (the
 * return value is the untruncated length, the text is cut and ended with
 * NUL).  Not compared: '0' with a negative number, where the core pads
 * before the sign.  `test_printf_edges NAME`.
 */
#include <stdio.h>
#include <string.h>

#include <hv/log.h>

#include "test_main.h"

#define CHECK_FMT(...)                                                                     \
	do {                                                                               \
		char want[128], got[128];                                                  \
		int wn = snprintf(want, sizeof(want), __VA_ARGS__);                        \
		for (size_t sz = 0; sz <= (size_t)wn + 1; sz++) {                          \
			memset(got, 0x5A, sizeof(got));                                    \
			int gn = hv_snprintf(got, sz, __VA_ARGS__);                        \
			snprintf(want, sz ? sz : 1, __VA_ARGS__);                          \
			if (gn != wn || (sz && strcmp(got, want) != 0) ||                 \
			    (sz == 0 && got[0] != 0x5A)) {                                 \
				fprintf(stderr, "%s, size %zu: got %d \"%.*s\", want %d \"%s\"\n", \
					#__VA_ARGS__, sz, gn, sz ? (int)sz : 0, got, wn, want);      \
				failures++;                                                \
			}                                                                  \
			snprintf(want, sizeof(want), __VA_ARGS__);                         \
		}                                                                          \
	} while (0)

static void test_numbers(void)
{
	static const long long sv[] = { 0, 1, -1, 9, 10, -10, 2147483647, -2147483647 - 1 };
	static const unsigned long long uv[] = { 0, 1, 15, 16, 255, 0xFFFFFFFFull,
						 0xFFFFFFFFFFFFFFFFull };

	for (size_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
		CHECK_FMT("%d", (int)sv[i]);
		CHECK_FMT("%i|", (int)sv[i]);
		CHECK_FMT("%lld", sv[i]);
		CHECK_FMT("%ld", (long)sv[i]);
		CHECK_FMT("[%5d]", (int)sv[i]);
		CHECK_FMT("[%-5d]", (int)sv[i]);
		CHECK_FMT("[%1d]", (int)sv[i]);
		if (sv[i] >= 0)
			CHECK_FMT("[%05d]", (int)sv[i]);
	}
	for (size_t i = 0; i < sizeof(uv) / sizeof(uv[0]); i++) {
		CHECK_FMT("%llu", uv[i]);
		CHECK_FMT("%llx", uv[i]);
		CHECK_FMT("%llX", uv[i]);
		CHECK_FMT("%016llx", uv[i]);
		CHECK_FMT("[%-4llx]", uv[i]);
		CHECK_FMT("%zu", (size_t)uv[i]);
		CHECK_FMT("%u %x", (unsigned)uv[i], (unsigned)uv[i]);
	}
}

static void test_text(void)
{
	CHECK_FMT("%s", "");
	CHECK_FMT("%s", "abc");
	CHECK_FMT("[%5s]", "abc");
	CHECK_FMT("[%-5s]", "abc");
	CHECK_FMT("[%2s]", "abc");
	CHECK_FMT("[%3s]", "abc");
	CHECK_FMT("%c%c", 'a', 'z');
	CHECK_FMT("100%%");
	CHECK_FMT("plain text");
	CHECK_FMT("%s=%d, %s=%llx", "a", -3, "b", 0xABCull);
}

static const struct test_case tests[] = {
	{ "numbers", test_numbers },
	{ "text", test_text },
};

TEST_MAIN("test_printf_edges", tests)
