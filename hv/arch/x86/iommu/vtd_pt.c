/*
 * The root domain's Intel VT-d second-level page table: 4 levels (48-bit
 * IOVAs), 4 KiB leaves, mirroring the root VM's second-level map (IOVA =
 * the root's GPA).  Tables come from the page pool, zeroed (not present);
 * they are never freed (the root's domain lives as long as the hypervisor,
 * and a table page reused before the IOTLB invalidation could otherwise be
 * walked by a device).  The callers (iommu.c, from common/sl_table.c) are
 * serialized by the core.
 */
#include "vtd.h"

#define LEVELS 4

static uint64_t root_table;

static uint64_t table_new(void)
{
	uint64_t pa = page_alloc();

	if (pa)
		hv_memset(page_hva(pa), 0, 4096);
	return pa;
}

static unsigned idx(uint64_t iova, int level)
{
	return (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
}

/* The entry of `iova` in the table of `stop_level`, allocating the tables
 * on the way when `alloc`; NULL when absent (or the pool is exhausted). */
static uint64_t *entry_at(uint64_t iova, int stop_level, bool alloc)
{
	if (!root_table && (!alloc || !(root_table = table_new())))
		return NULL;
	uint64_t *t = page_hva(root_table);
	for (int level = LEVELS; level > stop_level; level--) {
		uint64_t *e = &t[idx(iova, level)];
		if (!(*e & (VTD_SL_R | VTD_SL_W))) {
			uint64_t pa = alloc ? table_new() : 0;
			if (!pa)
				return NULL;
			*e = pa | VTD_SL_R | VTD_SL_W;
		}
		t = page_hva(*e & VTD_SL_ADDR);
	}
	return &t[idx(iova, stop_level)];
}

uint64_t vtd_pt_top(int levels)
{
	if (levels == LEVELS)
		return root_table;
	uint64_t *e = entry_at(0, LEVELS, true);
	if (!e)
		return 0;
	if (!(*e & (VTD_SL_R | VTD_SL_W))) {
		uint64_t pa = table_new();
		if (!pa)
			return 0;
		*e = pa | VTD_SL_R | VTD_SL_W;
	}
	return *e & VTD_SL_ADDR;
}

int vtd_pt_map(uint64_t iova, uint64_t spa, bool read, bool write)
{
	if (!read && !write) {
		vtd_pt_unmap(iova);
		return 0;
	}
	uint64_t *e = entry_at(iova, 1, true);
	if (!e)
		return -1;
	*e = (spa & VTD_SL_ADDR) | (read ? VTD_SL_R : 0) | (write ? VTD_SL_W : 0);
	return 0;
}

void vtd_pt_unmap(uint64_t iova)
{
	uint64_t *e = entry_at(iova, 1, false);

	if (e)
		*e = 0;
}
