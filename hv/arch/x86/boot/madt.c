/*
 * How many processors the firmware says there are: the enabled local APIC
 * (type 0) and local x2APIC (type 9) entries of the ACPI MADT.  smp.c waits
 * for exactly that many APs to report in, and sends no INIT-SIPI-SIPI at
 * all when there is one processor; 0 (no valid MADT) means unknown.
 */
#include <x86/acpi.h>
#include <x86/boot.h>

#define MADT_ENTRIES 44 /* the header, the local APIC address, the flags */
#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define LAPIC_ENABLED 1u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t madt_cpu_count(void)
{
	const uint8_t *madt = acpi_find_table("APIC");
	uint32_t n = 0;

	if (!madt)
		return 0;
	uint32_t len = ((const struct acpi_header *)madt)->len;
	for (uint32_t off = MADT_ENTRIES; off + 2 <= len;) {
		const uint8_t *e = madt + off;
		if (e[1] < 2 || off + e[1] > len)
			break;
		if (e[0] == MADT_LAPIC && e[1] >= 8 && (le32(e + 4) & LAPIC_ENABLED))
			n++;
		else if (e[0] == MADT_X2APIC && e[1] >= 16 && (le32(e + 8) & LAPIC_ENABLED))
			n++;
		off += e[1];
	}
	return n;
}
