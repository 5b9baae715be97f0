/*
 * Unit test of iommu/io_pt.c with both real entry formats (amdvi_pt.c,
 * vtd_pt.c) on the host: CTest x86.io_pt.  The pool is a static array
 * (page_alloc can be made to fail); translations are read back with the
 * walk each IOMMU does (AMD: NextLevel, a level-2 PDE with NextLevel 0 maps
 * 2 MiB; VT-d: PS).  Checks: a 2 MiB map is one leaf; a split keeps every
 * page's translation and permissions; a map or unmap of the first, last
 * or a middle page of a 2 MiB leaf changes that page only; a split without
 * table memory fails with nothing changed; without 2 MiB pages (VT-d
 * without SLLPS) 2 MiB is 512 pages, undone when the pool runs out; a 2 MiB
 * map over mapped pages, unaligned or without access is refused.
 */
#include <stdlib.h>

#include "../iommu/amdvi.h"
#include "../iommu/io_pt.h"
#include "../iommu/vtd.h"

#include "x86_pool.h"

/* ---- stubs: the log (the pool: x86_pool.h; io_pt writes every entry of
 * a new table, so its pages start as garbage) ---- */
void hv_log(const char *fmt, ...) { (void)fmt; }
void hv_panic(const char *fmt, ...)
{
	printf("panic: %s\n", fmt);
	exit(2);
}

/* ---- the walk each IOMMU does: the 4 KiB translation of iova ---- */
#define R 1u
#define W 2u
struct xl {
	uint64_t spa;   /* 0: faults */
	unsigned perm;  /* R | W */
	int level;      /* of the leaf: 1 (4 KiB) or 2 (2 MiB) */
};

static struct xl walk_amd(uint64_t root, uint64_t iova)
{
	struct xl x = { 0, 0, 0 };
	uint64_t t = root;
	unsigned perm = R | W;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = ((uint64_t *)(uintptr_t)t)[(iova >> (12 + 9 * (level - 1))) & 511];
		if (!(e & AMDVI_PTE_PR))
			return x;
		perm &= (unsigned)((e >> 61) & 3);
		unsigned next = (unsigned)(e >> 9) & 7;
		if (next == 0) {
			uint64_t size = 1ull << (12 + 9 * (level - 1));
			x.spa = (e & AMDVI_PTE_ADDR & ~(size - 1)) | (iova & (size - 1) & ~0xFFFull);
			x.perm = perm;
			x.level = level;
			return x;
		}
		if ((int)next != level - 1)
			return x; /* the driver never skips levels */
		t = e & AMDVI_PTE_ADDR;
	}
	return x;
}

static struct xl walk_vtd(uint64_t root, uint64_t iova)
{
	struct xl x = { 0, 0, 0 };
	uint64_t t = root;
	unsigned perm = R | W;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = ((uint64_t *)(uintptr_t)t)[(iova >> (12 + 9 * (level - 1))) & 511];
		if (!(e & (VTD_SL_R | VTD_SL_W)))
			return x;
		perm &= (unsigned)(e & 3);
		if (level == 1 || (level == 2 && (e & VTD_SL_PS))) {
			uint64_t size = 1ull << (12 + 9 * (level - 1));
			x.spa = (e & VTD_SL_ADDR & ~(size - 1)) | (iova & (size - 1) & ~0xFFFull);
			x.perm = perm;
			x.level = level;
			return x;
		}
		t = e & VTD_SL_ADDR;
	}
	return x;
}

static struct io_pt *pt;
static bool is_amd;

static struct xl xlate(uint64_t iova)
{
	return is_amd ? walk_amd(pt->root, iova) : walk_vtd(pt->root, iova);
}

#define IOVA 0x40000000ull /* 1 GiB */
#define SPA 0x7FC00000ull
static struct xl before[512];

static void snapshot(void)
{
	for (unsigned i = 0; i < 512; i++)
		before[i] = xlate(IOVA + i * 4096ull);
}

/* Every page of the 2 MiB but `skip` translates as before (the level aside). */
static void expect_unchanged(unsigned skip)
{
	for (unsigned i = 0; i < 512; i++) {
		struct xl x = xlate(IOVA + i * 4096ull);
		if (i != skip)
			EXPECT(x.spa == before[i].spa && x.perm == before[i].perm);
	}
}

/* A fresh domain with IOVA..+2 MiB mapped by io_pt_map_2m. */
static void setup(bool write)
{
	memset(used, 0, sizeof(used));
	pt->root = 0;
	pt->leaves_2m = pt->leaves_4k = 0;
	EXPECT(io_pt_map_2m(pt, IOVA, SPA, true, write) == 0);
	snapshot();
}

