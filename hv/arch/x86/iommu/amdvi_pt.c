/*
 * The root domain's AMD IOMMU I/O page table: 4 levels (48-bit I/O virtual
 * addresses, DTE Mode 4) in the shared io_pt.c, mirroring the root VM's
 * second-level map (IOVA = the root's GPA).  This file is the entry
 * format (AMD IOMMU spec, "I/O page tables"): PR, NextLevel (bits 11:9),
 * IR/IW; a PDE of level 2 with NextLevel 0 is a 2 MiB page, which every
 * AMD IOMMU translates (no capability bit), so the root's 2 MiB leaves are
 * mirrored as 2 MiB leaves.  Not-present entries keep NextLevel 1
 * (AMDVI_PTE_ABSENT).
 */
#include "amdvi.h"
#include "io_pt.h"

static const struct io_pt_fmt fmt = {
	.absent = AMDVI_PTE_ABSENT,
	.present = AMDVI_PTE_PR,
	.read = AMDVI_PTE_IR,
	.write = AMDVI_PTE_IW,
	.leaf = AMDVI_PTE_PR, /* NextLevel 0 */
	.leaf_2m = AMDVI_PTE_PR,
	.large_mask = 7ull << AMDVI_PTE_NEXT_SHIFT,
	.large_is = 0,
	.table = AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW,
	.next_shift = AMDVI_PTE_NEXT_SHIFT,
};

static struct io_pt pt = { .fmt = &fmt, .use_2m = true };

uint64_t amdvi_pt_root(void)
{
	return pt.root;
}

struct io_pt *amdvi_pt(void)
{
	return &pt;
}
