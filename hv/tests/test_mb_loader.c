/*
 * Unit tests of the root image's multiboot loader (hv/core/mb_loader.c) with
 * crafted images: the edges of RAM, reserved and module ranges, 4 GiB, the
 * a.out kludge's address fields, ELF32/ELF64 program headers and segment
 * bounds, the entry point, mem_lower/mem_upper and the memory map.  Each test
 * calls mb_load_root() on a boot information of its own and checks the exact
 * outcome: what was copied and zeroed, or the precise refusal logged.
 * arch_spa_to_hva is wrapped: fake_mem backs [0, 64 MiB), a second buffer
 * [HI_BASE, HI_BASE + HI_LEN) around 4 GiB, and nothing else is mapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/arch/core.h>
#include <hv/multiboot.h>

#include "fake_arch.h"
#include "test_main.h"

#define MiB (1ull << 20)
#define MOD_SPA (32 * MiB) /* module 0, the image */
#define HV_SPA (56 * MiB)  /* the hypervisor's reserved 8 MiB */
#define HI_BASE (0x100000000ull - 2 * MiB)
#define HI_LEN (4 * MiB)

static uint8_t *hi_mem;

void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (spa <= FAKE_MEM_SIZE && len <= FAKE_MEM_SIZE - spa)
		return fake_mem + spa;
	if (spa >= HI_BASE && spa - HI_BASE <= HI_LEN && len <= HI_LEN - (spa - HI_BASE))
		return hi_mem + (spa - HI_BASE);
	return NULL;
}

static struct hv_boot_info bi;
static struct mb_entry ent;

/* The machine: RAM [0, 0x9F000) and [1 MiB, 64 MiB), the hypervisor's
 * 8 MiB at 56 MiB reserved, module 0 at 32 MiB. */
static void machine(void)
{
	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	if (!hi_mem)
		hi_mem = calloc(1, HI_LEN);
	memset(&bi, 0, sizeof(bi));
	bi.num_pps = 1;
	bi.ram[0] = (struct hv_mem_range){ 0, 0x9F000 };
	bi.ram[1] = (struct hv_mem_range){ MiB, FAKE_MEM_SIZE - MiB };
	bi.num_ram = 2;
	bi.reserved[0] = (struct hv_mem_range){ HV_SPA, 8 * MiB };
	bi.num_reserved = 1;
	bi.pool = bi.reserved[0];
	bi.modules[0] = (struct hv_module){ MOD_SPA, 0, "root" };
	bi.num_modules = 1;
	bi.root_cmdline = "root";
}

static uint8_t *image(void)
{
	return fake_mem + MOD_SPA;
}

/* Load module 0 (len bytes at MOD_SPA); expect success (msg NULL) or a
 * failure that logs msg. */
static int load(uint64_t len, const char *msg, int line)
{
	bi.modules[0].len = len;
	fake_console_len = 0;
	fake_console[0] = 0;
	memset(&ent, 0, sizeof(ent));
	int rc = mb_load_root(&bi, &ent);
	if (!msg && rc != 0) {
		fprintf(stderr, "line %d: load failed: %s\n", line, fake_console);
		failures++;
	} else if (msg && (rc != -1 || !strstr(fake_console, msg))) {
		fprintf(stderr, "line %d: expected a refusal with '%s', got rc %d: %s\n", line, msg,
			rc, fake_console);
		failures++;
	}
	return rc;
}
static bool load_ok(uint64_t len, int line)
{
	return load(len, NULL, line) == 0;
}
#define LOAD_OK(len) load_ok((len), __LINE__)
#define LOAD_REFUSED(len, msg) load((len), (msg), __LINE__)

/* ---- a.out kludge images ------------------------------------------------- */

#define AOUT_LEN 0x200u

/* An a.out kludge image of AOUT_LEN bytes, its header at hdr_off; the bytes
 * around the header are the pattern (uint8_t)(offset * 7 + 1). */
static void aout(uint32_t hdr_off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
		 uint32_t bss_end, uint32_t entry)
{
	uint32_t h[8] = { MB_HEADER_MAGIC, MB_FLAG_AOUT_KLUDGE | 2, 0, header_addr, load_addr,
			  load_end, bss_end, entry };
	h[2] = 0u - h[0] - h[1];
	for (uint32_t i = 0; i < AOUT_LEN; i++)
		image()[i] = (uint8_t)(i * 7 + 1);
	memcpy(image() + hdr_off, h, sizeof(h));
}

/* A header at 0 loading the whole image at `at`, bss up to `end`. */
static void aout_at(uint64_t at, uint64_t end)
{
	aout(0, (uint32_t)at, (uint32_t)at, 0, (uint32_t)end, (uint32_t)at);
}

static bool copied(uint64_t dest, uint64_t file_off, uint64_t n)
{
	return memcmp(__wrap_arch_spa_to_hva(dest, n), image() + file_off, n) == 0;
}

