/*
 * DMAR (Intel VT-d, "DMA Remapping Reporting Structure", VT-d
 * specification chapter 8): the remapping units (DRHD) of PCI segment 0,
 * each logged, for the VT-d driver (vtd.c).  Other structures (RMRR,
 * ATSR, ...) are skipped: every device's DMA goes through the root's
 * domain, which maps all the root's memory.
 */
#include <x86/acpi.h>

#include "vtd.h"

#define DMAR_REMAP 48 /* header 36 + host address width 1 + flags 1 + reserved 10 */
#define DMAR_DRHD 0

int dmar_parse(const void *table, struct vtd_units *u)
{
	const struct acpi_header *h = table;
	const uint8_t *base = table, *end = base + h->len;
	bool all = false;

	u->n = 0;
	if (h->len < DMAR_REMAP) {
		hv_log("iommu: DMAR too short (%u bytes), ignored", h->len);
		return -1;
	}
	u->haw = (uint8_t)(base[36] + 1u);
	for (const uint8_t *p = base + DMAR_REMAP; end - p >= 4;) {
		uint16_t type = (uint16_t)(p[0] | p[1] << 8), len = (uint16_t)(p[2] | p[3] << 8);
		if (len < 4 || len > end - p) {
			hv_log("iommu: DMAR structure of type %u with bad length %u, rest ignored", type,
			       len);
			break;
		}
		if (type == DMAR_DRHD && len >= 16) {
			uint64_t reg = 0;
			unsigned seg = (unsigned)(p[6] | p[7] << 8);
			hv_memcpy(&reg, p + 8, 8);
			hv_log("iommu: DMAR: VT-d remapping unit at 0x%llx, segment %u%s",
			       (unsigned long long)reg, seg, (p[4] & 1) ? ", all other devices" : "");
			if (seg != 0 || !reg || (reg & (VTD_REG_SIZE - 1))) {
				hv_log("iommu: DMAR: unit not on segment 0 or not page-aligned: DMA "
				       "is not remapped");
				return -1;
			}
			if (u->n == VTD_MAX_UNITS) {
				hv_log("iommu: DMAR: more than %u remapping units: DMA is not remapped",
				       VTD_MAX_UNITS);
				return -1;
			}
			u->reg[u->n++] = reg;
			all |= p[4] & 1;
		}
		p += len;
	}
	hv_log("iommu: DMAR: host address width %u, %u remapping unit(s)", u->haw, u->n);
	/* Every unit remaps every bus/devfn whose requests reach it; a device
	 * behind none (outside every device scope) would not be remapped
	 * (docs/spec-errata.md E-55; QEMU 7.2 lists its host bridge's buses). */
	if (u->n && !all)
		hv_log("iommu: DMAR: no unit with INCLUDE_PCI_ALL: devices outside the units' "
		       "device scopes are not remapped");
	return u->n ? 0 : -1;
}
