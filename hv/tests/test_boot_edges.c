/*
 * The core's boot checks at their limits: a boot information with one range
 * more than the core holds (device memory, firmware) is refused before
 * anything is set up, core_pp_init of a PP the machine does not have
 * answers -1, and the boot log states the root's RAM.  `test_boot_edges NAME`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/arch/core.h>

#include "fake_arch.h"
#include "test_main.h"

#define BAD_COUNT "boot information has bad device memory range count"

static struct hv_boot_info bi;

/* A boot information that is valid but for what the test changes. */
static void base(void)
{
	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	memset(&bi, 0, sizeof(bi));
	bi.num_pps = 1;
	bi.ram[0] = (struct hv_mem_range){ 0, FAKE_MEM_SIZE };
	bi.num_ram = 1;
	bi.reserved[0] = (struct hv_mem_range){ FAKE_MEM_SIZE - (8 << 20), 8 << 20 };
	bi.num_reserved = 1;
	bi.pool = bi.reserved[0];
}

static void expect_refused(const char *what)
{
	fake_console_len = 0;
	fake_console[0] = 0;
	EXPECT_EQ(core_init(&bi), -1);
	if (!strstr(fake_console, BAD_COUNT)) {
		fprintf(stderr, "%s: the console lacks \"%s\":\n%s\n", what, BAD_COUNT, fake_console);
		failures++;
	}
	EXPECT_EQ(fake_slpt_pages[0], 0);
}

/* HV_MAX_MEM_RANGES + 1 device or firmware ranges: refused. */
static void test_range_counts(void)
{
	base();
	bi.num_firmware = HV_MAX_MEM_RANGES + 1;
	expect_refused("firmware");
	base();
	bi.num_mmio = HV_MAX_MEM_RANGES + 1;
	expect_refused("mmio");
}

/* core_pp_init of PP 1 on a machine of one PP: -1, nothing started. */
static void test_pp_init_absent(void)
{
	fake_boot_default();
	EXPECT_EQ(core_pp_init(1), -1);
	EXPECT_EQ(core_pp_init(0xFFFF), -1);
	EXPECT_EQ(core_pp_init(0), 0);
}

/* The log's RAM figure: the fake machine's RAM less the 8 MiB reserved. */
static void test_ram_logged(void)
{
	char want[64];

	fake_boot_default();
	snprintf(want, sizeof(want), "boot: root VM owns %llu MiB of RAM",
		 (unsigned long long)((FAKE_MEM_SIZE - (8 << 20)) >> 20));
	if (!strstr(fake_console, want)) {
		fprintf(stderr, "the console lacks \"%s\":\n%s\n", want, fake_console);
		failures++;
	}
}

static const struct test_case tests[] = {
	{ "range_counts", test_range_counts },
	{ "pp_init_absent", test_pp_init_absent },
	{ "ram_logged", test_ram_logged },
};

TEST_MAIN("test_boot_edges", tests)
