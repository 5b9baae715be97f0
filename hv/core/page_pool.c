/*
 * The hypervisor's page pool: a bitmap allocator over one reserved range.
 * Next fit: the search starts at the page after the last one allocated
 * and wraps; it reads the bitmap a 64-bit word at a time.
 */
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/page.h>
#include <hv/spinlock.h>
#include <hv/string.h>

static struct {
	struct hv_spinlock lock;
	uint64_t base;
	uint64_t pages;
	uint64_t free;
	uint64_t hint;
	uint64_t used[HV_POOL_MAX_PAGES / 64];
} pool;

int page_pool_init(uint64_t spa, uint64_t len)
{
	if ((spa & ~HV_PAGE_MASK) || len < HV_PAGE_SIZE)
		return -1;
	pool.base = spa;
	pool.pages = len / HV_PAGE_SIZE;
	if (pool.pages > HV_POOL_MAX_PAGES)
		pool.pages = HV_POOL_MAX_PAGES;
	if (!arch_spa_to_hva(spa, pool.pages * HV_PAGE_SIZE))
		return -1;
	pool.free = pool.pages;
	pool.hint = 0;
	hv_memset(pool.used, 0, sizeof(pool.used));
	return 0;
}

/* The first free page in [from, end) (end <= pool.pages), or end. */
static uint64_t pool_find_free(uint64_t from, uint64_t end)
{
	for (uint64_t i = from; i < end; i = (i | 63) + 1) {
		uint64_t w = ~pool.used[i / 64] & (~0ull << (i % 64));
		if (w) {
			uint64_t f = (i & ~63ull) + (uint64_t)__builtin_ctzll(w);
			return f < end ? f : end;
		}
	}
	return end;
}

uint64_t page_alloc(void)
{
	uint64_t spa = 0;

	hv_spin_lock(&pool.lock);
	if (pool.free) {
		uint64_t hint = pool.hint < pool.pages ? pool.hint : 0;
		uint64_t i = pool_find_free(hint, pool.pages);
		if (i == pool.pages) { /* wrap around */
			i = pool_find_free(0, hint);
			if (i == hint)
				i = pool.pages; /* none: the free count says otherwise */
		}
		if (i < pool.pages) {
			pool.used[i / 64] |= 1ull << (i % 64);
			pool.free--;
			pool.hint = i + 1;
			spa = pool.base + i * HV_PAGE_SIZE;
		}
	}
	hv_spin_unlock(&pool.lock);
	if (spa)
		hv_memset(page_hva(spa), 0, HV_PAGE_SIZE);
	return spa;
}

void page_free(uint64_t spa)
{
	uint64_t i = (spa - pool.base) / HV_PAGE_SIZE;

	if (spa < pool.base || i >= pool.pages || (spa & ~HV_PAGE_MASK))
		hv_panic("page_free of 0x%llx outside the pool", (unsigned long long)spa);
	hv_spin_lock(&pool.lock);
	if (!(pool.used[i / 64] & (1ull << (i % 64)))) {
		hv_spin_unlock(&pool.lock);
		hv_panic("double page_free of 0x%llx", (unsigned long long)spa);
	}
	pool.used[i / 64] &= ~(1ull << (i % 64));
	pool.free++;
	hv_spin_unlock(&pool.lock);
}

uint64_t page_free_count(void)
{
	return pool.free;
}

uint64_t page_total_count(void)
{
	return pool.pages;
}

void *page_hva(uint64_t spa)
{
	return arch_spa_to_hva(spa, HV_PAGE_SIZE);
}
