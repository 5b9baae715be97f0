/*
 * The root domain's AMD IOMMU I/O page table: 4 levels (48-bit I/O virtual
 * addresses, DTE Mode 4), 4 KiB leaves, mirroring the root VM's
 * second-level map (IOVA = the root's GPA).  Tables come from the page pool
 * and are filled with AMDVI_PTE_ABSENT; they are never freed (the root's
 * domain lives as long as the hypervisor, and a table page reused before
 * the IOTLB invalidation could otherwise be walked by a device).
 * The callers (iommu.c, from common/sl_table.c) are serialized by the core.
 */
#include "amdvi.h"

static uint64_t root_table;

uint64_t amdvi_pt_root(void)
{
	return root_table;
}

static uint64_t table_new(void)
{
	uint64_t pa = page_alloc();

	if (pa) {
		uint64_t *t = page_hva(pa);
		for (unsigned i = 0; i < 512; i++)
			t[i] = AMDVI_PTE_ABSENT;
	}
	return pa;
}

static unsigned idx(uint64_t iova, int level)
{
	return (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
}

/* The level-1 entry of `iova`, allocating the tables on the way when
 * `alloc`; NULL when absent (or the pool is exhausted). */
static uint64_t *leaf_entry(uint64_t iova, bool alloc)
{
	if (!root_table && (!alloc || !(root_table = table_new())))
		return NULL;
	uint64_t *t = page_hva(root_table);
	for (int level = AMDVI_LEVELS; level > 1; level--) {
		uint64_t *e = &t[idx(iova, level)];
		if (!(*e & AMDVI_PTE_PR)) {
			uint64_t pa = alloc ? table_new() : 0;
			if (!pa)
				return NULL;
			*e = pa | AMDVI_PTE_PR | ((uint64_t)(level - 1) << AMDVI_PTE_NEXT_SHIFT) |
			     AMDVI_PTE_IR | AMDVI_PTE_IW;
		}
		t = page_hva(*e & AMDVI_PTE_ADDR);
	}
	return &t[idx(iova, 1)];
}

int amdvi_pt_map(uint64_t iova, uint64_t spa, bool read, bool write)
{
	if (!read && !write) {
		amdvi_pt_unmap(iova);
		return 0;
	}
	uint64_t *e = leaf_entry(iova, true);
	if (!e)
		return -1;
	*e = (spa & AMDVI_PTE_ADDR) | AMDVI_PTE_PR | (read ? AMDVI_PTE_IR : 0) |
	     (write ? AMDVI_PTE_IW : 0);
	return 0;
}

void amdvi_pt_unmap(uint64_t iova)
{
	uint64_t *e = leaf_entry(iova, false);

	if (e)
		*e = AMDVI_PTE_ABSENT;
}