static bool zeroed(uint64_t spa, uint64_t n)
{
	const uint8_t *p = __wrap_arch_spa_to_hva(spa, n);
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void dirty(uint64_t spa, uint64_t n)
{
	memset(__wrap_arch_spa_to_hva(spa, n), 0xCC, n);
}

/* A destination may be exactly a RAM range, not one byte more; a range past
 * num_ram does not count. */
static void test_ram_edges(void)
{
	machine();
	bi.ram[1].len = 40 * MiB - MiB; /* [1 MiB, 40 MiB) */
	bi.ram[2] = (struct hv_mem_range){ 40 * MiB, 0x10000 };
	bi.ram[3] = (struct hv_mem_range){ 41 * MiB, MiB };
	bi.num_ram = 4;
	aout_at(40 * MiB, 40 * MiB + 0x10000); /* all of ram[2] */
	dirty(40 * MiB, 0x10000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_TRUE(copied(40 * MiB, 0, AOUT_LEN));
		EXPECT_TRUE(zeroed(40 * MiB + AOUT_LEN, 0x10000 - AOUT_LEN));
		EXPECT_EQ(ent.entry, 40 * MiB);
		EXPECT_EQ(ent.load_lo, 40 * MiB);
		EXPECT_EQ(ent.load_hi, 40 * MiB + 0x10000);
	}
	aout_at(40 * MiB, 40 * MiB + 0x10001); /* one byte past ram[2] */
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	aout_at(40 * MiB + 0x10000 - AOUT_LEN, 40 * MiB + 0x10000); /* the last bytes */
	LOAD_OK(AOUT_LEN);
	aout_at(41 * MiB - 0x1000, 41 * MiB + 0x1000); /* across the hole below ram[3] */
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	/* A stale entry past num_ram is no RAM. */
	bi.num_ram = 3;
	aout_at(41 * MiB, 41 * MiB + 0x1000);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
}

/* Touching a reserved range or a module, up to its first and from its last
 * byte, is allowed; one byte into it is not.  Entries past num_reserved and
 * num_modules do not count. */
static void test_reserved_and_module_edges(void)
{
	machine();
	bi.reserved[1] = (struct hv_mem_range){ 48 * MiB, MiB };
	bi.num_reserved = 2;
	aout_at(48 * MiB - 0x1000, 48 * MiB); /* ends where it starts */
	LOAD_OK(AOUT_LEN);
	aout_at(49 * MiB, 49 * MiB + 0x1000); /* starts where it ends */
	LOAD_OK(AOUT_LEN);
	aout_at(48 * MiB - 0x1000, 48 * MiB + 1);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	aout_at(49 * MiB - 1, 49 * MiB + 0x1000);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	/* module 0 is [32 MiB, 32 MiB + AOUT_LEN) */
	aout_at(MOD_SPA - 0x1000, MOD_SPA);
	LOAD_OK(AOUT_LEN);
	aout_at(MOD_SPA + AOUT_LEN, MOD_SPA + AOUT_LEN + 0x1000);
	LOAD_OK(AOUT_LEN);
	aout_at(MOD_SPA - 0x1000, MOD_SPA + 1);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	aout_at(MOD_SPA + AOUT_LEN - 4, MOD_SPA + AOUT_LEN + 0x1000);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
	/* Stale entries past the counts. */
	bi.num_reserved = 1;
	bi.modules[1] = (struct hv_module){ 44 * MiB, MiB, "stale" };
	aout_at(48 * MiB, 48 * MiB + 0x1000);
	LOAD_OK(AOUT_LEN);
	aout_at(44 * MiB, 44 * MiB + 0x1000);
	LOAD_OK(AOUT_LEN);
	/* ... and counted, a second module is not free. */
	bi.num_modules = 2;
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
}

/* RAM the loader cannot reach (arch_spa_to_hva has no mapping) is refused,
 * not written. */
static void test_unmapped_ram(void)
{
	machine();
	bi.ram[2] = (struct hv_mem_range){ 256 * MiB, MiB };
	bi.num_ram = 3;
	aout_at(256 * MiB, 256 * MiB + 0x1000);
	EXPECT_EQ(LOAD_REFUSED(AOUT_LEN, ""), -1);
}

/* The a.out kludge's header_addr/load_addr: the file offset of the load
 * address is the header's offset minus (header_addr - load_addr). */
static void test_aout_header_offsets(void)
{
	const uint32_t at = 0x200000;

	machine();
	aout(0x40, at + 0x40, at, 0, at + 0x1000, at); /* header 0x40 into the image */
	dirty(at, 0x1000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_TRUE(copied(at, 0, AOUT_LEN));
		EXPECT_TRUE(zeroed(at + AOUT_LEN, 0x1000 - AOUT_LEN));
	}
	aout(0x40, at + 0x20, at, 0, at + 0x1000, at); /* load_addr is file offset 0x20 */
	dirty(at, 0x1000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_TRUE(copied(at, 0x20, AOUT_LEN - 0x20));
		EXPECT_TRUE(zeroed(at + AOUT_LEN - 0x20, 0x1000 - (AOUT_LEN - 0x20)));
	}
	aout(0x40, at + 0x44, at, 0, at + 0x1000, at); /* before the file's start */
	LOAD_REFUSED(AOUT_LEN, "inconsistent");
	aout(0, at - 4, at, 0, at + 0x1000, at); /* header_addr below load_addr */
	LOAD_REFUSED(AOUT_LEN, "inconsistent");
}

/* load_end_addr (0: the whole file) and bss_end_addr (0: no bss). */
static void test_aout_load_bss(void)
{
	const uint32_t at = 0x200000;

	machine();
	aout(0, at, at, at + 0x80, at + 0x1000, at); /* 0x80 bytes of file */
	dirty(at, 0x1000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_TRUE(copied(at, 0, 0x80));
		EXPECT_TRUE(zeroed(at + 0x80, 0x1000 - 0x80));
		EXPECT_EQ(ent.load_hi, at + 0x1000);
	}
	aout(0, at, at, at, at + 0x1000, at); /* no file bytes at all: only bss */
	dirty(at, 0x1000);
	if (LOAD_OK(AOUT_LEN))
		EXPECT_TRUE(zeroed(at, 0x1000));
	aout(0, at, at, at - 4, at + 0x1000, at);
	LOAD_REFUSED(AOUT_LEN, "below load_addr");
	aout(0, at, at, at + 0x100, at + 0x100, at); /* bss_end == load_end: no bss */
	dirty(at, 0x1000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_TRUE(copied(at, 0, 0x100));
		EXPECT_EQ(fake_mem[at + 0x100], 0xCC);
		EXPECT_EQ(ent.load_hi, at + 0x100);
	}
	aout(0, at, at, at + 0x100, at + 0xFC, at);
	LOAD_REFUSED(AOUT_LEN, "bss_end_addr");
	aout(0, at, at, at + AOUT_LEN + 4, 0, at); /* load_end past the file */
	LOAD_REFUSED(AOUT_LEN, "outside the image");
	aout(0, at, at, 0, 0, at); /* the whole file, no bss */
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(ent.load_hi, at + AOUT_LEN);
}

/* An image that loads nothing (load_end == load_addr, no bss) has no
 * destination: refused as such, before the entry is looked at. */
static void test_aout_empty(void)
{
	const uint32_t at = 0x200000;

	machine();
	aout(0, at, at, at, 0, at);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
}

/* The entry point: from load_addr to the last byte of bss. */
static void test_aout_entry(void)
{
	const uint32_t at = 0x200000;

	machine();
	aout(0, at, at, 0, at + 0x1000, at + 0xFFF);
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(ent.entry, at + 0xFFF);
	aout(0, at, at, 0, at + 0x1000, at + 0x1000);
	LOAD_REFUSED(AOUT_LEN, "outside the loaded image");
	aout(0, at, at, 0, at + 0x1000, at - 1);
	LOAD_REFUSED(AOUT_LEN, "outside the loaded image");
	/* A refused copy is never followed by an entry that looks fine. */
	aout(0, HV_SPA, HV_SPA, 0, HV_SPA + 0x1000, HV_SPA);
	LOAD_REFUSED(AOUT_LEN, "not free RAM");
}

/* ---- ELF images ----------------------------------------------------------- */

struct seg {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

#define ELF_PAYLOAD 0x100u /* the segments' file bytes start here */
#define ELF_PAYLOAD_LEN 0x300u

/* An ELF image: the ELF header, the multiboot header (no address fields) at
 * 0x40, the payload pattern at [ELF_PAYLOAD, +ELF_PAYLOAD_LEN), and the n
 * program headers from phoff (phentsize each); returns the length, which
 * ends with the last program header when phoff is past the payload. */
static uint64_t elf(bool is64, uint64_t entry, uint64_t phoff, uint16_t phentsize,
		    const struct seg *s, uint16_t n)
{
	uint8_t *img = image();
	uint32_t mb[3] = { MB_HEADER_MAGIC, 2, 0 };
	mb[2] = 0u - mb[0] - mb[1];

	memset(img, 0, 0x2000);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	if (is64) {
		memcpy(img + 24, &entry, 8);
		memcpy(img + 32, &phoff, 8);
		memcpy(img + 54, &phentsize, 2);
		memcpy(img + 56, &n, 2);
	} else {
		uint32_t e32 = (uint32_t)entry, p32 = (uint32_t)phoff;
		memcpy(img + 24, &e32, 4);
		memcpy(img + 28, &p32, 4);
		memcpy(img + 42, &phentsize, 2);
		memcpy(img + 44, &n, 2);
	}
	memcpy(img + 0x40, mb, sizeof(mb));
	for (uint32_t i = 0; i < ELF_PAYLOAD_LEN; i++)
		img[ELF_PAYLOAD + i] = (uint8_t)(i * 13 + 5);
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *p = img + phoff + (uint64_t)i * phentsize;
		memcpy(p, &s[i].type, 4);
		if (is64) {
			memcpy(p + 8, &s[i].offset, 8);
			memcpy(p + 24, &s[i].paddr, 8);
			memcpy(p + 32, &s[i].filesz, 8);
			memcpy(p + 40, &s[i].memsz, 8);
		} else {
			uint32_t v[4] = { (uint32_t)s[i].offset, (uint32_t)s[i].paddr,
					  (uint32_t)s[i].filesz, (uint32_t)s[i].memsz };
			memcpy(p + 4, &v[0], 4);
			memcpy(p + 12, &v[1], 4);
			memcpy(p + 16, &v[2], 4);
			memcpy(p + 20, &v[3], 4);
		}
	}
	uint64_t end = phoff + (uint64_t)n * phentsize;
	return end > ELF_PAYLOAD + ELF_PAYLOAD_LEN ? end : ELF_PAYLOAD + ELF_PAYLOAD_LEN;
}

#define PT_LOAD 1
#define PT_NOTE 4
#define PHOFF 0x400u /* past the payload: the image ends with the headers */

/* Two PT_LOADs in descending order, one with bss; a PT_NOTE and an empty
 * PT_LOAD that point into the hypervisor (ignored); the last header ends
 * the image, and the last segment's file bytes end where the payload does. */
static void elf_good(bool is64)
{
	const uint16_t phsz = is64 ? 56 : 32;
	struct seg s[4] = {
		{ PT_LOAD, ELF_PAYLOAD + 0x100, 0x300000, 0x200, 0x200 }, /* to the payload's end */
		{ PT_NOTE, 0, HV_SPA, 0x40, 0x40 },
		{ PT_LOAD, ELF_PAYLOAD, 0x200000, 0x100, 0x1000 },
		{ PT_LOAD, 0, HV_SPA, 0, 0 },
	};
	machine();
	uint64_t len = elf(is64, 0x200000, PHOFF, phsz, s, 4);
	EXPECT_EQ(len, PHOFF + 4u * phsz);
	dirty(0x200000, 0x1000);
	dirty(0x300000, 0x1000);
	if (LOAD_OK(len)) {
		EXPECT_TRUE(copied(0x200000, ELF_PAYLOAD, 0x100));
		EXPECT_TRUE(zeroed(0x200100, 0xF00));
		EXPECT_TRUE(copied(0x300000, ELF_PAYLOAD + 0x100, 0x200));
		EXPECT_EQ(fake_mem[0x300200], 0xCC);
		EXPECT_EQ(ent.entry, 0x200000);
		EXPECT_EQ(ent.load_lo, 0x200000);
		EXPECT_EQ(ent.load_hi, 0x300200);
		EXPECT_TRUE(ent.mbi != 0);
	}
	/* The entry: the last byte of the footprint, not its end. */
	elf(is64, 0x3001FF, PHOFF, phsz, s, 4);
	LOAD_OK(len);
	elf(is64, 0x300200, PHOFF, phsz, s, 4);
	LOAD_REFUSED(len, "outside its loadable segments");
	elf(is64, 0x1FFFFF, PHOFF, phsz, s, 4);
	LOAD_REFUSED(len, "outside its loadable segments");
	/* The header count is honoured: one header more is outside the image. */
	elf(is64, 0x200000, PHOFF, phsz, s, 4);
	uint16_t five = 5;
	memcpy(image() + (is64 ? 56 : 44), &five, 2);
	LOAD_REFUSED(len, "program header 4 outside the image");
	/* Only PT_NOTE and empty PT_LOADs: nothing loadable. */
	elf(is64, 0x200000, PHOFF, phsz, s + 1, 1);
	LOAD_REFUSED(PHOFF + phsz, "outside its loadable segments");
	elf(is64, 0x200000, PHOFF, phsz, s + 3, 1);
	LOAD_REFUSED(PHOFF + phsz, "outside its loadable segments");
}

static void test_elf64_load(void)
{
	elf_good(true);
}

static void test_elf32_load(void)
{
	elf_good(false);
}

/* p_offset/p_filesz inside the file, p_filesz <= p_memsz, the destination
 * in free RAM below 4 GiB. */
static void test_elf_segment_bounds(void)
{
	const uint64_t end = ELF_PAYLOAD + ELF_PAYLOAD_LEN;
	struct seg s = { PT_LOAD, ELF_PAYLOAD, 0x200000, 0x100, 0xFF }; /* filesz > memsz */

	machine();
	uint64_t len = elf(true, 0x200000, PHOFF, 56, &s, 1);
	LOAD_REFUSED(len, "outside the image");
	s = (struct seg){ PT_LOAD, ELF_PAYLOAD, 0x200000, 0x100, 0x100 }; /* filesz == memsz */
	dirty(0x200000, 0x1000);
	if (LOAD_OK(elf(true, 0x200000, PHOFF, 56, &s, 1))) {
		EXPECT_TRUE(copied(0x200000, ELF_PAYLOAD, 0x100));
		EXPECT_EQ(fake_mem[0x200100], 0xCC);
	}
	/* Only bss, its offset the image's end: accepted; one past: refused. */
	len = elf(true, 0x200000, 0x200, 56, &s, 1);
	EXPECT_EQ(len, end);
	s = (struct seg){ PT_LOAD, end, 0x200000, 0, 0x1000 };
	dirty(0x200000, 0x1000);
	if (LOAD_OK(elf(true, 0x200000, 0x200, 56, &s, 1)))
		EXPECT_TRUE(zeroed(0x200000, 0x1000));
	s.offset = end + 1;
	LOAD_REFUSED(elf(true, 0x200000, 0x200, 56, &s, 1), "outside the image");
	/* File bytes one past the image's end. */
	s = (struct seg){ PT_LOAD, end - 0x100, 0x200000, 0x101, 0x1000 };
	LOAD_REFUSED(elf(true, 0x200000, 0x200, 56, &s, 1), "outside the image");
	s.filesz = 0x100;
	LOAD_OK(elf(true, 0x200000, 0x200, 56, &s, 1));
	/* Into the hypervisor's memory; wrapping around 2^64. */
	s = (struct seg){ PT_LOAD, ELF_PAYLOAD, HV_SPA - 0x1000, 0x100, 0x1001 };
	LOAD_REFUSED(elf(true, HV_SPA - 0x1000, PHOFF, 56, &s, 1), "not free RAM");
	s = (struct seg){ PT_LOAD, ELF_PAYLOAD, 0xFFFFFFFFFFFFF000ull, 0x100, 0x2000 };
	LOAD_REFUSED(elf(true, 0x200000, PHOFF, 56, &s, 1), "not free RAM");
}

/* Below 4 GiB only, even where the machine has RAM above. */
static void test_elf_4g_limit(void)
{
	const uint64_t g4 = 0x100000000ull;

	machine();
	bi.ram[2] = (struct hv_mem_range){ HI_BASE, HI_LEN };
	bi.num_ram = 3;
	struct seg s = { PT_LOAD, ELF_PAYLOAD, g4 - 0x1000, 0x100, 0x1000 }; /* ends at 4 GiB */
	memset(hi_mem, 0xCC, HI_LEN);
	if (LOAD_OK(elf(true, g4 - 0x1000, PHOFF, 56, &s, 1))) {
		EXPECT_TRUE(copied(g4 - 0x1000, ELF_PAYLOAD, 0x100));
		EXPECT_TRUE(zeroed(g4 - 0x1000 + 0x100, 0xF00));
	}
	s.memsz = 0x1001;
	LOAD_REFUSED(elf(true, g4 - 0x1000, PHOFF, 56, &s, 1), "not free RAM");
	s.paddr = g4;
	s.memsz = 0x1000;
	LOAD_REFUSED(elf(true, 0x200000, PHOFF, 56, &s, 1), "not free RAM");
}

/* The program header table: the entry size, the count, inside the image. */
static void test_elf_phdr_bounds(void)
{
	struct seg s = { PT_LOAD, ELF_PAYLOAD, 0x200000, 0x100, 0x1000 };

	machine();
	uint64_t len = elf(true, 0x200000, PHOFF, 56, &s, 1);
	LOAD_REFUSED(elf(true, 0x200000, PHOFF, 55, &s, 1), "malformed");
	LOAD_REFUSED(elf(false, 0x200000, PHOFF, 31, &s, 1), "malformed");
	LOAD_OK(elf(false, 0x200000, PHOFF, 32, &s, 1));
	LOAD_REFUSED(elf(true, 0x200000, PHOFF, 56, &s, 0), "malformed");
	/* The table past the image's end, and straddling it. */
	elf(true, 0x200000, PHOFF, 56, &s, 1);
	LOAD_REFUSED(PHOFF - 8, "program header 0 outside the image");
	LOAD_REFUSED(len - 1, "program header 0 outside the image");
	/* A header at an offset past the end (and no wrap of offset + size). */
	uint64_t far = 0x10000;
	memcpy(image() + 32, &far, 8);
	LOAD_REFUSED(len, "program header 0 outside the image");
	far = 0xFFFFFFFFFFFFFFF0ull;
	memcpy(image() + 32, &far, 8);
	LOAD_REFUSED(len, "program header 0 outside the image");
}

/* Not an ELF image, or a big-endian one. */
static void test_elf_not_elf(void)
{
	struct seg s = { PT_LOAD, ELF_PAYLOAD, 0x200000, 0x100, 0x1000 };

	machine();
	uint64_t len = elf(true, 0x200000, PHOFF, 56, &s, 1);
	image()[5] = 2;
	LOAD_REFUSED(len, "not a little-endian ELF");
	image()[5] = 1;
	image()[1] = 'e';
	LOAD_REFUSED(len, "not a little-endian ELF");
}

/* The ELF header needs 64 bytes: a 64-byte ELF32 image whose one program
 * header overlaps the header's tail loads; a shorter one is refused before
 * any field past its end is read. */
static void test_elf_tiny(void)
{
	uint32_t mb[3] = { MB_HEADER_MAGIC, 0, 0u - MB_HEADER_MAGIC };
	uint32_t entry = 0x200001, phoff = 32, memsz = 0x1000;
	uint16_t phentsize = 32, phnum = 1, shentsize = 0x20;

	machine();
	uint8_t *img = image();
	memset(img, 0, 0x100);
	memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
	memcpy(img + 8, mb, sizeof(mb)); /* e_ident's padding, e_type, e_machine */
	memcpy(img + 24, &entry, 4);
	memcpy(img + 28, &phoff, 4);
	memcpy(img + 32, &(uint32_t){ 1 }, 4); /* e_shoff = p_type: PT_LOAD */
	memcpy(img + 42, &phentsize, 2);
	memcpy(img + 44, &phnum, 2);      /* p_paddr = 0x00200001 */
	memcpy(img + 46, &shentsize, 2);
	memcpy(img + 52, &memsz, 4);      /* p_memsz, past the 52-byte header */
	dirty(0x200001, 0x1000);
	if (LOAD_OK(64)) {
		EXPECT_EQ(ent.entry, 0x200001);
		EXPECT_EQ(ent.load_hi, 0x201001);
		EXPECT_TRUE(zeroed(0x200001, 0x1000));
	}
	LOAD_REFUSED(63, "not a little-endian ELF");
	LOAD_REFUSED(48, "not a little-endian ELF");
}

/* ---- the information structure ------------------------------------------ */

static const struct mb_info *mbi(void)
{
	return (const struct mb_info *)(fake_mem + ent.mbi);
}

/* mem_lower: RAM from 0 to the first hole, at most 640 KiB; mem_upper: from
 * 1 MiB to the first hole or reserved range. */
static void test_mem_lower_upper(void)
{
	machine();
	aout_at(0x300000, 0x301000);
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_EQ(mbi()->mem_lower, 0x9F000 / 1024);
		EXPECT_EQ(mbi()->mem_upper, (HV_SPA - MiB) / 1024);
	}
	/* Adjacent ranges join; conventional memory is cut at 640 KiB. */
	bi.ram[0] = (struct hv_mem_range){ 0, 0x50000 };
	bi.ram[1] = (struct hv_mem_range){ 0x50000, 0xB0000 };
	bi.ram[2] = (struct hv_mem_range){ MiB, MiB };
	bi.ram[3] = (struct hv_mem_range){ 2 * MiB, FAKE_MEM_SIZE - 2 * MiB };
	bi.num_ram = 4;
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_EQ(mbi()->mem_lower, 640);
		EXPECT_EQ(mbi()->mem_upper, (HV_SPA - MiB) / 1024);
	}
	/* No RAM at 0: mem_lower 0. A hole at 8 MiB ends mem_upper. A stale
	 * range past num_ram closing the hole is no RAM. */
	bi.ram[0] = (struct hv_mem_range){ 0x1000, 0x9E000 };
	bi.ram[1] = (struct hv_mem_range){ MiB, 7 * MiB };
	bi.ram[2] = (struct hv_mem_range){ 9 * MiB, FAKE_MEM_SIZE - 9 * MiB };
	bi.ram[3] = (struct hv_mem_range){ 8 * MiB, MiB };
	bi.num_ram = 3;
	if (LOAD_OK(AOUT_LEN)) {
		EXPECT_EQ(mbi()->mem_lower, 0);
		EXPECT_EQ(mbi()->mem_upper, 7 * 1024);
	}
	/* Reserved memory at exactly 1 MiB: mem_upper 0; a stale reserved entry
	 * past num_reserved ends nothing. */
	machine();
	bi.reserved[1] = (struct hv_mem_range){ MiB, MiB };
	bi.reserved[2] = (struct hv_mem_range){ 4 * MiB, MiB };
	bi.num_reserved = 2;
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(mbi()->mem_upper, 0);
	bi.reserved[1] = (struct hv_mem_range){ 16 * MiB, MiB };
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(mbi()->mem_upper, 15 * 1024);
}

