/*
 * Unit test of boot/place.c's place_top, the choice of where the
 * hypervisor's image and page pool go (the top of RAM below a limit,
 * around busy ranges): CTest x86.place_top, on the host.
 */
#include <stdio.h>

#include <x86/boot.h>

#include "x86_expect.h"

#define MIB 0x100000ull
#define PAGE 0x1000ull

int main(void)
{
	const struct hv_mem_range ram[] = { { 0x0, 0x9F000 }, { MIB, 511 * MIB - 0x20000 } };
	const uint64_t top = 512 * MIB - 0x20000; /* QEMU: the last 128 KiB are the firmware's */
	const uint64_t img = 0x2B8000;

	expect("top of RAM, page-aligned", place_top(ram, 2, NULL, 0, img, PAGE, 1ull << 32),
	       top - img);
	expect("2 MiB-aligned", place_top(ram, 2, NULL, 0, 32 * MIB, 2 * MIB, 1ull << 32),
	       0x1DE00000);
	const struct hv_mem_range image[] = { { top - img, img } };
	expect("the pool right below the image",
	       place_top(ram, 2, image, 1, 32 * MIB, PAGE, 1ull << 32), top - img - 32 * MIB);
	expect("below a limit", place_top(ram, 2, NULL, 0, img, PAGE, 256 * MIB), 256 * MIB - img);
	const struct hv_mem_range busy[] = { { top - 3 * MIB, 3 * MIB }, { 100 * MIB, MIB } };
	expect("below a busy range at the top", place_top(ram, 2, busy, 2, img, PAGE, 1ull << 32),
	       top - 3 * MIB - img);
	const struct hv_mem_range wall[] = { { MIB, 511 * MIB } };
	expect("nothing free: 0", place_top(ram, 2, wall, 1, img, PAGE, 1ull << 32), 0);
	expect("too big: 0", place_top(ram, 2, NULL, 0, 600 * MIB, PAGE, 1ull << 32), 0);
	expect("only the low range fits under a 1 MiB limit",
	       place_top(ram, 2, NULL, 0, 0x10000, PAGE, MIB), 0x9F000 - 0x10000);
	if (failures)
		return 1;
	printf("place_top: all checks passed\n");
	return 0;
}
