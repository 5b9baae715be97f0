/*
 * The AMD IOMMU driver's internal interface (iommu/amdvi*.c, ivrs.c):
 * register offsets, device table / page table / command / event formats
 * (AMD I/O Virtualization Technology (IOMMU) Specification, rev 3.x:
 * sections 2.2 (device table, I/O page tables), 2.4 (commands), 2.5 (event
 * log), 3.4 (MMIO registers)).
 */
#ifndef X86_IOMMU_AMDVI_H
#define X86_IOMMU_AMDVI_H

#include <hv/arch/core.h>

/* What IVRS says about the (first) IOMMU. */
struct amdvi_unit {
	uint64_t mmio;        /* register base */
	uint16_t devid;       /* the IOMMU's own PCI BDF */
	uint16_t first_devid; /* the device IDs its IVHD covers */
	uint16_t last_devid;
};

#define AMDVI_MMIO_SIZE 0x4000ull /* 16 KiB of registers (QEMU: 0x4000) */

/* MMIO registers */
#define AMDVI_DEV_TABLE_BASE 0x0000
#define AMDVI_CMD_BUF_BASE 0x0008
#define AMDVI_EVT_LOG_BASE 0x0010
#define AMDVI_CONTROL 0x0018
#define AMDVI_CMD_HEAD 0x2000
#define AMDVI_CMD_TAIL 0x2008
#define AMDVI_EVT_HEAD 0x2010
#define AMDVI_EVT_TAIL 0x2018
#define AMDVI_STATUS 0x2020

#define AMDVI_CTRL_EN (1ull << 0)
#define AMDVI_CTRL_EVT_LOG_EN (1ull << 2)
#define AMDVI_CTRL_CMD_BUF_EN (1ull << 12)
#define AMDVI_STATUS_EVT_OVF (1ull << 0)

/* Device table entry (256 bits), quadword 0 and 1 */
#define AMDVI_DTE_V (1ull << 0)
#define AMDVI_DTE_TV (1ull << 1)
#define AMDVI_DTE_MODE_SHIFT 9
#define AMDVI_DTE_IR (1ull << 61)
#define AMDVI_DTE_IW (1ull << 62)

/* I/O page table entries */
#define AMDVI_PTE_PR (1ull << 0)
#define AMDVI_PTE_NEXT_SHIFT 9
#define AMDVI_PTE_IR (1ull << 61)
#define AMDVI_PTE_IW (1ull << 62)
#define AMDVI_PTE_ADDR 0x000FFFFFFFFFF000ull
/* A not-present entry: PR = 0 (the IOMMU ignores the other bits), with
 * NextLevel = 1 so that QEMU < 8.0, which walks on into a zero entry
 * without logging, reports the fault (docs/spec-errata.md). */
#define AMDVI_PTE_ABSENT (1ull << AMDVI_PTE_NEXT_SHIFT)

#define AMDVI_LEVELS 4 /* 48-bit I/O virtual addresses */
#define AMDVI_ROOT_DOMAIN 1

/* ivrs.c: the first IVHD of IVRS `table`; 0, or -1 (logged). */
int ivrs_parse(const void *table, struct amdvi_unit *u);

/* amdvi_pt.c: the root domain's I/O page table (4 levels, io_pt.h). */
struct io_pt;
struct io_pt *amdvi_pt(void);
uint64_t amdvi_pt_root(void); /* the level-4 table (0: none yet) */

/* amdvi.c: the hardware. */
int amdvi_enable(const struct amdvi_unit *u);
void amdvi_flush_domain(void);
void amdvi_poll_events(void);

#endif /* X86_IOMMU_AMDVI_H */