/* The memory map: RAM type 1 with reserved ranges cut out as type 2, the
 * firmware's ranges with their type, sorted by address. */
static void test_mmap(void)
{
	machine();
	bi.reserved[1] = (struct hv_mem_range){ 8 * MiB, MiB };
	bi.reserved[2] = (struct hv_mem_range){ 0x9E000, 0x1000 }; /* the end of ram[0] */
	bi.reserved[3] = (struct hv_mem_range){ 9 * MiB, 0x10000 }; /* after reserved[1] */
	bi.num_reserved = 4;
	bi.ram[2] = (struct hv_mem_range){ 0x100000000ull, MiB }; /* no reserved range in it */
	bi.num_ram = 3;
	bi.firmware[0] = (struct hv_fw_range){ 0xF0000, 0x10000, 2 };
	bi.firmware[1] = (struct hv_fw_range){ 0x9F000, 0x1000, 4 };
	bi.num_firmware = 2;
	/* Stale entries past the counts are not in the map. */
	bi.ram[3] = (struct hv_mem_range){ 0x200000000ull, MiB };
	bi.reserved[4] = (struct hv_mem_range){ 2 * MiB, MiB };
	bi.firmware[2] = (struct hv_fw_range){ 0xE0000, 0x10000, 2 };
	aout_at(0x300000, 0x301000);
	if (!LOAD_OK(AOUT_LEN))
		return;
	const struct mb_mmap_entry want[] = {
		{ 20, 0, 0x9E000, 1 },
		{ 20, 0x9E000, 0x1000, 2 },
		{ 20, 0x9F000, 0x1000, 4 },
		{ 20, 0xF0000, 0x10000, 2 },
		{ 20, MiB, 7 * MiB, 1 },
		{ 20, 8 * MiB, MiB, 2 },
		{ 20, 9 * MiB, 0x10000, 2 },
		{ 20, 9 * MiB + 0x10000, HV_SPA - 9 * MiB - 0x10000, 1 },
		{ 20, HV_SPA, 8 * MiB, 2 },
		{ 20, 0x100000000ull, MiB, 1 },
	};
	const uint32_t n = sizeof(want) / sizeof(want[0]);
	EXPECT_TRUE(mbi()->flags & MB_INFO_MMAP);
	EXPECT_EQ(mbi()->mmap_length, n * sizeof(struct mb_mmap_entry));
	const struct mb_mmap_entry *mm = (const void *)(fake_mem + mbi()->mmap_addr);
	for (uint32_t i = 0; i < n && i * sizeof(*mm) < mbi()->mmap_length; i++) {
		EXPECT_EQ(mm[i].size, want[i].size);
		EXPECT_EQ(mm[i].addr, want[i].addr);
		EXPECT_EQ(mm[i].len, want[i].len);
		EXPECT_EQ(mm[i].type, want[i].type);
	}
	/* The information area lies outside the kernel, the modules and the
	 * hypervisor: at 0x8000 here. */
	EXPECT_EQ(ent.mbi, 0x8000);
}

