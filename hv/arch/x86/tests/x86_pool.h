/*
 * The host unit tests of the x86 page tables (test_sl_table.c, test_io_pt.c):
 * EXPECT (a failed condition printed; main returns failures != 0) and a
 * page pool of POOL static pages standing in for the core's (page_alloc
 * fails while fail_alloc > 0; a new page is filled with pool_fill_byte).
 * Included by one file of each test program.
 */
#ifndef X86_TESTS_POOL_H
#define X86_TESTS_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define EXPECT(c)                                                                       \
	do {                                                                            \
		if (!(c)) {                                                             \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);              \
			failures++;                                                     \
		}                                                                       \
	} while (0)

#define POOL 64
static uint8_t pool[POOL][4096] __attribute__((aligned(4096)));
static bool used[POOL];
static int fail_alloc;         /* page_alloc fails while > 0 */
static uint8_t pool_fill_byte; /* what a new page holds */

uint64_t page_alloc(void)
{
	if (fail_alloc > 0)
		return 0;
	for (unsigned i = 0; i < POOL; i++)
		if (!used[i]) {
			used[i] = true;
			memset(pool[i], pool_fill_byte, 4096);
			return (uint64_t)(uintptr_t)pool[i];
		}
	return 0;
}

void page_free(uint64_t pa)
{
	used[((uint8_t(*)[4096])(uintptr_t)pa) - pool] = false;
}

void *page_hva(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline unsigned pool_used(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < POOL; i++)
		n += used[i];
	return n;
}

#endif /* X86_TESTS_POOL_H */
