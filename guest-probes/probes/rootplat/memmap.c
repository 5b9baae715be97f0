/*
 * rootplat part 2: the root's memory as a multiboot loader on the machine
 * would give it (docs/root-vm.md "Memory"):
 *  - the multiboot information, its command line, module list and memory
 *    map lie outside the kernel's image (_load_start.._bss_end);
 *  - the memory map is sorted by address and its entries are disjoint;
 *  - every ACPI reclaimable (3) or NVS (4) range below 4 GiB is readable
 *    (its first and last byte): the root is not stopped;
 *  - the ACPI tables are readable where the firmware has them: the RSDP in
 *    0xE0000-0xFFFFF, the RSDT's checksum, and the RSDT lies in a range
 *    the map types as the firmware's (2, 3 or 4), not as free RAM.
 */
#include "rootplat.h"

#define GIB4 0x100000000ull

extern char _load_start[], _bss_end[];

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static const struct mb_mmap_entry *mmap_at(const struct mb_info *mbi, uint32_t off)
{
	return (const struct mb_mmap_entry *)(uintptr_t)(mbi->mmap_addr + off);
}

/* The type of the map entry holding `pa`, 0 if none. */
static uint32_t mmap_type_of(const struct mb_info *mbi, uint64_t pa)
{
	for (uint32_t off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = mmap_at(mbi, off);
		if (pa >= e->addr && pa - e->addr < e->len)
			return e->type;
		off += e->size + 4;
	}
	return 0;
}

static void check_mbi_placement(const struct mb_info *mbi)
{
	uint64_t lo = (uint64_t)(uintptr_t)_load_start, len = (uint64_t)(uintptr_t)_bss_end - lo;
	const char *hit = NULL;

	if (overlaps((uintptr_t)mbi, sizeof(*mbi), lo, len))
		hit = "mbi";
	else if (overlaps(mbi->mmap_addr, mbi->mmap_length, lo, len))
		hit = "mmap";
	else if ((mbi->flags & MB_INFO_CMDLINE) &&
		 overlaps(mbi->cmdline, rt_strlen(mb_cmdline()) + 1, lo, len))
		hit = "cmdline";
	else if ((mbi->flags & MB_INFO_MODS) &&
		 overlaps(mbi->mods_addr, (uint64_t)mbi->mods_count * sizeof(struct mb_module), lo,
			  len))
		hit = "mods";
	check_tok("mbi-outside-image", "none", "outside", hit ? hit : "outside", !hit,
		  "the multiboot information (0x%llx), memory map, command line and module list "
		  "lie outside the kernel's image 0x%llx-0x%llx", (unsigned long long)(uintptr_t)mbi,
		  (unsigned long long)lo, (unsigned long long)(lo + len));
}

static void check_mmap_order(const struct mb_info *mbi)
{
	uint64_t prev_end = 0, bad = 0;
	uint32_t n = 0;

	for (uint32_t off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length; n++) {
		const struct mb_mmap_entry *e = mmap_at(mbi, off);
		if (n && e->addr < prev_end && !bad)
			bad = e->addr;
		prev_end = e->addr + e->len;
		off += e->size + 4;
	}
	check_eq("mmap-sorted-disjoint", "none", 0, bad,
		 "the %u memory-map entries are sorted by address and disjoint (got: the first "
		 "entry that starts inside its predecessor, 0 if none)", n);
}

static void check_acpi_ranges_readable(const struct mb_info *mbi)
{
	uint32_t n = 0, sum = 0;

	for (uint32_t off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = mmap_at(mbi, off);
		off += e->size + 4;
		if ((e->type != 3 && e->type != 4) || e->len == 0 || e->addr + e->len > GIB4)
			continue;
		/* A range the root may not read stops it here (the run then
		 * has no END: a CRASH). */
		sum += *(volatile uint8_t *)(uintptr_t)e->addr;
		sum += *(volatile uint8_t *)(uintptr_t)(e->addr + e->len - 1);
		n++;
	}
	if (!n) {
		check_skip("mmap-acpi-readable", "none",
			   "the firmware reported no ACPI reclaimable or NVS range below 4 GiB");
		return;
	}
	check_eq("mmap-acpi-readable", "none", n, n,
		 "the %u ACPI reclaimable/NVS ranges of the map are readable by the root (byte sum "
		 "0x%x)", n, sum);
}

static bool acpi_sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static void check_acpi_tables(const struct mb_info *mbi)
{
	const uint8_t *rsdp = NULL;

	for (uint64_t a = 0xE0000; a < 0x100000 && !rsdp; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;
		if (!memcmp(p, "RSD PTR ", 8) && acpi_sum_ok(p, 20))
			rsdp = p;
	}
	if (!rsdp) {
		check_skip("acpi-rsdt-readable", "none", "no ACPI RSDP in 0xE0000-0xFFFFF");
		check_skip("acpi-rsdt-typed", "none", "no ACPI RSDP in 0xE0000-0xFFFFF");
		return;
	}
	uint32_t rsdt;
	memcpy(&rsdt, rsdp + 16, 4);
	const uint8_t *t = (const uint8_t *)(uintptr_t)rsdt;
	uint32_t len;
	memcpy(&len, t + 4, 4); /* stops the root if the tables are not mapped */
	bool ok = !memcmp(t, "RSDT", 4) && len >= 36 && len < 0x10000 && acpi_sum_ok(t, len);
	check_tok("acpi-rsdt-readable", "none", "valid", ok ? "valid" : "invalid", ok,
		  "the RSDT at 0x%x (length %u) reads with its signature and checksum", rsdt, len);
	uint32_t type = mmap_type_of(mbi, rsdt);
	check_tok("acpi-rsdt-typed", "none", "2-4", rt_hex(type), type >= 2 && type <= 4,
		  "the RSDT at 0x%x lies in a memory-map range of type %u (reserved or ACPI), not "
		  "in free RAM", rsdt, type);
}

void rootplat_memmap(void)
{
	const struct mb_info *mbi = mb_info();

	if (!mbi || !(mbi->flags & MB_INFO_MMAP)) {
		check_tok("mbi-present", "none", "mmap", "none", false,
			  "the loader gave no multiboot information with a memory map");
		return;
	}
	check_mbi_placement(mbi);
	check_mmap_order(mbi);
	check_acpi_ranges_readable(mbi);
	check_acpi_tables(mbi);
}