/* The information area: the first of 0x8000, the page after the kernel, the
 * page after each module that is free RAM outside the kernel; none is
 * refused.  Modules past num_modules are no candidates. */
static void test_mbi_placement(void)
{
	machine();
	bi.ram[0] = (struct hv_mem_range){ 0, 0x20000 };
	bi.ram[1] = (struct hv_mem_range){ MiB, MOD_SPA + 0x1000 - MiB }; /* module 0 ends it */
	bi.ram[2] = (struct hv_mem_range){ 36 * MiB, 4 * MiB };
	bi.num_ram = 3;
	bi.modules[1] = (struct hv_module){ 37 * MiB, 0x1000, "stale" };
	aout_at(0x1000, 0x20000); /* the kernel covers 0x8000 and ends its RAM */
	LOAD_REFUSED(AOUT_LEN, "no free 0x8000 bytes of RAM for the multiboot information");
	/* Counted, the second module's end is the place. */
	bi.num_modules = 2;
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(ent.mbi, 37 * MiB + 0x1000);
	/* The kernel ending below its RAM's end: the page after it. */
	bi.num_modules = 1;
	aout_at(0x1000, 0x9001);
	if (LOAD_OK(AOUT_LEN))
		EXPECT_EQ(ent.mbi, 0xA000);
	/* RAM for the area that no backend maps: refused, nothing written. */
	bi.ram[0] = (struct hv_mem_range){ 0, 0x20000 };
	bi.ram[3] = (struct hv_mem_range){ 256 * MiB, MiB };
	bi.num_ram = 4;
	bi.modules[1] = (struct hv_module){ 256 * MiB - 0x1000, 0x1000, "high" };
	bi.num_modules = 2;
	aout_at(0x1000, 0x20000);
	LOAD_REFUSED(AOUT_LEN, "no free 0x8000 bytes of RAM for the multiboot information");
}

