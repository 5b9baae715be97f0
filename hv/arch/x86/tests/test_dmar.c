/*
 * Unit test of iommu/dmar.c's dmar_parse on the host (CTest x86.dmar):
 * the VT-d units the driver would program from a DMAR, and the DMARs it
 * refuses (too short, a unit off segment 0 or not page-aligned, more
 * units than it drives, none at all) or stops reading (a structure whose
 * length runs past the table).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <x86/acpi.h>

#include "../iommu/vtd.h"

static int failures;

void hv_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("  [log] ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

void hv_memcpy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

static void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		printf("FAIL %s: got 0x%llx, want 0x%llx\n", what, (unsigned long long)got,
		       (unsigned long long)want);
		failures++;
	}
}

static uint8_t table[512];
static unsigned used;

/* A DMAR header (host address width 39) with no structures yet. */
static void start(void)
{
	memset(table, 0, sizeof(table));
	memcpy(table, "DMAR", 4);
	table[36] = 38;
	used = 48;
}

/* A DRHD of `len` bytes (16 plus device scopes). */
static void drhd(uint8_t flags, uint16_t seg, uint64_t reg, uint16_t len)
{
	uint8_t *p = table + used;
	p[0] = 0;
	p[2] = (uint8_t)len;
	p[3] = (uint8_t)(len >> 8);
	p[4] = flags;
	p[6] = (uint8_t)seg;
	p[7] = (uint8_t)(seg >> 8);
	memcpy(p + 8, &reg, 8);
	used += len;
}

static int parse(struct vtd_units *u)
{
	((struct acpi_header *)table)->len = used;
	return dmar_parse(table, u);
}

int main(void)
{
	struct vtd_units u;

	start();
	drhd(0, 0, 0xFED90000, 64); /* QEMU 7.2: no INCLUDE_PCI_ALL, scopes */
	expect("QEMU's DMAR: accepted", (uint64_t)parse(&u), 0);
	expect("QEMU's DMAR: one unit", u.n, 1);
	expect("QEMU's DMAR: its registers", u.reg[0], 0xFED90000);
	expect("QEMU's DMAR: host address width", u.haw, 39);

	start();
	drhd(0, 0, 0xFED90000, 16);
	drhd(1, 0, 0xFED91000, 16);
	expect("two units, the second INCLUDE_PCI_ALL", (uint64_t)parse(&u), 0);
	expect("two units", u.n, 2);
	expect("the second unit's registers", u.reg[1], 0xFED91000);

	start();
	expect("no unit: refused", (uint64_t)parse(&u), (uint64_t)-1);

	start();
	drhd(1, 1, 0xFED90000, 16);
	expect("a unit on segment 1: refused", (uint64_t)parse(&u), (uint64_t)-1);

	start();
	drhd(1, 0, 0xFED90800, 16);
	expect("registers not page-aligned: refused", (uint64_t)parse(&u), (uint64_t)-1);

	start();
	drhd(1, 0, 0, 16);
	expect("registers at 0: refused", (uint64_t)parse(&u), (uint64_t)-1);

	start();
	for (unsigned i = 0; i <= VTD_MAX_UNITS; i++)
		drhd(1, 0, 0xFED90000 + 0x1000ull * i, 16);
	expect("more units than driven: refused", (uint64_t)parse(&u), (uint64_t)-1);

	start();
	drhd(1, 0, 0xFED90000, 16);
	drhd(1, 0, 0xFED91000, 16);
	table[used - 16 + 2] = 200; /* the second runs past the table's end */
	expect("a structure past the end: the units before it", (uint64_t)parse(&u), 0);
	expect("a structure past the end: one unit", u.n, 1);

	start();
	used = 40;
	expect("shorter than the DMAR header: refused", (uint64_t)parse(&u), (uint64_t)-1);

	if (failures)
		return 1;
	printf("dmar_parse: all checks passed\n");
	return 0;
}
