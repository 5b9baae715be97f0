/*
 * DMAR (Intel VT-d, "DMA Remapping Reporting Structure", VT-d
 * specification chapter 8): parsed and reported only.  No VMX host here has
 * an Intel IOMMU (Bochs 2.7 has none; QEMU's TCG has no VMX), so a VMX host
 * runs with dma=unprotected; the log says what the DMAR offers.
 */
#include <x86/acpi.h>

#include "dmar.h"

#define DMAR_REMAP 48 /* header 36 + host address width 1 + flags 1 + reserved 10 */
#define DMAR_DRHD 0

void dmar_report(const void *table)
{
	const struct acpi_header *h = table;
	const uint8_t *base = table, *end = base + h->len;
	unsigned units = 0;

	if (h->len < DMAR_REMAP) {
		hv_log("iommu: DMAR too short (%u bytes), ignored", h->len);
		return;
	}
	for (const uint8_t *p = base + DMAR_REMAP; end - p >= 4;) {
		uint16_t type = (uint16_t)(p[0] | p[1] << 8), len = (uint16_t)(p[2] | p[3] << 8);
		if (len < 4 || len > end - p) {
			hv_log("iommu: DMAR structure of type %u with bad length %u, rest ignored", type,
			       len);
			break;
		}
		if (type == DMAR_DRHD && len >= 16) {
			uint64_t reg = 0;
			hv_memcpy(&reg, p + 8, 8);
			hv_log("iommu: DMAR: VT-d remapping unit at 0x%llx, segment %u%s",
			       (unsigned long long)reg, (unsigned)(p[6] | p[7] << 8),
			       (p[4] & 1) ? ", all other devices" : "");
			units++;
		}
		p += len;
	}
	hv_log("iommu: DMAR: host address width %u, %u remapping unit(s); Intel VT-d is not "
	       "driven: DMA is not remapped", base[36] + 1u, units);
}
