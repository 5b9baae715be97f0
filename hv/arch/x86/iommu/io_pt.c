/*
 * The root DMA domain's I/O page table, for both IOMMU drivers (io_pt.h):
 * the walk, 2 MiB leaves and their split, map and unmap.  Tables come from
 * the page pool and are never freed (the root's domain lives as long as
 * the hypervisor, and a table page reused before the IOTLB invalidation
 * could otherwise be walked by a device).  A split needs no invalidation of
 * its own: the device may use the old 2 MiB or the new 4 KiB translations,
 * which are the same; the unmap that follows it is flushed with the rest
 * (iommu_root_flush, a domain-wide invalidation that covers large pages).
 * The callers (iommu.c, from common/sl_table.c) are serialized by the core.
 */
#include "io_pt.h"

static uint64_t table_new(const struct io_pt_fmt *f)
{
	uint64_t pa = page_alloc();

	if (pa) {
		uint64_t *t = page_hva(pa);
		for (unsigned i = 0; i < 512; i++)
			t[i] = f->absent;
	}
	return pa;
}

static unsigned idx(uint64_t iova, int level)
{
	return (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
}

static bool present(const struct io_pt_fmt *f, uint64_t e)
{
	return (e & f->present) != 0;
}

/* A present entry of `level` that is a 2 MiB leaf (1 GiB leaves are never made). */
static bool large(const struct io_pt_fmt *f, uint64_t e, int level)
{
	return level == 2 && (e & f->large_mask) == f->large_is;
}

static uint64_t table_entry(const struct io_pt_fmt *f, uint64_t pa, int level)
{
	return pa | f->table | (f->next_shift ? (uint64_t)(level - 1) << f->next_shift : 0);
}

static uint64_t perms(const struct io_pt_fmt *f, bool read, bool write)
{
	return (read ? f->read : 0) | (write ? f->write : 0);
}

static int split(struct io_pt *pt, uint64_t *pde)
{
	const struct io_pt_fmt *f = pt->fmt;
	uint64_t pa = page_alloc();

	if (!pa)
		return -1;
	uint64_t *t = page_hva(pa), base = *pde & IO_PT_ADDR;
	uint64_t bits = f->leaf | (*pde & (f->read | f->write));
	for (unsigned i = 0; i < 512; i++)
		t[i] = (base + (uint64_t)i * HV_PAGE_SIZE) | bits;
	/* One 64-bit store: a walk by the IOMMU sees the leaf or the table. */
	__atomic_store_n(pde, table_entry(f, pa, 2), __ATOMIC_RELEASE);
	pt->leaves_2m--;
	pt->leaves_4k += 512;
	return 0;
}

/* The entry of `iova` in the table of level `stop` (that table's address in
 * *table_pa).  Absent tables are allocated when `alloc` (else NULL); a
 * 2 MiB leaf above `stop` is split (NULL when the pool is exhausted,
 * nothing changed then). */
static uint64_t *walk(struct io_pt *pt, uint64_t iova, int stop, bool alloc, uint64_t *table_pa)
{
	const struct io_pt_fmt *f = pt->fmt;

	if (!pt->root && (!alloc || !(pt->root = table_new(f))))
		return NULL;
	uint64_t pa = pt->root, *t = page_hva(pa);
	for (int level = IO_PT_LEVELS; level > stop; level--) {
		uint64_t *e = &t[idx(iova, level)];
		if (!present(f, *e)) {
			uint64_t next = alloc ? table_new(f) : 0;
			if (!next)
				return NULL;
			*e = table_entry(f, next, level);
		} else if (large(f, *e, level) && split(pt, e)) {
			return NULL;
		}
		t = page_hva(pa = *e & IO_PT_ADDR);
	}
	if (table_pa)
		*table_pa = pa;
	return &t[idx(iova, stop)];
}

uint64_t io_pt_table(struct io_pt *pt, uint64_t iova, int level)
{
	uint64_t pa;

	return walk(pt, iova, level, true, &pa) ? pa : 0;
}

int io_pt_map(struct io_pt *pt, uint64_t iova, uint64_t spa, bool read, bool write)
{
	if (!read && !write) {
		io_pt_unmap(pt, iova);
		return 0;
	}
	uint64_t *e = walk(pt, iova, 1, true, NULL);
	if (!e)
		return -1;
	pt->leaves_4k += !present(pt->fmt, *e);
	*e = (spa & IO_PT_ADDR) | pt->fmt->leaf | perms(pt->fmt, read, write);
	return 0;
}

int io_pt_map_2m(struct io_pt *pt, uint64_t iova, uint64_t spa, bool read, bool write)
{
	if (((iova | spa) & (IO_PT_2M - 1)) || (!read && !write))
		return -1;
	if (!pt->use_2m) {
		for (uint64_t off = 0; off < IO_PT_2M; off += HV_PAGE_SIZE)
			if (io_pt_map(pt, iova + off, spa + off, read, write)) {
				while (off)
					io_pt_unmap(pt, iova + (off -= HV_PAGE_SIZE));
				return -1;
			}
		return 0;
	}
	uint64_t *e = walk(pt, iova, 2, true, NULL);
	if (!e || present(pt->fmt, *e))
		return -1; /* no memory, or some of it is mapped already */
	*e = spa | pt->fmt->leaf_2m | perms(pt->fmt, read, write);
	pt->leaves_2m++;
	return 0;
}

int io_pt_split(struct io_pt *pt, uint64_t iova)
{
	const struct io_pt_fmt *f = pt->fmt;

	if (!pt->root)
		return 0;
	uint64_t *t = page_hva(pt->root);
	for (int level = IO_PT_LEVELS; level > 2; level--) {
		uint64_t e = t[idx(iova, level)];
		if (!present(f, e))
			return 0;
		t = page_hva(e & IO_PT_ADDR);
	}
	uint64_t *pde = &t[idx(iova, 2)];
	return present(f, *pde) && large(f, *pde, 2) ? split(pt, pde) : 0;
}

void io_pt_unmap(struct io_pt *pt, uint64_t iova)
{
	if (io_pt_split(pt, iova))
		hv_panic("iommu: unmap of iova 0x%llx in an unsplit 2 MiB leaf, no memory",
			 (unsigned long long)iova);
	uint64_t *e = walk(pt, iova, 1, false, NULL);

	if (e && present(pt->fmt, *e)) {
		*e = pt->fmt->absent;
		pt->leaves_4k--;
	}
}
