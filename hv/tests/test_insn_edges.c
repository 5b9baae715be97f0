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

/* Each form whole (decoded, its length), and cut after every byte
 * (refused): ModRM, SIB, displacements, an immediate, moffs. */
static void test_truncated(void)
{
	static const struct {
		const char *b;
		size_t n;
		enum insn_mode mode;
	} forms[] = {
		{ "\x89\x07", 2, INSN_MODE_64 },                         /* mov [rdi], eax */
		{ "\x44\x89\x47\x10", 4, INSN_MODE_64 },                 /* disp8, REX.R */
		{ "\x89\x87\x00\x01\x00\x00", 6, INSN_MODE_32 },         /* disp32 */
		{ "\x89\x04\x25\x00\x03\xe0\xfe", 7, INSN_MODE_64 },    /* SIB, disp32 */
		{ "\xc7\x07\x11\x22\x33\x44", 6, INSN_MODE_32 },         /* imm32 */
		{ "\xa3\x80\x00\xe0\xfe", 5, INSN_MODE_32 },             /* moffs32 */
		{ "\xa3\x80\x00\xe0\xfe\x00\x00\x00\x00", 9, INSN_MODE_64 }, /* moffs64 */
		{ "\x3e\x89\x07", 3, INSN_MODE_32 },                     /* a prefix */
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		for (size_t n = 1; n <= forms[f].n; n++) {
			uint8_t *b = malloc(n);
			struct insn_store st = { 0 };
			const char *why;

			memcpy(b, forms[f].b, n);
			why = insn_decode_store32(b, n, forms[f].mode, &st);
			free(b);
			if (n < forms[f].n && !why) {
				fprintf(stderr, "form %zu cut to %zu bytes: decoded\n", f, n);
				failures++;
			}
			if (n == forms[f].n && (why || st.len != n)) {
				fprintf(stderr, "form %zu whole: %s, length %u\n", f,
					why ? why : "decoded", st.len);
				failures++;
			}
		}
	}
}

static const struct test_case tests[] = {
	{ "prefixes_only", test_prefixes_only },
	{ "rex_last", test_rex_last },
	{ "truncated", test_truncated },
};

TEST_MAIN("test_insn_edges", tests)