/* The module list: modules 1.. (module 0 is the kernel), each with its
 * command line, then an all-zero entry; a module past num_modules is not
 * listed. */
static void test_module_list(void)
{
	machine();
	bi.modules[1] = (struct hv_module){ 40 * MiB, 0x1234, "mod1 arg" };
	bi.modules[2] = (struct hv_module){ 44 * MiB, 0x1000, "stale" };
	aout_at(0x300000, 0x301000);
	if (!LOAD_OK(AOUT_LEN))
		return;
	EXPECT_EQ(mbi()->mods_count, 0);
	const struct mb_module *m = (const void *)(fake_mem + mbi()->mods_addr);
	EXPECT_EQ(m[0].mod_start | m[0].mod_end | m[0].string, 0);
	bi.num_modules = 2;
	if (!LOAD_OK(AOUT_LEN))
		return;
	EXPECT_EQ(mbi()->mods_count, 1);
	m = (const void *)(fake_mem + mbi()->mods_addr);
	EXPECT_EQ(m[0].mod_start, 40 * MiB);
	EXPECT_EQ(m[0].mod_end, 40 * MiB + 0x1234);
	EXPECT_EQ(strcmp((const char *)fake_mem + m[0].string, "mod1 arg"), 0);
	EXPECT_EQ(m[1].mod_start | m[1].mod_end | m[1].string, 0);
	EXPECT_EQ(strcmp((const char *)fake_mem + mbi()->cmdline, "root"), 0);
}

