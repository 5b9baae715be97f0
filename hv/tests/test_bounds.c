/*
 * The core's tables and bitmaps driven at their first invalid index (issue
 * 17's one-past-the-end survivors).  Under the plain build a read one past
 * an array often returns a harmless value and the result does not change;
 * the ASan+UBSan build of this file (asan.bounds.*) reports the read itself:
 *   - page_alloc's bitmap scan (page_pool.c) in a pool of HV_POOL_MAX_PAGES
 *     pages: the scan from the hint reaches the pool's end with the free
 *     page below the hint, and reads no bitmap word past the last one;
 *   - the GPA radix tree (mm_tree.c) at its first and last GFN and at
 *     MM_GFN_LIMIT: the last GFN's path is a path of its own (not GFN 0's),
 *     the walk at the limit finds nothing, the next-slot search and the
 *     node count see both paths;
 * (vm_get and pp_get at the first index past their tables: test_core
 * table_bounds.)
 * `test_bounds NAME`.
 */
#include <stdlib.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/page.h>

#include "fake_arch.h"
#include "mm_int.h"
#include "test_main.h"

#define PAGE 0x1000ull
/* A pool of HV_POOL_MAX_PAGES pages at this SPA, outside the fake memory:
 * arch_spa_to_hva (wrapped) hands every page of it the same scratch page, so
 * filling the pool costs 4 KiB, not 256 MiB (page_alloc only zeroes a page). */
#define BIG_POOL_SPA (1ull << 32)
#define BIG_POOL_LEN ((uint64_t)HV_POOL_MAX_PAGES * PAGE)

static uint8_t scratch[PAGE] __attribute__((aligned(4096)));

void *__real_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (spa >= BIG_POOL_SPA && spa - BIG_POOL_SPA < BIG_POOL_LEN &&
	    len <= BIG_POOL_LEN - (spa - BIG_POOL_SPA))
		return scratch; /* page_pool_init only asks whether the whole range is reachable */
	return __real_arch_spa_to_hva(spa, len);
}

static uint64_t big_page(uint64_t i)
{
	return BIG_POOL_SPA + i * PAGE;
}

/* Fill the largest pool, free page 5 (taken again: the hint moves to 6,
 * every page from there to the end in use), free page 2: the next scan runs
 * from 6 to the pool's end, the last bitmap word included and nothing past
 * it, and wraps to page 2. */
static void test_page_alloc_end(void)
{
	EXPECT_EQ(page_pool_init(BIG_POOL_SPA, BIG_POOL_LEN), 0);
	EXPECT_EQ(page_total_count(), HV_POOL_MAX_PAGES);
	for (uint64_t i = 0; i < HV_POOL_MAX_PAGES; i++)
		if (page_alloc() != big_page(i)) {
			EXPECT_EQ(page_free_count(), HV_POOL_MAX_PAGES - i); /* says which */
			return;
		}
	EXPECT_EQ(page_free_count(), 0);
	EXPECT_EQ(page_alloc(), 0);
	page_free(big_page(5));
	EXPECT_EQ(page_alloc(), big_page(5));
	page_free(big_page(2));
	EXPECT_EQ(page_alloc(), big_page(2));
	EXPECT_EQ(page_alloc(), 0);
	/* the last page alone free: the scan from the hint (3) finds it in the
	 * last word */
	page_free(big_page(HV_POOL_MAX_PAGES - 1));
	EXPECT_EQ(page_alloc(), big_page(HV_POOL_MAX_PAGES - 1));
	EXPECT_EQ(page_free_count(), 0);
}

/* GFN 0 and the last GFN (MM_GFN_LIMIT - 1): two separate paths of four
 * nodes below one top node; MM_GFN_LIMIT itself is outside the tree (its
 * index bits would name GFN 0's path). */
static void test_mm_tree_ends(void)
{
	fake_boot_default();
	struct mm_tree t = { 0, 0 };
	const uint64_t last = MM_GFN_LIMIT - 1;
	uint64_t g = 0, before = page_free_count();

	EXPECT_EQ(mm_tree_reserve(&t, 0), 0);
	EXPECT_EQ(mm_tree_reserve(&t, last), 0);
	EXPECT_EQ(mm_tree_pages(&t), 7);
	EXPECT_EQ(before - page_free_count(), 7);
	mm_tree_set(&t, 0, (struct mm_slot){ 0x11, 0x22 });
	mm_tree_set(&t, last, (struct mm_slot){ 0x33, 0x44 });
	struct mm_slot *s0 = mm_tree_find(&t, 0), *sl = mm_tree_find(&t, last);
	EXPECT_TRUE(s0 && s0->w0 == 0x11 && s0->w1 == 0x22);
	EXPECT_TRUE(sl && sl->w0 == 0x33 && sl->w1 == 0x44);
	EXPECT_TRUE(mm_tree_find(&t, MM_GFN_LIMIT) == NULL);
	EXPECT_TRUE(mm_tree_find(&t, MM_GFN_LIMIT + 1) == NULL);
	EXPECT_TRUE(mm_tree_next(&t, 0, &g) && g == 0);
	EXPECT_TRUE(mm_tree_next(&t, 1, &g) && g == last);
	EXPECT_TRUE(mm_tree_next(&t, last, &g) && g == last);
	EXPECT_TRUE(!mm_tree_next(&t, MM_GFN_LIMIT, &g));
	mm_tree_set(&t, 0, (struct mm_slot){ 0, 0 });
	mm_tree_prune(&t, 0);
	EXPECT_EQ(mm_tree_pages(&t), 4);
	mm_tree_set(&t, last, (struct mm_slot){ 0, 0 });
	mm_tree_prune(&t, last);
	EXPECT_EQ(mm_tree_pages(&t), 0);
	EXPECT_EQ(page_free_count(), before);
}

static const struct test_case tests[] = {
	{ "page_alloc_end", test_page_alloc_end },
	{ "mm_tree_ends", test_mm_tree_ends },
};

TEST_MAIN("test_bounds", tests)
