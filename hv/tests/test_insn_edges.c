/*
 * The store decoder (insn.c) at the end of its bytes: an instruction of
 * nothing but prefixes, as long as the bytes given (up to the 15-byte
 * limit), is refused without a read past them.  Each buffer is allocated
 * with exactly n bytes, so under ASan (asan.insn_edges.*) one byte more is a
 * heap-buffer-overflow.  `test_insn_edges NAME`.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/insn.h>

#include "test_main.h"

#define LONGER "instruction longer than 15 bytes or not readable"

/* n copies of `prefix` (then `last` when nonzero), exactly that long. */
static const char *decode(uint8_t prefix, size_t n, uint8_t last, enum insn_mode mode)
{
	uint8_t *b = malloc(n);
	struct insn_store st;
	const char *why;

	memset(b, prefix, n);
	if (last)
		b[n - 1] = last;
	why = insn_decode_store32(b, n, mode, &st);
	free(b);
	return why ? why : "(decoded)";
}

static void expect_longer(const char *why, size_t n)
{
	if (strcmp(why, LONGER) != 0) {
		fprintf(stderr, "n = %zu: got \"%s\"\n", n, why);
		failures++;
	}
}

/* 1..15 segment-override prefixes (3E), in every mode. */
static void test_prefixes_only(void)
{
	for (size_t n = 1; n <= INSN_MAX_LEN; n++) {
		expect_longer(decode(0x3E, n, 0, INSN_MODE_64), n);
		expect_longer(decode(0x3E, n, 0, INSN_MODE_32), n);
		expect_longer(decode(0x3E, n, 0, INSN_MODE_16), n);
	}
}

/* Prefixes then a REX as the last byte given: nothing after it. */
static void test_rex_last(void)
{
	for (size_t n = 1; n <= INSN_MAX_LEN; n++)
		expect_longer(decode(0x3E, n, 0x41, INSN_MODE_64), n);
}

static const struct test_case tests[] = {
	{ "prefixes_only", test_prefixes_only },
	{ "rex_last", test_rex_last },
};

TEST_MAIN("test_insn_edges", tests)