static void test_format(void)
{
	static const unsigned pages[] = { 0, 511, 200 }; /* first, last, middle */

	/* One 2 MiB leaf, every page translated with its permissions. */
	setup(true);
	EXPECT(pt->leaves_2m == 1 && pt->leaves_4k == 0);
	for (unsigned i = 0; i < 512; i++) {
		struct xl x = xlate(IOVA + i * 4096ull);
		EXPECT(x.spa == SPA + i * 4096ull && x.perm == (R | W) && x.level == 2);
	}
	EXPECT(xlate(IOVA - 4096).spa == 0 && xlate(IOVA + 0x200000).spa == 0);

	/* Refused: a 2 MiB map over mapped pages, unaligned, or without access. */
	unsigned u = pool_used();
	EXPECT(io_pt_map_2m(pt, IOVA, SPA, true, true) == -1);
	EXPECT(io_pt_map_2m(pt, IOVA + 0x200000 + 4096, SPA, true, true) == -1);
	EXPECT(io_pt_map_2m(pt, IOVA + 0x200000, SPA + 4096, true, true) == -1);
	EXPECT(io_pt_map_2m(pt, IOVA + 0x200000, SPA, false, false) == -1);
	EXPECT(xlate(IOVA + 0x200000).spa == 0 && pool_used() == u);
	EXPECT(io_pt_map(pt, IOVA + 0x200000 + 4096, 0x5000, true, false) == 0);
	EXPECT(io_pt_map_2m(pt, IOVA + 0x200000, SPA, true, true) == -1);
	EXPECT(xlate(IOVA + 0x200000).spa == 0 && xlate(IOVA + 0x201000).spa == 0x5000);

	for (int w = 0; w < 2; w++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned p = pages[k];
			uint64_t iova = IOVA + p * 4096ull;

			/* A split alone changes no translation; without memory, nothing. */
			setup(w);
			u = pool_used();
			fail_alloc = 1;
			EXPECT(io_pt_split(pt, iova) == -1);
			EXPECT(xlate(iova).level == 2 && pool_used() == u && pt->leaves_2m == 1);
			fail_alloc = 0;
			EXPECT(io_pt_split(pt, iova) == 0);
			EXPECT(xlate(iova).level == 1 && pool_used() == u + 1);
			EXPECT(pt->leaves_2m == 0 && pt->leaves_4k == 512);
			expect_unchanged(512);
			EXPECT(io_pt_split(pt, iova) == 0 && pool_used() == u + 1);

			/* Unmapping one page (split first, as the core does, or
			 * not): that page faults, the others stay. */
			for (int pre = 0; pre < 2; pre++) {
				setup(w);
				if (pre)
					EXPECT(io_pt_split(pt, iova) == 0);
				io_pt_unmap(pt, iova);
				EXPECT(xlate(iova).spa == 0 && pt->leaves_4k == 511);
				expect_unchanged(p);
				/* mapped again (a donation given back): as before */
				EXPECT(io_pt_map(pt, iova, SPA + p * 4096ull, true, w) == 0);
				expect_unchanged(512);
			}

			/* Mapping one page elsewhere: the others stay; without
			 * table memory nothing changes at all. */
			setup(w);
			u = pool_used();
			fail_alloc = 1;
			EXPECT(io_pt_map(pt, iova, 0x1234000, true, false) == -1);
			fail_alloc = 0;
			EXPECT(xlate(iova).level == 2 && pool_used() == u);
			expect_unchanged(512);
			EXPECT(io_pt_map(pt, iova, 0x1234000, true, false) == 0);
			struct xl x = xlate(iova);
			EXPECT(x.spa == 0x1234000 && x.perm == R && x.level == 1);
			expect_unchanged(p);
			/* no access: an unmap */
			EXPECT(io_pt_map(pt, iova, 0x1234000, false, false) == 0);
			EXPECT(xlate(iova).spa == 0);
			expect_unchanged(p);
		}
	}

	/* The table of a level, as VT-d's 3-level units start below entry 0. */
	setup(true);
	uint64_t l3 = io_pt_table(pt, 0, 3);
	EXPECT(l3 && (((uint64_t *)(uintptr_t)pt->root)[0] & IO_PT_ADDR) == l3);
	EXPECT(io_pt_table(pt, 0, 4) == pt->root);
}

/* Without 2 MiB pages: 512 leaves, none left when the pool runs out. */
static void test_no_2m(void)
{
	pt->use_2m = false;
	setup(true);
	EXPECT(pt->leaves_2m == 0 && pt->leaves_4k == 512);
	for (unsigned i = 0; i < 512; i++) {
		struct xl x = xlate(IOVA + i * 4096ull);
		EXPECT(x.spa == SPA + i * 4096ull && x.level == 1);
	}
	/* the next 2 MiB needs a new level-1 table, which cannot be had */
	unsigned u = pool_used();
	fail_alloc = 1;
	EXPECT(io_pt_map_2m(pt, IOVA + 0x200000, SPA, true, true) == -1);
	fail_alloc = 0;
	EXPECT(pool_used() == u && pt->leaves_4k == 512 && xlate(IOVA + 0x200000).spa == 0);
	pt->use_2m = true;
}

int main(void)
{
	pool_fill_byte = 0xEE;
	is_amd = true;
	pt = amdvi_pt();
	EXPECT(pt->use_2m);
	test_format();
	/* AMD: not-present entries keep NextLevel 1 (amdvi.h) */
	setup(true);
	io_pt_unmap(pt, IOVA);
	uint64_t *t = page_hva(pt->root);
	for (int level = 4; level > 1; level--)
		t = page_hva(t[(IOVA >> (12 + 9 * (level - 1))) & 511] & IO_PT_ADDR);
	EXPECT(t[0] == AMDVI_PTE_ABSENT);
	test_no_2m();

	is_amd = false;
	pt = vtd_pt();
	EXPECT(!pt->use_2m); /* until the units' SLLPS says so */
	vtd_pt_set_2m(true);
	test_format();
	test_no_2m();
	EXPECT(vtd_pt_top(4) == pt->root && vtd_pt_top(3) == io_pt_table(pt, 0, 3));

	printf("%s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
