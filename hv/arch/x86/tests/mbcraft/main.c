/*
 * mbcraft: a multiboot (v1) loader that boots the hypervisor with crafted
 * multiboot information (CTests hv.svm.boot-mb-*: the loader variants and
 * error paths of boot/mb.c, relocate.c and pool.c that QEMU's own loader
 * never takes).  QEMU boots it with -kernel; its module 0 is microv-hv.elf,
 * the others are the hypervisor's modules.  It loads the hypervisor as a
 * multiboot loader does (the address fields of its header), builds the
 * information the scenario on its command line ("scenario=NAME") asks for,
 * and enters it with EAX/EBX.  Everything the hypervisor is given is real:
 * QEMU's memory map and modules, changed only as the scenario says.
 *
 *   low       modules at 1 MiB, one after the other, as GRUB puts them
 *   mem       mem_lower/mem_upper only, no memory map
 *   nomap     neither: no memory information at all
 *   badmagic  EAX is not the multiboot magic
 *   nomods    no module list
 *   manymods  more modules than the hypervisor takes (the last repeated)
 *   overlap   manymods, and module 1 claims the hypervisor's load region
 *   ranges    the top of RAM split into 1 MiB entries: more RAM ranges than
 *             the hypervisor takes; and more firmware ranges than it takes
 *   nopool    a memory map with no room for the page pool: RAM 0-640 KiB,
 *             1-32 MiB, and the hypervisor's load region and 1 MiB after it
 *   noacpi, acpibad, madt   QEMU's multiboot information, the firmware's
 *             ACPI tables changed (acpi.c)
 */
#include <multiboot/multiboot.h>

#include "mbcraft.h"

#define MAX_MODULES 16 /* HV_MAX_MODULES (hv/include/hv/arch/core.h) */
#define MAX_RANGES 16  /* HV_MAX_MEM_RANGES */
#define GRUB_MODULES 0x100000u
#define PAGE 0x1000u
#define MIB 0x100000u
#define TOP_PIECES (MAX_RANGES + 4)
#define FW_EXTRA (MAX_RANGES + 1)
#define FW_BASE 0xFF000000u /* firmware flash: device memory the root sees anyway */
#define MMAP_MAX 64

void mbcraft_main(uint32_t magic, const struct mb_info *qemu);
__attribute__((noreturn)) void enter_os(uint32_t magic, uint32_t mbi, uint32_t entry);

static struct mb_info info;
static struct mb_module mods[MAX_MODULES + 2];
static struct mb_mmap_entry mmap[MMAP_MAX];
static uint32_t num_mmap;
static char hv_cmdline[] = "microv-hv.elf";

static int starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* The value of "scenario=" on QEMU's command line, "" without one. */
static const char *scenario(const struct mb_info *qemu)
{
	const char *s = (qemu->flags & MB_INFO_CMDLINE) ? (const char *)qemu->cmdline : "";

	for (; *s; s++)
		if (starts_with(s, "scenario="))
			return s + 9;
	return "";
}

static int overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Loads microv-hv.elf (module 0) at its load address; its entry point.
 * *lo and *hi get the load region (to bss_end). */
static uint32_t load_hv(const struct mb_info *qemu, uint32_t *lo, uint32_t *hi)
{
	const struct mb_module *q = (const struct mb_module *)qemu->mods_addr;
	const uint8_t *file = (const uint8_t *)q[0].mod_start;
	uint32_t size = q[0].mod_end - q[0].mod_start;

	for (uint32_t off = 0; off + sizeof(struct mb_header) <= size && off < MB_SEARCH_LEN;
	     off += 4) {
		const struct mb_header *h = (const struct mb_header *)(file + off);
		if (h->magic != MB_HEADER_MAGIC || h->magic + h->flags + h->checksum != 0)
			continue;
		if (!(h->flags & MB_FLAG_AOUT_KLUDGE))
			fail("module 0 has no multiboot address fields");
		uint32_t at = off - (h->header_addr - h->load_addr);
		uint32_t len = h->load_end_addr - h->load_addr;
		if (at > off || at + len > size || h->bss_end_addr < h->load_end_addr)
			fail("module 0's multiboot header does not fit its file");
		for (uint32_t i = 0; i < qemu->mods_count; i++)
			if (overlaps(h->load_addr, h->bss_end_addr - h->load_addr, q[i].mod_start,
				     q[i].mod_end - q[i].mod_start))
				fail("a module lies where the hypervisor loads");
		memcpy((void *)h->load_addr, file + at, len);
		memset((void *)h->load_end_addr, 0, h->bss_end_addr - h->load_end_addr);
		*lo = h->load_addr;
		*hi = h->bss_end_addr;
		return h->entry_addr;
	}
	fail("module 0 is not a multiboot image");
}

static void mmap_add(uint64_t addr, uint64_t len, uint32_t type)
{
	if (num_mmap == MMAP_MAX)
		fail("memory map too long");
	mmap[num_mmap++] = (struct mb_mmap_entry){ sizeof(struct mb_mmap_entry) - 4, addr, len,
						   type };
}

/* QEMU's memory map; `split`: the RAM range with the top of RAM ends in
 * TOP_PIECES entries of 1 MiB, and FW_EXTRA firmware pages follow. */
