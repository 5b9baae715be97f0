/* ACPI table discovery (hv/arch/x86/common/acpi.c). */
#ifndef X86_ACPI_H
#define X86_ACPI_H

/* The first ACPI table with signature `sig` whose checksum holds, found
 * through the RSDP (EBDA, then 0xE0000-0xFFFFF) and the XSDT (or RSDT); NULL
 * when there is none.  Tables are read through the identity map below 4 GiB. */
const void *acpi_find_table(const char sig[4]);

#endif /* X86_ACPI_H */
