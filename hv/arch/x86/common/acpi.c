/*
 * ACPI table discovery: acpi_find_table() finds the RSDP where the ACPI
 * specification puts it on a PC (the first KiB of the EBDA, then the BIOS
 * area 0xE0000-0xFFFFF on 16-byte boundaries), and walks the XSDT (revision
 * 2 and later) or the RSDT.  Every structure's checksum and length are
 * checked before its fields are used; tables above 4 GiB (outside the
 * hypervisor's identity map) are skipped.
 */
#include <x86/acpi.h>

#include <hv/arch/core.h>

#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u
#define SDT_HEADER_LEN 36u
#define SDT_MAX_LEN (1u << 20) /* no sane table is larger */
#define FOUR_GIB 0x100000000ull

static bool acpi_sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static uint32_t acpi_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t acpi_le64(const uint8_t *p)
{
	return acpi_le32(p) | (uint64_t)acpi_le32(p + 4) << 32;
}

static const uint8_t *acpi_rsdp_scan(uint64_t start, uint64_t len)
{
	static const char sig[8] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };

	for (uint64_t a = start & ~15ull; a + RSDP_V1_LEN <= start + len; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;
		if (hv_memcmp(p, sig, 8) == 0 && acpi_sum_ok(p, RSDP_V1_LEN))
			return p;
	}
	return NULL;
}

static const uint8_t *acpi_rsdp(void)
{
	uintptr_t bda_ebda = 0x40E; /* BIOS data area: the EBDA's segment */
	__asm__("" : "+r"(bda_ebda)); /* a real address, not an offset from NULL */
	uint64_t ebda = (uint64_t)*(const volatile uint16_t *)bda_ebda << 4;
	const uint8_t *p = NULL;

	if (ebda >= 0x80000 && ebda < 0xA0000)
		p = acpi_rsdp_scan(ebda, 1024);
	return p ? p : acpi_rsdp_scan(0xE0000, 0x20000);
}

/* The table at `pa` if it is below 4 GiB, whole and its checksum holds. */
static const uint8_t *acpi_table_at(uint64_t pa)
{
	if (pa == 0 || pa >= FOUR_GIB - SDT_HEADER_LEN)
		return NULL;
	const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
	uint32_t len = acpi_le32(t + 4);
	if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN || pa + len > FOUR_GIB ||
	    !acpi_sum_ok(t, len))
		return NULL;
	return t;
}

const void *acpi_find_table(const char sig[4])
{
	const uint8_t *rsdp = acpi_rsdp();
	if (!rsdp)
		return NULL;
	const uint8_t *sdt = NULL;
	uint32_t entry_len = 4;
	if (rsdp[15] >= 2 && acpi_le32(rsdp + 20) >= RSDP_V2_LEN && acpi_sum_ok(rsdp, RSDP_V2_LEN)) {
		sdt = acpi_table_at(acpi_le64(rsdp + 24));
		entry_len = 8;
	}
	if (!sdt) {
		sdt = acpi_table_at(acpi_le32(rsdp + 16));
		entry_len = 4;
	}
	if (!sdt)
		return NULL;
	uint32_t n = (acpi_le32(sdt + 4) - SDT_HEADER_LEN) / entry_len;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = sdt + SDT_HEADER_LEN + i * entry_len;
		const uint8_t *t =
			acpi_table_at(entry_len == 8 ? acpi_le64(e) : (uint64_t)acpi_le32(e));
		if (t && hv_memcmp(t, sig, 4) == 0)
			return t;
	}
	return NULL;
}
