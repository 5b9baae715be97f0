/*
 * The edges of two range checks of guest memory, each at its exact
 * boundary (issue 17's survivors):
 *   - mdl_overlaps (mdl.c): entries that touch (one ends where the next
 *     begins) are not an overlap, one shared page is; the heap sort finds
 *     an overlap whatever the entries' order, and a list of the largest
 *     size (MDL_MAX_RANGES entries) stays inside the sort's index (ASan);
 *   - mm_root_device (mm_device.c): the root's device memory is
 *     [spa, spa + len): its first and last page are device memory, the page
 *     before and the page at its end are not; a full table (HV_MAX_MEM_RANGES
 *     device and as many firmware ranges) is read to its last entry and no
 *     further (ASan);
 *   - root_map_devices (core.c): a firmware range that ends exactly at
 *     4 GiB is mapped for the root, one that crosses 4 GiB is not;
 *   - mm_copy (mm.c): a guest page the backend cannot reach (arch_spa_to_hva
 *     NULL, wrapped here) fails mm_read/mm_write, it is never dereferenced.
 * `test_mm_edges NAME`.
 */
#include <stdlib.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "fake_unreachable.h"
#include "mdl.h"
#include "test_main.h"

#define PAGE 0x1000ull

static struct mdl m; /* large: MDL_MAX_RANGES entries */

static void set(uint32_t i, uint64_t gpa, uint64_t pages)
{
	m.r[i] = (struct mdl_range){ gpa, pages * PAGE };
	if (m.n <= i)
		m.n = i + 1;
}

/* Two entries in both orders, touching and overlapping by one page. */
static void test_mdl_touching(void)
{
	const uint64_t a = 0x400000;

	m.n = 0;
	set(0, a, 2);
	set(1, a + 2 * PAGE, 1);
	EXPECT_TRUE(!mdl_overlaps(&m)); /* [a, a+2p) then [a+2p, a+3p) */
	set(0, a + 2 * PAGE, 1);
	set(1, a, 2);
	EXPECT_TRUE(!mdl_overlaps(&m)); /* the same, the later range first */
	set(1, a, 3);
	EXPECT_TRUE(mdl_overlaps(&m)); /* [a, a+3p) holds a+2p too */
	set(0, a, 3);
	set(1, a + 2 * PAGE, 1);
	EXPECT_TRUE(mdl_overlaps(&m));
	set(1, a, 1);
	EXPECT_TRUE(mdl_overlaps(&m)); /* the same start */
	m.n = 1;
	EXPECT_TRUE(!mdl_overlaps(&m)); /* one entry: nothing to overlap */
}

/* Many touching entries in a scrambled order: none overlaps, and moving any
 * one of them onto its neighbour's first page is found, wherever the sort
 * has to carry it from. */
static void test_mdl_sorted_anywhere(void)
{
	const uint32_t n = 37; /* not a power of two: every heap shape */
	const uint64_t base = 0x1000000;

	m.n = 0;
	for (uint32_t i = 0; i < n; i++)
		set(i, base + (uint64_t)((i * 17) % n) * PAGE, 1); /* 17 is prime to 37 */
	EXPECT_TRUE(!mdl_overlaps(&m));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t was = m.r[i].gpa;
		uint64_t other = was == base ? base + PAGE : was - PAGE;
		m.r[i].gpa = other;
		if (!mdl_overlaps(&m)) {
			fprintf(stderr, "entry %u moved onto 0x%llx: no overlap found\n", i,
				(unsigned long long)other);
			failures++;
		}
		m.r[i].gpa = was;
	}
	EXPECT_TRUE(!mdl_overlaps(&m));
}

/* The largest list a hypercall can hand in: MDL_MAX_RANGES entries, touching,
 * in descending order, then the last two made to overlap. */
static void test_mdl_largest(void)
{
	m.n = 0;
	for (uint32_t i = 0; i < MDL_MAX_RANGES; i++)
		set(i, (uint64_t)(MDL_MAX_RANGES - i) * PAGE, 1);
	EXPECT_EQ(m.n, MDL_MAX_RANGES);
	EXPECT_TRUE(!mdl_overlaps(&m));
	m.r[MDL_MAX_RANGES - 1].gpa = m.r[MDL_MAX_RANGES - 2].gpa;
	EXPECT_TRUE(mdl_overlaps(&m));
}

static bool dev(uint64_t gpa)
{
	return mm_root_device(gpa / PAGE);
}

/* One device range and one firmware range of each kind noted: their first
 * and last pages are devices, the pages around them are not; firmware of
 * types 1 (RAM) and 5 (unusable) is no device. */
static void test_device_edges(void)
{
	const struct hv_mem_range mmio[1] = { { 0xFEC00000ull, 2 * PAGE } };
	const struct hv_fw_range fw[5] = {
		{ 0x9F000, PAGE, 2 }, { 0xE0000, 4 * PAGE, 3 }, { 0x7FF0000, 16 * PAGE, 4 },
		{ 0x200000, PAGE, 1 }, { 0x300000, PAGE, 5 },
	};

	mm_root_note_devices(mmio, 1, fw, 5);
	EXPECT_TRUE(!dev(0xFEC00000ull - PAGE));
	EXPECT_TRUE(dev(0xFEC00000ull));
	EXPECT_TRUE(dev(0xFEC00000ull + PAGE));
	EXPECT_TRUE(!dev(0xFEC00000ull + 2 * PAGE));
	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(!dev(fw[i].spa - PAGE));
		EXPECT_TRUE(dev(fw[i].spa));
		EXPECT_TRUE(dev(fw[i].spa + fw[i].len - PAGE));
		EXPECT_TRUE(!dev(fw[i].spa + fw[i].len));
	}
	EXPECT_TRUE(!dev(0x200000));
	EXPECT_TRUE(!dev(0x300000));
	mm_root_note_devices(mmio, 0, fw, 0); /* noted again: nothing */
	EXPECT_TRUE(!dev(0xFEC00000ull));
	EXPECT_TRUE(!dev(fw[1].spa));
}

