/*
 * DMA protection of the hypervisor and of donated memory (iommu/): the
 * IOMMU is found in ACPI at boot (IVRS: AMD IOMMU; else DMAR: Intel
 * VT-d), every device the root owns is put in one DMA domain that mirrors
 * the root VM's second-level map (common/sl_table.c calls the iommu_root_*
 * hooks for VM 0), and the event log (VT-d: the fault recording
 * registers) is read after every VM exit (iommu_poll).  docs/security.md,
 * hv/arch/x86/README.md.
 */
#ifndef X86_IOMMU_H
#define X86_IOMMU_H

#include <hv/arch/core.h>

/* Boot, before core_init: find the IOMMU in ACPI; its registers become
 * hypervisor memory (added to bi's reserved ranges, so the root cannot
 * reach them).  Returns the banner's DMA state: "protected(amd-iommu)",
 * "protected(vt-d)" or "unprotected". */
const char *iommu_discover(struct hv_boot_info *bi);

/* Boot, after core_init built the root's map (mirrored into the domain):
 * device table, command buffer, event log (AMD) or root and context
 * tables (VT-d), enable.  0, or -1 (logged). */
int iommu_enable(void);

/* The root VM's second-level changes (VM 0 only; no-ops without an IOMMU).
 * flags: MV_GPA_FLAG_*; no access flag unmaps.  0, or -1 when the pool is
 * exhausted.  map_2m: 2 MiB (gpa, spa aligned), one 2 MiB leaf where the
 * IOMMU has them; split: the 2 MiB leaf holding gpa becomes 512 pages with
 * the same translation (before a change of one page: the only step that
 * may fail); unmap: one page (its 2 MiB leaf split first). */
int iommu_root_map(uint64_t gpa, uint64_t spa, uint64_t flags);
int iommu_root_map_2m(uint64_t gpa, uint64_t spa, uint64_t flags);
int iommu_root_split(uint64_t gpa);
void iommu_root_unmap(uint64_t gpa);
/* Invalidate the IOTLB for the root's domain and wait for completion. */
void iommu_root_flush(void);

/* Log the IOMMU's new events ("[hv] iommu: DMA fault ..."); any PP, any
 * time after iommu_enable (one PP reads the log at a time). */
void iommu_poll(void);

#endif /* X86_IOMMU_H */
