/*
 * The per-VM GPA radix tree (mm_int.h): GFN -> 16-byte slot, in pool pages.
 *
 * GFN bits 34..26 index the top node, 25..17 an L2 node, 16..8 an L1 node
 * (512 pointer entries each), 7..0 a leaf of 256 slots.  A pointer entry is
 * the child's SPA | the number of non-empty entries of the child; the top
 * node's count lives in struct mm_tree.
 */
#include <hv/log.h>
#include <hv/page.h>

#include "mm_int.h"

#define MM_CNT_MASK (~HV_PAGE_MASK)
#define MM_LEAF_SLOTS 256u

static const unsigned mm_tree_shift[3] = { 26, 17, 8 };

static uint64_t *mm_tree_node(uint64_t spa)
{
	uint64_t *p = page_hva(spa);

	if (!p)
		hv_panic("mm: tree node 0x%llx not reachable", (unsigned long long)spa);
	return p;
}

static uint64_t *mm_tree_entry(uint64_t node, unsigned level, uint64_t gfn)
{
	return &mm_tree_node(node)[(gfn >> mm_tree_shift[level]) & 0x1FF];
}

/* Fill ptr[] with the pointer entries on gfn's path; returns how many of
 * them point to a child (3: the leaf exists). */
static unsigned mm_tree_walk(const struct mm_tree *t, uint64_t gfn, uint64_t *ptr[3])
{
	uint64_t node = t->top;

	if (!node || gfn >= MM_GFN_LIMIT)
		return 0;
	for (unsigned l = 0; l < 3; l++) {
		ptr[l] = mm_tree_entry(node, l, gfn);
		node = *ptr[l] & HV_PAGE_MASK;
		if (!node)
			return l;
	}
	return 3;
}

struct mm_slot *mm_tree_find(const struct mm_tree *t, uint64_t gfn)
{
	uint64_t *ptr[3];

	if (mm_tree_walk(t, gfn, ptr) != 3)
		return NULL;
	return (struct mm_slot *)mm_tree_node(*ptr[2] & HV_PAGE_MASK) + (gfn & (MM_LEAF_SLOTS - 1));
}

int mm_tree_reserve(struct mm_tree *t, uint64_t gfn)
{
	HV_ASSERT(gfn < MM_GFN_LIMIT);
	if (!t->top) {
		t->top = page_alloc();
		t->count = 0;
		if (!t->top)
			return -1;
	}
	uint64_t node = t->top, *parent = NULL;
	for (unsigned l = 0; l < 3; l++) {
		uint64_t *e = mm_tree_entry(node, l, gfn);
		if (!(*e & HV_PAGE_MASK)) {
			uint64_t child = page_alloc();
			if (!child)
				return -1;
			*e = child;
			if (parent)
				*parent += 1;
			else
				t->count++;
		}
		parent = e;
		node = *e & HV_PAGE_MASK;
	}
	return 0;
}

void mm_tree_set(struct mm_tree *t, uint64_t gfn, struct mm_slot s)
{
	uint64_t *ptr[3];

	if (mm_tree_walk(t, gfn, ptr) != 3)
		hv_panic("mm: set of gfn 0x%llx without a reserved path", (unsigned long long)gfn);
	struct mm_slot *slot =
		(struct mm_slot *)mm_tree_node(*ptr[2] & HV_PAGE_MASK) + (gfn & (MM_LEAF_SLOTS - 1));
	bool was = slot->w0 | slot->w1, now = s.w0 | s.w1;
	*slot = s;
	if (was && !now)
		*ptr[2] -= 1;
	else if (!was && now)
		*ptr[2] += 1;
}

void mm_tree_prune(struct mm_tree *t, uint64_t gfn)
{
	uint64_t *ptr[3];

	if (!t->top)
		return;
	unsigned depth = mm_tree_walk(t, gfn, ptr);
	while (depth > 0) {
		uint64_t *e = ptr[depth - 1];
		if (*e & MM_CNT_MASK)
			break;
		page_free(*e & HV_PAGE_MASK);
		*e = 0;
		if (depth > 1)
			*ptr[depth - 2] -= 1;
		else
			t->count--;
		depth--;
	}
	if (t->count == 0) {
		page_free(t->top);
		t->top = 0;
	}
}

static bool mm_tree_next_in(uint64_t node, unsigned level, uint64_t base, uint64_t from,
			    uint64_t *gfn)
{
	if (level == 3) {
		const struct mm_slot *s = (const struct mm_slot *)mm_tree_node(node);
		for (uint64_t i = from > base ? from - base : 0; i < MM_LEAF_SLOTS; i++) {
			if (s[i].w0 | s[i].w1) {
				*gfn = base + i;
				return true;
			}
		}
		return false;
	}
	const uint64_t *e = mm_tree_node(node);
	unsigned sh = mm_tree_shift[level];
	for (uint64_t i = from > base ? (from - base) >> sh : 0; i < 512; i++) {
		if ((e[i] & HV_PAGE_MASK) &&
		    mm_tree_next_in(e[i] & HV_PAGE_MASK, level + 1, base + (i << sh), from, gfn))
			return true;
	}
	return false;
}

bool mm_tree_next(const struct mm_tree *t, uint64_t from, uint64_t *gfn)
{
	if (!t->top || from >= MM_GFN_LIMIT)
		return false;
	return mm_tree_next_in(t->top, 0, 0, from, gfn);
}

static uint64_t mm_tree_pages_in(uint64_t node, unsigned level)
{
	uint64_t n = 1;

	if (level == 3)
		return 1;
	const uint64_t *e = mm_tree_node(node);
	for (unsigned i = 0; i < 512; i++)
		if (e[i] & HV_PAGE_MASK)
			n += mm_tree_pages_in(e[i] & HV_PAGE_MASK, level + 1);
	return n;
}

uint64_t mm_tree_pages(const struct mm_tree *t)
{
	return t->top ? mm_tree_pages_in(t->top, 0) : 0;
}
