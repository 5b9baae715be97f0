/*
 * The Intel VT-d driver's internal interface (iommu/dmar.c, vtd*.c):
 * what the DMAR says about the remapping units, register offsets and the
 * root / context / second-level table formats (Intel VT-d specification
 * rev 3.x: chapter 9 (translation structures), 10.4 (registers),
 * 8.3 (DRHD)).  Legacy mode (RTADDR.TTM = 0), second-level translation only.
 */
#ifndef X86_IOMMU_VTD_H
#define X86_IOMMU_VTD_H

#include <hv/arch/core.h>

#define VTD_MAX_UNITS 4
#define VTD_REG_SIZE 0x1000ull /* the register page each DRHD reports */

/* What the DMAR says: the segment-0 remapping units (DRHD). */
struct vtd_units {
	unsigned n;
	uint64_t reg[VTD_MAX_UNITS]; /* register base */
	uint8_t haw;                 /* host address width (bits) */
};

/* Registers */
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1C
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38

#define VTD_CAP_RWBF (1ull << 4)
#define VTD_CAP_CM (1ull << 7)
#define VTD_CAP_SAGAW(c) (((c) >> 8) & 0x1F)
#define VTD_CAP_FRO(c) ((((c) >> 24) & 0x3FF) * 16)  /* fault recording registers */
#define VTD_CAP_NFR(c) ((((c) >> 40) & 0xFF) + 1)
#define VTD_CAP_SLLPS_2M (1ull << 34) /* second-level 2 MiB pages */
#define VTD_ECAP_IRO(e) ((((e) >> 8) & 0x3FF) * 16)  /* IOTLB registers */

#define VTD_GCMD_TE (1u << 31)
#define VTD_GCMD_SRTP (1u << 30)
#define VTD_GCMD_WBF (1u << 27)
#define VTD_GSTS_TES (1u << 31)
#define VTD_GSTS_RTPS (1u << 30)
#define VTD_GSTS_WBFS (1u << 27)
/* GSTS bits that are persistent commands (written back with every GCMD
 * write); the one-shot SRTP, SFL, WBF and SIRTP are left out. */
#define VTD_GSTS_PERSISTENT 0x96FFFFFFu

#define VTD_CCMD_ICC (1ull << 63)
#define VTD_CCMD_GLOBAL (1ull << 61)
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_GLOBAL (1ull << 60)
#define VTD_IOTLB_DOMAIN (2ull << 60)
#define VTD_IOTLB_DR (1ull << 49)
#define VTD_IOTLB_DW (1ull << 48)
#define VTD_IOTLB_DID_SHIFT 32

#define VTD_FSTS_PFO (1u << 0)
#define VTD_FSTS_PPF (1u << 1)
#define VTD_FRCD_F (1ull << 63) /* in the record's upper quadword */

/* Root and context entries (128 bits; the low quadword, then the high) */
#define VTD_PRESENT 1ull
#define VTD_CTX_AW_SHIFT 0    /* high: 1 = 39-bit 3-level, 2 = 48-bit 4-level */
#define VTD_CTX_DID_SHIFT 8   /* high */
/* Second-level entries */
#define VTD_SL_R (1ull << 0)
#define VTD_SL_W (1ull << 1)
#define VTD_SL_PS (1ull << 7) /* a level-2 entry maps 2 MiB */
#define VTD_SL_ADDR 0x000FFFFFFFFFF000ull

#define VTD_ROOT_DOMAIN 1

/* dmar.c: the DRHDs of DMAR `table` (logged); 0, or -1 (logged: unusable). */
int dmar_parse(const void *table, struct vtd_units *u);

/* vtd_pt.c: the root domain's second-level table (io_pt.h), IOVA = the
 * root's GPA; 2 MiB leaves once vtd_pt_set_2m(true) (before the first map). */
struct io_pt;
struct io_pt *vtd_pt(void);
void vtd_pt_set_2m(bool on);
/* Always 4 levels (48-bit IOVAs); a unit that walks 3 levels (39-bit,
 * QEMU's default) starts at the level-3 table under entry 0, so IOVAs of
 * 512 GiB and above are unreachable (not mapped) there.  The top table for
 * `levels` (3 or 4); 0 when the map is empty or the pool is exhausted. */
uint64_t vtd_pt_top(int levels);

/* vtd.c: the hardware.  vtd_units_2m: every unit's CAP.SLLPS has 2 MiB pages. */
bool vtd_units_2m(const struct vtd_units *u);
int vtd_enable(const struct vtd_units *u);
void vtd_flush_domain(void);
void vtd_poll_faults(void);

#endif /* X86_IOMMU_VTD_H */
