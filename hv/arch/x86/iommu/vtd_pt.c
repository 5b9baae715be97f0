/*
 * The root domain's Intel VT-d second-level page table: 4 levels (48-bit
 * IOVAs) in the shared io_pt.c, mirroring the root VM's second-level map
 * (IOVA = the root's GPA).  This file is the entry format (VT-d spec 9.8):
 * R/W, and PS in a level-2 entry for a 2 MiB page, used only when every
 * unit's CAP.SLLPS reports 2 MiB pages (vtd_pt_set_2m; QEMU's intel-iommu
 * does), else 2 MiB of the root's map is 512 4 KiB leaves here.
 */
#include "io_pt.h"
#include "vtd.h"

static const struct io_pt_fmt fmt = {
	.absent = 0,
	.present = VTD_SL_R | VTD_SL_W,
	.read = VTD_SL_R,
	.write = VTD_SL_W,
	.leaf = 0,
	.leaf_2m = VTD_SL_PS,
	.large_mask = VTD_SL_PS,
	.large_is = VTD_SL_PS,
	.table = VTD_SL_R | VTD_SL_W,
	.next_shift = 0,
};

static struct io_pt pt = { .fmt = &fmt };

struct io_pt *vtd_pt(void)
{
	return &pt;
}

void vtd_pt_set_2m(bool on)
{
	pt.use_2m = on;
}

uint64_t vtd_pt_top(int levels)
{
	return levels == IO_PT_LEVELS ? pt.root : io_pt_table(&pt, 0, levels);
}
