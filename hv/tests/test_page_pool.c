/*
 * The page pool's allocator (page_pool.c) against a model: the former
 * bit-by-bit next-fit search (from the page after the last allocation,
 * wrapping), over pool sizes around the bitmap's 64-bit words and random
 * alloc/free sequences; exhaustion answers 0, every page comes zeroed.
 * `test_page_pool NAME`.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/page.h>

#include "fake_arch.h"
#include "test_main.h"

#define MAX_PAGES 200

static bool model_used[MAX_PAGES];
static uint64_t model_hint, model_pages;

/* The reference: the allocator as it was, one bit at a time. */
static int64_t model_alloc(void)
{
	for (uint64_t n = 0; n < model_pages; n++) {
		uint64_t i = (model_hint + n) % model_pages;
		if (!model_used[i]) {
			model_used[i] = true;
			model_hint = i + 1;
			return (int64_t)i;
		}
	}
	return -1;
}

static void run(uint64_t pages, unsigned seed)
{
	const uint64_t base = 0x100000;

	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	memset(model_used, 0, sizeof(model_used));
	model_hint = 0;
	model_pages = pages;
	EXPECT_EQ(page_pool_init(base, pages * HV_PAGE_SIZE), 0);
	srand(seed);
	for (int step = 0; step < 4000; step++) {
		if (rand() % 3) {
			int64_t want = model_alloc();
			uint64_t got = page_alloc();
			EXPECT_EQ(got, want < 0 ? 0 : base + (uint64_t)want * HV_PAGE_SIZE);
			if (got) {
				unsigned char *p = page_hva(got);
				for (size_t k = 0; k < HV_PAGE_SIZE; k++)
					if (p[k]) {
						EXPECT_EQ(p[k], 0);
						break;
					}
				memset(p, 0xA5, HV_PAGE_SIZE); /* dirty: the next user gets it zeroed */
			}
		} else {
			uint64_t i = (uint64_t)rand() % pages;
			if (model_used[i]) {
				model_used[i] = false;
				page_free(base + i * HV_PAGE_SIZE);
			}
		}
		uint64_t used = 0;
		for (uint64_t i = 0; i < pages; i++)
			used += model_used[i];
		EXPECT_EQ(page_free_count(), pages - used);
		if (failures)
			return;
	}
}

static void test_next_fit(void)
{
	static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 200 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (unsigned seed = 1; seed <= 3; seed++)
			run(sizes[s], seed);
}

/* Exhaustion, then one free page just behind the hint: found by the wrap. */
static void test_wrap(void)
{
	const uint64_t base = 0x100000, pages = 130;

	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	EXPECT_EQ(page_pool_init(base, pages * HV_PAGE_SIZE), 0);
	for (uint64_t i = 0; i < pages; i++)
		EXPECT_EQ(page_alloc(), base + i * HV_PAGE_SIZE);
	EXPECT_EQ(page_alloc(), 0);
	for (uint64_t i = pages; i-- > 0;) {
		page_free(base + i * HV_PAGE_SIZE);
		EXPECT_EQ(page_alloc(), base + i * HV_PAGE_SIZE);
		EXPECT_EQ(page_alloc(), 0);
	}
}

static const struct test_case tests[] = {
	{ "next_fit", test_next_fit },
	{ "wrap", test_wrap },
};

TEST_MAIN("test_page_pool", tests)