/* Module 0 itself: present, readable, at least a header long; the header
 * 4-aligned within the first MB_SEARCH_LEN bytes, its checksum right, no
 * feature the loader lacks. */
static void test_header_search(void)
{
	const uint32_t at = 0x200000;

	machine();
	aout_at(at, at + 0x1000);
	if (LOAD_OK(32)) /* exactly the header */
		EXPECT_TRUE(strstr(fake_console, "boot: root OS loaded at 0x200000-0x201000, "
						 "entry 0x200000, mbi 0x8000") != NULL);
	LOAD_REFUSED(31, "unreadable or too small");
	EXPECT_TRUE(strstr(fake_console, "root OS loaded") == NULL);
	bi.modules[0].spa = 256 * MiB; /* not mapped */
	LOAD_REFUSED(AOUT_LEN, "unreadable or too small");
	bi.modules[0].spa = MOD_SPA;
	bi.num_modules = 0;
	LOAD_REFUSED(AOUT_LEN, "no module 0");
	bi.num_modules = 1;
	/* The header as the last 32 bytes of the image, and of the search. */
	memset(image(), 0, 0x3000);
	aout(AOUT_LEN - 32, at + AOUT_LEN - 32, at, 0, at + 0x1000, at);
	LOAD_OK(AOUT_LEN);
	LOAD_REFUSED(AOUT_LEN - 4, "no multiboot header");
	memset(image(), 0, 0x3000);
	uint32_t h[8] = { MB_HEADER_MAGIC, MB_FLAG_AOUT_KLUDGE, 0, at + MB_SEARCH_LEN - 32, at, 0,
			  at + 0x4000, at };
	h[2] = 0u - h[0] - h[1];
	memcpy(image() + MB_SEARCH_LEN - 32, h, sizeof(h));
	LOAD_OK(0x3000);
	memset(image(), 0, 0x3000);
	h[3] = at + MB_SEARCH_LEN - 28;
	memcpy(image() + MB_SEARCH_LEN - 28, h, sizeof(h));
	LOAD_REFUSED(0x3000, "no multiboot header");
	/* A wrong checksum; a video mode request (flag 2). */
	aout_at(at, at + 0x1000);
	image()[8] ^= 1;
	LOAD_REFUSED(AOUT_LEN, "no multiboot header");
	uint32_t video[3] = { MB_HEADER_MAGIC, MB_FLAG_AOUT_KLUDGE | 4, 0 };
	video[2] = 0u - video[0] - video[1];
	memcpy(image(), video, sizeof(video));
	LOAD_REFUSED(AOUT_LEN, "unsupported features");
}

static const struct test_case tests[] = {
	{ "ram_edges", test_ram_edges },
	{ "reserved_and_module_edges", test_reserved_and_module_edges },
	{ "unmapped_ram", test_unmapped_ram },
	{ "aout_header_offsets", test_aout_header_offsets },
	{ "aout_load_bss", test_aout_load_bss },
	{ "aout_empty", test_aout_empty },
	{ "aout_entry", test_aout_entry },
	{ "elf64_load", test_elf64_load },
	{ "elf32_load", test_elf32_load },
	{ "elf_segment_bounds", test_elf_segment_bounds },
	{ "elf_4g_limit", test_elf_4g_limit },
	{ "elf_phdr_bounds", test_elf_phdr_bounds },
	{ "elf_not_elf", test_elf_not_elf },
	{ "elf_tiny", test_elf_tiny },
	{ "mem_lower_upper", test_mem_lower_upper },
	{ "mmap", test_mmap },
	{ "mbi_placement", test_mbi_placement },
	{ "module_list", test_module_list },
	{ "header_search", test_header_search },
};

TEST_MAIN("test_mb_loader", tests)