/* A full table: HV_MAX_MEM_RANGES device ranges and as many firmware ranges
 * (and more, which are ignored); every range's edges, the last one's too,
 * and a GPA in none of them (the search reads every entry and stops). */
static void test_device_table_full(void)
{
	struct hv_mem_range mmio[HV_MAX_MEM_RANGES + 1];
	struct hv_fw_range fw[HV_MAX_MEM_RANGES + 1];

	for (uint32_t i = 0; i <= HV_MAX_MEM_RANGES; i++) {
		mmio[i] = (struct hv_mem_range){ 0x10000000ull + i * 0x100000ull, PAGE };
		fw[i] = (struct hv_fw_range){ 0x20000000ull + i * 0x100000ull, 2 * PAGE, 2 + i % 3 };
	}
	mm_root_note_devices(mmio, HV_MAX_MEM_RANGES + 1, fw, HV_MAX_MEM_RANGES + 1);
	for (uint32_t i = 0; i < HV_MAX_MEM_RANGES; i++) {
		EXPECT_TRUE(dev(mmio[i].spa));
		EXPECT_TRUE(!dev(mmio[i].spa + PAGE));
		EXPECT_TRUE(dev(fw[i].spa + PAGE));
		EXPECT_TRUE(!dev(fw[i].spa + 2 * PAGE));
	}
	EXPECT_TRUE(!dev(mmio[HV_MAX_MEM_RANGES].spa)); /* past the table: left out */
	EXPECT_TRUE(!dev(fw[HV_MAX_MEM_RANGES].spa));
	EXPECT_TRUE(!dev(0x40000000ull));
	EXPECT_TRUE(!dev(0));
}

/* Firmware ranges below 4 GiB are mapped for the root, the one that ends
 * exactly at 4 GiB too (uncacheable where type 2); one that crosses 4 GiB,
 * [4G - 4 KiB, 4G + 4 KiB), is not (test_firmware_across_4g). */
static void test_firmware_at_4g(void)
{
	const uint64_t g4 = 0x100000000ull;
	uint64_t spa = 0, flags = 0;

	fake_fw[0] = (struct hv_fw_range){ g4 - 0x40000, 0x40000, 2 };
	fake_fw[1] = (struct hv_fw_range){ 0xC0000000ull - PAGE, 2 * PAGE, 3 };
	fake_fw[2] = (struct hv_fw_range){ 0xDFFFF000ull, PAGE, 4 };
	fake_num_fw = 3;
	fake_boot_default();
	EXPECT_TRUE(fake_slpt_get(0, g4 - 0x40000, &spa, &flags));
	EXPECT_TRUE(fake_slpt_get(0, g4 - PAGE, &spa, &flags));
	EXPECT_EQ(spa, g4 - PAGE);
	EXPECT_TRUE(flags & MV_GPA_FLAG_UNCACHEABLE);
	EXPECT_TRUE(mm_root_device((g4 - PAGE) >> 12));
	EXPECT_TRUE(fake_slpt_get(0, 0xC0000000ull, &spa, &flags)); /* type 3: cacheable */
	EXPECT_TRUE(!(flags & MV_GPA_FLAG_UNCACHEABLE));
	EXPECT_TRUE(fake_slpt_get(0, 0xDFFFF000ull, &spa, &flags));
}

static void test_firmware_across_4g(void)
{
	const uint64_t g4 = 0x100000000ull;
	uint64_t spa = 0, flags = 0;

	fake_fw[0] = (struct hv_fw_range){ g4 - PAGE, 2 * PAGE, 2 };
	fake_num_fw = 1;
	fake_boot_default();
	EXPECT_TRUE(!fake_slpt_get(0, g4 - PAGE, &spa, &flags));
	EXPECT_TRUE(!fake_slpt_get(0, g4, &spa, &flags));
}

/* mm_read/mm_write of a root page the backend cannot reach: -1, and the
 * pages around it still copy. */
static void test_copy_unreachable(void)
{
	const uint64_t gpa = 0x300000;
	uint8_t buf[16] = { 1, 2, 3 };
	struct hv_vm *root;

	fake_boot_default();
	root = vm_get(0);
	EXPECT_EQ(mm_write(root, gpa - 8, buf, 8), 0);
	fake_unreachable_spa = gpa;
	EXPECT_EQ(mm_read(root, gpa, buf, 8), -1);
	EXPECT_EQ(mm_write(root, gpa, buf, 8), -1);
	EXPECT_EQ(mm_read(root, gpa - 8, buf, 16), -1); /* the second page fails */
	EXPECT_EQ(mm_read(root, gpa - 8, buf, 8), 0);
	EXPECT_EQ(buf[0], 1);
	fake_unreachable_spa = 0;
	EXPECT_EQ(mm_read(root, gpa, buf, 8), 0);
}

static const struct test_case tests[] = {
	{ "mdl_touching", test_mdl_touching },
	{ "mdl_sorted_anywhere", test_mdl_sorted_anywhere },
	{ "mdl_largest", test_mdl_largest },
	{ "device_edges", test_device_edges },
	{ "device_table_full", test_device_table_full },
	{ "firmware_at_4g", test_firmware_at_4g },
	{ "firmware_across_4g", test_firmware_across_4g },
	{ "copy_unreachable", test_copy_unreachable },
};

TEST_MAIN("test_mm_edges", tests)