static void mmap_copy(const struct mb_info *qemu, int split)
{
	const struct mb_mmap_entry *e;

	for (uint32_t off = 0; off + sizeof(*e) <= qemu->mmap_length; off += e->size + 4) {
		e = (const struct mb_mmap_entry *)(qemu->mmap_addr + off);
		if (!split || e->type != 1 || e->len < (TOP_PIECES + 1) * MIB) {
			mmap_add(e->addr, e->len, e->type);
			continue;
		}
		uint64_t rest = e->len - TOP_PIECES * MIB;
		mmap_add(e->addr, rest, 1);
		for (uint32_t i = 0; i < TOP_PIECES; i++)
			mmap_add(e->addr + rest + i * MIB, MIB, 1);
	}
	if (split)
		for (uint32_t i = 0; i < FW_EXTRA; i++)
			mmap_add(FW_BASE + i * PAGE, PAGE, 2);
	info.flags |= MB_INFO_MMAP;
	info.mmap_addr = (uint32_t)mmap;
	info.mmap_length = num_mmap * sizeof(mmap[0]);
}

/* RAM where no 32 MiB fit: QEMU's entries but RAM, then 1-32 MiB and the
 * load region lo-hi with 1 MiB more. */
static void mmap_small(const struct mb_info *qemu, uint32_t lo, uint32_t hi)
{
	const struct mb_mmap_entry *e;

	for (uint32_t off = 0; off + sizeof(*e) <= qemu->mmap_length; off += e->size + 4) {
		e = (const struct mb_mmap_entry *)(qemu->mmap_addr + off);
		if (e->type != 1 || e->addr < MIB)
			mmap_add(e->addr, e->len, e->type);
	}
	mmap_add(MIB, 31 * MIB, 1);
	mmap_add(lo, hi - lo + MIB, 1);
	info.flags |= MB_INFO_MMAP;
	info.mmap_addr = (uint32_t)mmap;
	info.mmap_length = num_mmap * sizeof(mmap[0]);
}

/* QEMU's modules 1.. as the hypervisor's 0..; `low`: copied to 1 MiB. */
static void mods_copy(const struct mb_info *qemu, int low)
{
	const struct mb_module *q = (const struct mb_module *)qemu->mods_addr;
	uint32_t dest = GRUB_MODULES;

	for (uint32_t i = 1; i < qemu->mods_count && i <= MAX_MODULES; i++) {
		mods[i - 1] = q[i];
		if (!low)
			continue;
		uint32_t len = q[i].mod_end - q[i].mod_start;
		if (dest + len > (uint32_t)&info - MIB) /* below mbcraft with room */
			fail("the modules do not fit below mbcraft");
		memcpy((void *)dest, (const void *)q[i].mod_start, len);
		mods[i - 1].mod_start = dest;
		mods[i - 1].mod_end = dest + len;
		dest = (dest + len + PAGE - 1) & ~(PAGE - 1);
	}
	info.flags |= MB_INFO_MODS;
	info.mods_count = qemu->mods_count - 1;
	info.mods_addr = (uint32_t)mods;
}

void mbcraft_main(uint32_t magic, const struct mb_info *qemu)
{
	uint32_t lo, hi;

	if (magic != MB_BOOT_MAGIC || !(qemu->flags & MB_INFO_MODS) || qemu->mods_count < 2 ||
	    !(qemu->flags & MB_INFO_MMAP) || !(qemu->flags & MB_INFO_MEM))
		fail("QEMU gave no modules (microv-hv.elf, the root OS) or no memory map");
	const char *sc = scenario(qemu);
	uint32_t entry = load_hv(qemu, &lo, &hi);
	uint32_t hv_magic = MB_BOOT_MAGIC;

	info.flags = MB_INFO_CMDLINE;
	info.cmdline = (uint32_t)hv_cmdline;
	info.mem_lower = qemu->mem_lower;
	info.mem_upper = qemu->mem_upper;
	if (is(sc, "low")) {
		info.flags |= MB_INFO_MEM;
		mmap_copy(qemu, 0);
		mods_copy(qemu, 1);
	} else if (is(sc, "mem")) {
		info.flags |= MB_INFO_MEM;
		mods_copy(qemu, 0);
	} else if (is(sc, "nomap")) {
		mods_copy(qemu, 0);
	} else if (is(sc, "badmagic") || is(sc, "nomods")) {
		info.flags |= MB_INFO_MEM;
		mmap_copy(qemu, 0);
		if (is(sc, "badmagic")) {
			mods_copy(qemu, 0);
			hv_magic = 0x1BADB002u; /* the header's magic, not the loader's */
		}
	} else if (is(sc, "manymods") || is(sc, "overlap")) {
		info.flags |= MB_INFO_MEM;
		mmap_copy(qemu, 0);
		mods_copy(qemu, 0);
		for (uint32_t i = info.mods_count; i <= MAX_MODULES; i++)
			mods[i] = mods[info.mods_count - 1];
		info.mods_count = MAX_MODULES + 1;
		if (is(sc, "overlap"))
			mods[1] = (struct mb_module){ lo, lo + PAGE, mods[1].string, 0 };
	} else if (is(sc, "ranges")) {
		info.flags |= MB_INFO_MEM;
		mmap_copy(qemu, 1);
		mods_copy(qemu, 0);
	} else if (is(sc, "nopool")) {
		mmap_small(qemu, lo, hi);
		mods_copy(qemu, 1);
	} else if (acpi_scenario(sc)) {
		info.flags |= MB_INFO_MEM;
		mmap_copy(qemu, 0);
		mods_copy(qemu, 0);
	} else {
		fail("no known scenario= on the command line");
	}
	put_str("mbcraft: scenario ");
	put_str(sc);
	put_str(": microv-hv at ");
	put_hex(lo);
	put_str("-");
	put_hex(hi);
	put_str(", ");
	put_hex(info.mods_count);
	put_str(" modules, entry ");
	put_hex(entry);
	put_str("\n");
	enter_os(hv_magic, (uint32_t)&info, entry);
}
