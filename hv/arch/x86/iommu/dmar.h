/*
 * DMAR reporting (iommu/dmar.c): what an Intel VT-d platform offers, logged
 * at boot; the hypervisor does not program VT-d.
 */
#ifndef X86_IOMMU_DMAR_H
#define X86_IOMMU_DMAR_H

#include <hv/arch/core.h>

/* Logs the DMAR's remapping units (`table`: a checksummed DMAR). */
void dmar_report(const void *table);

#endif /* X86_IOMMU_DMAR_H */
