/*
 * ACPI table discovery (common/acpi.c): the RSDP in the EBDA or the BIOS
 * area, the RSDT/XSDT walk, checksums validated.  Used at boot, before the
 * root VM runs (the tables live in RAM the root owns afterwards).
 */
#ifndef X86_ACPI_H
#define X86_ACPI_H

#include <hv/arch/core.h>

/* The common header of every ACPI system description table. */
struct acpi_header {
	char sig[4];
	uint32_t len;
	uint8_t rev;
	uint8_t csum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_rev;
	uint32_t creator_id;
	uint32_t creator_rev;
} __attribute__((packed));

/* The first table with signature `sig` (e.g. "IVRS") whose length and
 * checksum are valid, or NULL.  Bad tables are skipped with a log line. */
const void *acpi_find_table(const char sig[4]);

#endif /* X86_ACPI_H */
