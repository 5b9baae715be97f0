/*
 * A cheaper guest store for the statically linked Unicorn 2.0.1: the page
 * collection of its store slow path is recycled instead of built and freed
 * on every guest store (docs/performance.md "mvsim, stop 13").
 *
 * Unicorn 2.0.1 sends every guest store to RAM through notdirty_write
 * (qemu/accel/tcg/cputlb.c: its cpu_physical_memory_is_clean() is `return
 * true`), which calls page_collection_lock, tb_invalidate_phys_page_fast
 * and page_collection_unlock (qemu/accel/tcg/translate-all.c).  The
 * collection exists in QEMU to lock the pages of the TBs a store may
 * invalidate; Unicorn compiles that locking out (`#if 0` in
 * page_collection_lock and page_trylock_add, page_lock/page_unlock empty
 * without CONFIG_DEBUG_TCG), so a collection is only a g_malloc'ed set and a
 * GTree of page entries that nothing reads: tb_invalidate_phys_page_fast
 * finds the page's TBs itself (page_find) and passes the collection on only
 * to page_collection_unlock, before it leaves a TB that the store modified
 * (cpu_loop_exit_noexc).  Building and freeing it was about a quarter of a
 * light probe's host instructions (two mallocs, a tree, a page walk per
 * guest store).
 *
 * mvsim links with -Wl,--wrap for the two functions (unicorn/CMakeLists.txt),
 * which redirects only cputlb.c's calls, notdirty_write's: translate-all.c's
 * own calls keep the real functions.  The lock wrapper hands out the
 * thread's spare collection, a real one made by the real
 * page_collection_lock, and the unlock wrapper keeps it as the spare instead
 * of freeing it.  A store that modified the running TB frees the collection
 * it was given through the real page_collection_unlock inside
 * translate-all.c and never reaches the wrapper: the spare was taken at
 * lock time, so the next store makes a new one.  Which TBs a store
 * invalidates is decided exactly as before (sim.guest_vm_exits: code the
 * guest rewrites and code the root writes run as rewritten).
 */
#include <stddef.h>
#include <stdint.h>

struct uc_struct;
struct page_collection;

struct page_collection *__real_page_collection_lock_x86_64(struct uc_struct *uc, uint64_t start,
							    uint64_t end);
void __real_page_collection_unlock_x86_64(struct page_collection *set);
struct page_collection *__wrap_page_collection_lock_x86_64(struct uc_struct *uc, uint64_t start,
							    uint64_t end);
void __wrap_page_collection_unlock_x86_64(struct page_collection *set);

/* Each PP thread stores through its own engines, one store at a time. */
static __thread struct page_collection *spare;

struct page_collection *__wrap_page_collection_lock_x86_64(struct uc_struct *uc, uint64_t start,
							    uint64_t end)
{
	struct page_collection *set = spare;

	if (!set)
		return __real_page_collection_lock_x86_64(uc, start, end);
	spare = NULL;
	return set;
}

void __wrap_page_collection_unlock_x86_64(struct page_collection *set)
{
	if (!spare)
		spare = set;
	else
		__real_page_collection_unlock_x86_64(set);
}
