/*
 * ACPI table discovery: finds the RSDP (ACPI 6.5 section 5.2.5.1: the first
 * KiB of the EBDA, whose segment the BIOS data area holds at 0x40E, then
 * 0xE0000-0xFFFFF, on 16-byte boundaries), validates it (checksum of the
 * first 20 bytes; of all 36 for revision >= 2), walks the XSDT (revision
 * >= 2 and a valid XSDT) or else the RSDT, and returns the first table of a
 * signature whose length and checksum hold.  The 0-4 GiB identity map of
 * boot/entry.S makes every table below 4 GiB readable; tables above are
 * skipped.  Every table that fails a check is ignored with one log line.
 */
#include <x86/acpi.h>

#define EBDA_SEG_PTR 0x40Eu
#define BIOS_AREA 0xE0000u
#define BIOS_AREA_END 0x100000u
#define TABLE_MAX_LEN 0x100000u /* no description table the hypervisor reads is larger */
#define SPA_LIMIT 0x100000000ull

struct rsdp {
	char sig[8];
	uint8_t csum;
	char oem_id[6];
	uint8_t rev;
	uint32_t rsdt;
	uint32_t len;
	uint64_t xsdt;
	uint8_t ext_csum;
	uint8_t reserved[3];
} __attribute__((packed));

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

static const struct rsdp *rsdp_at(uintptr_t pa)
{
	const struct rsdp *r = (const struct rsdp *)pa;

	if (hv_memcmp(r->sig, "RSD PTR ", 8) || sum(r, 20))
		return NULL;
	if (r->rev >= 2 && (r->len < sizeof(*r) || r->len > 4096 || sum(r, r->len))) {
		hv_log("acpi: RSDP at 0x%llx: bad extended checksum or length %u, ignored",
		       (unsigned long long)pa, r->len);
		return NULL;
	}
	return r;
}

static const struct rsdp *rsdp_scan(uintptr_t from, uintptr_t to)
{
	for (uintptr_t pa = from; pa + sizeof(struct rsdp) <= to; pa += 16) {
		const struct rsdp *r = rsdp_at(pa);
		if (r)
			return r;
	}
	return NULL;
}

static const struct rsdp *rsdp_find(void)
{
	uintptr_t bda = EBDA_SEG_PTR;

	__asm__("" : "+r"(bda)); /* a physical address, not an object the compiler knows */
	uintptr_t ebda = (uintptr_t)*(const volatile uint16_t *)bda << 4;
	const struct rsdp *r = NULL;

	if (ebda >= 0x80000 && ebda < 0xA0000)
		r = rsdp_scan(ebda, ebda + 1024);
	return r ? r : rsdp_scan(BIOS_AREA, BIOS_AREA_END);
}

/* The table at `pa` if its header, length and checksum are sound. */
static const struct acpi_header *table_at(uint64_t pa, const char *what)
{
	if (pa == 0 || pa >= SPA_LIMIT - sizeof(struct acpi_header)) {
		hv_log("acpi: %s at 0x%llx is out of reach, ignored", what, (unsigned long long)pa);
		return NULL;
	}
	const struct acpi_header *h = (const struct acpi_header *)(uintptr_t)pa;
	char sig[5] = { h->sig[0], h->sig[1], h->sig[2], h->sig[3], 0 };

	for (int i = 0; i < 4; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7E)
			sig[i] = '?';
	if (h->len < sizeof(*h) || h->len > TABLE_MAX_LEN || pa + h->len > SPA_LIMIT) {
		hv_log("acpi: %s %s at 0x%llx: bad length %u, ignored", what, sig,
		       (unsigned long long)pa, h->len);
		return NULL;
	}
	if (sum(h, h->len)) {
		hv_log("acpi: %s %s at 0x%llx: bad checksum, ignored", what, sig,
		       (unsigned long long)pa);
		return NULL;
	}
	return h;
}

const void *acpi_find_table(const char sig[4])
{
	const struct rsdp *r = rsdp_find();

	if (!r)
		return NULL;
	const struct acpi_header *sdt = NULL;
	size_t entry = 4;
	if (r->rev >= 2 && r->xsdt) {
		sdt = table_at(r->xsdt, "XSDT");
		entry = 8;
	}
	if (!sdt) {
		sdt = table_at(r->rsdt, "RSDT");
		entry = 4;
	}
	if (!sdt)
		return NULL;
	size_t n = (sdt->len - sizeof(*sdt)) / entry;
	const uint8_t *p = (const uint8_t *)(sdt + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		hv_memcpy(&pa, p + i * entry, entry);
		if (pa == 0 || pa >= SPA_LIMIT - sizeof(struct acpi_header))
			continue;
		if (hv_memcmp(((const struct acpi_header *)(uintptr_t)pa)->sig, sig, 4))
			continue;
		const struct acpi_header *h = table_at(pa, "table");
		if (h)
			return h;
	}
	return NULL;
}
