/*
 * The IOMMU drivers' shared I/O page table (iommu/io_pt.c): the root DMA
 * domain's 4-level table, IOVA = the root's GPA, with 2 MiB leaves where
 * the root's second-level map has them and the hardware allows them,
 * split into 512 4 KiB leaves on the first change of a page inside.  Only
 * the entry format differs between the AMD IOMMU (amdvi_pt.c) and Intel
 * VT-d (vtd_pt.c); each describes it as a struct io_pt_fmt.
 */
#ifndef X86_IOMMU_IO_PT_H
#define X86_IOMMU_IO_PT_H

#include <hv/arch/core.h>

#define IO_PT_LEVELS 4 /* 48-bit IOVAs; level 1 holds the 4 KiB leaves */
#define IO_PT_ADDR 0x000FFFFFFFFFF000ull
#define IO_PT_2M 0x200000ull

struct io_pt_fmt {
	uint64_t absent;      /* a not-present entry (every entry of a new table) */
	uint64_t present;     /* an entry with any of these bits set is present */
	uint64_t read, write; /* a leaf's permission bits */
	uint64_t leaf;        /* the other bits of a 4 KiB leaf (level 1) */
	uint64_t leaf_2m;     /* the other bits of a 2 MiB leaf (level 2) */
	/* A present level-2 entry e is a 2 MiB leaf when (e & large_mask) == large_is. */
	uint64_t large_mask, large_is;
	/* A table entry of level L: table address | table | (L - 1) << next_shift
	 * (next_shift 0: no next-level field). */
	uint64_t table;
	unsigned next_shift;
};

struct io_pt {
	const struct io_pt_fmt *fmt;
	uint64_t root;      /* the level-4 table (0: none yet) */
	bool use_2m;        /* map_2m makes one 2 MiB leaf (else 512 pages) */
	uint32_t leaves_2m; /* 2 MiB and 4 KiB leaves present now (the boot log) */
	uint32_t leaves_4k;
};

/* Maps (read or write: at least one) or, with neither, unmaps one 4 KiB
 * page, splitting a 2 MiB leaf around it.  0, or -1 when the pool is
 * exhausted (the translation of `iova` then unchanged). */
int io_pt_map(struct io_pt *pt, uint64_t iova, uint64_t spa, bool read, bool write);
/* Maps 2 MiB (iova and spa 2 MiB-aligned, read or write): one leaf, or 512
 * pages without use_2m.  0, or -1 (nothing mapped) when the pool is
 * exhausted, the arguments are unaligned or a page of it is mapped already. */
int io_pt_map_2m(struct io_pt *pt, uint64_t iova, uint64_t spa, bool read, bool write);
/* Replaces the 2 MiB leaf holding iova (if any) by 512 4 KiB leaves with
 * the same translation.  0, or -1 (nothing changed) when the pool is exhausted. */
int io_pt_split(struct io_pt *pt, uint64_t iova);
/* Unmaps one 4 KiB page; a 2 MiB leaf around it is split first (it must be
 * split already: io_pt_split; a split without memory is a panic, never a
 * page left mapped). */
void io_pt_unmap(struct io_pt *pt, uint64_t iova);
/* The table of `level` (2..4) that holds iova's entry, allocating the
 * tables on the way; 0 when the pool is exhausted. */
uint64_t io_pt_table(struct io_pt *pt, uint64_t iova, int level);

#endif /* X86_IOMMU_IO_PT_H */
