/*
 * The host unit tests of x86 boot code (test_place.c, test_pciwin.c): one
 * check of a value, printed when it differs; main returns failures != 0.
 */
#ifndef X86_TESTS_EXPECT_H
#define X86_TESTS_EXPECT_H

#include <stdint.h>
#include <stdio.h>

static int failures;

static inline void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		printf("FAIL %s: got 0x%llx, want 0x%llx\n", what, (unsigned long long)got,
		       (unsigned long long)want);
		failures++;
	}
}

#endif /* X86_TESTS_EXPECT_H */
