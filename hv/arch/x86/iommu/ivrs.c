/*
 * IVRS (I/O Virtualization Reporting Structure, AMD IOMMU specification
 * section 5.2): the first IVHD block (types 0x10, 0x11, 0x40) gives the
 * IOMMU's register base, its own device ID and, through its device
 * entries, the device IDs it translates for.  Only PCI segment 0 is
 * handled.  A malformed table or block is refused with a log line.
 */
#include <x86/acpi.h>

#include "amdvi.h"

#define IVRS_BLOCKS 48 /* header 36 + IVinfo 4 + reserved 8 */

/* IVHD device entry types (section 5.2.2.2): 0-63 are 4 bytes long,
 * 64-127 8 bytes, 0xF0 (ACPI HID) variable. */
#define DEV_ALL 0x01
#define DEV_SELECT 0x02
#define DEV_RANGE_START 0x03
#define DEV_RANGE_END 0x04
#define DEV_ALIAS_SELECT 0x42
#define DEV_ALIAS_RANGE 0x43
#define DEV_EXT_SELECT 0x46
#define DEV_EXT_RANGE 0x47
#define DEV_SPECIAL 0x48
#define DEV_ACPI_HID 0xF0

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void cover(struct amdvi_unit *u, uint16_t first, uint16_t last)
{
	if (first < u->first_devid)
		u->first_devid = first;
	if (last > u->last_devid)
		u->last_devid = last;
}

/* Device entries from `p` to `end`: the device IDs they name. */
static int ivhd_devices(const uint8_t *p, const uint8_t *end, struct amdvi_unit *u)
{
	while (p < end) {
		uint8_t type = p[0];
		size_t len = type < 64 ? 4 : type < 128 ? 8 : 0;
		if (type == DEV_ACPI_HID) {
			if (end - p < 22)
				return -1;
			len = 22u + p[21];
		}
		if (len == 0 || (size_t)(end - p) < len)
			return -1;
		uint16_t devid = rd16(p + 1);
		switch (type) {
		case DEV_ALL:
			cover(u, 0, 0xFFFF);
			break;
		case DEV_SELECT:
		case DEV_ALIAS_SELECT:
		case DEV_EXT_SELECT:
			cover(u, devid, devid);
			break;
		case DEV_RANGE_START:
		case DEV_ALIAS_RANGE:
		case DEV_EXT_RANGE: {
			/* a range ends at the next entry, of type 4 */
			const uint8_t *e = p + len;
			if (end - e < 4 || e[0] != DEV_RANGE_END || rd16(e + 1) < devid)
				return -1;
			cover(u, devid, rd16(e + 1));
			len += 4;
			break;
		}
		default: /* padding, special devices (IOAPIC, HPET), ACPI devices */
			break;
		}
		p += len;
	}
	return 0;
}

int ivrs_parse(const void *table, struct amdvi_unit *u)
{
	const struct acpi_header *h = table;
	const uint8_t *base = table, *end = base + h->len;

	for (const uint8_t *p = base + IVRS_BLOCKS; end - p >= 4;) {
		uint8_t type = p[0];
		uint16_t len = rd16(p + 2);
		if (len < 4 || len > end - p) {
			hv_log("iommu: IVRS block of type 0x%x with bad length %u, IVRS ignored", type,
			       len);
			return -1;
		}
		if (type == 0x10 || type == 0x11 || type == 0x40) {
			size_t devs = type == 0x10 ? 24 : 40;
			if (len < devs) {
				hv_log("iommu: IVHD of type 0x%x too short (%u bytes), IVRS ignored",
				       type, len);
				return -1;
			}
			if (rd16(p + 16) != 0) {
				hv_log("iommu: IVHD for PCI segment %u: only segment 0 is supported",
				       rd16(p + 16));
				return -1;
			}
			uint64_t mmio = 0;
			hv_memcpy(&mmio, p + 8, 8);
			*u = (struct amdvi_unit){ .mmio = mmio, .devid = rd16(p + 4),
						  .first_devid = 0xFFFF, .last_devid = 0 };
			if (ivhd_devices(p + devs, p + len, u)) {
				hv_log("iommu: IVHD device entries malformed, IVRS ignored");
				return -1;
			}
			if ((mmio & 0x3FFF) || mmio == 0 || mmio >= 0x100000000ull) {
				hv_log("iommu: IVHD register base 0x%llx unusable",
				       (unsigned long long)mmio);
				return -1;
			}
			if (u->first_devid > u->last_devid)
				u->first_devid = u->last_devid = 0; /* no devices listed */
			return 0;
		}
		p += len;
	}
	hv_log("iommu: IVRS has no IVHD block");
	return -1;
}
