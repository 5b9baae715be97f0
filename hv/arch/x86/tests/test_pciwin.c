/*
 * Unit test of boot/pciwin.c's pciwin_find, the PCI MMIO window the root
 * gets (E-54): CTest x86.pciwin, on the host.  QEMU q35's map (two pieces
 * around the ECAM), a hole in the middle, the APIC pages, RAM up to the
 * window's end (no window), more holes than room (no window).
 */
#include <stdio.h>
#include <string.h>

#include <x86/boot.h>

#include "x86_expect.h"

void hv_log(const char *fmt, ...) { (void)fmt; }

#define MIB 0x100000ull

static struct hv_boot_info bi;

static void reset(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.ram[0] = (struct hv_mem_range){ 0, 0x9F000 };
	bi.ram[1] = (struct hv_mem_range){ MIB, 511 * MIB - 0x20000 };
	bi.num_ram = 2;
}

static void fw(uint64_t spa, uint64_t len)
{
	bi.firmware[bi.num_firmware++] = (struct hv_fw_range){ spa, len, 2 };
}

int main(void)
{
	/* QEMU q35, 512 MiB: the last 128 KiB below 512 MiB and the ECAM are
	 * the firmware's; the window is the rest up to 0xFE000000. */
	reset();
	fw(0x9F000, 0x1000);
	fw(512 * MIB - 0x20000, 0x20000);
	fw(0xB0000000, 0x10000000);
	fw(0xFED1C000, 0x4000);
	fw(0xFFFC0000, 0x40000);
	bi.lapic = 0xFEE00000;
	bi.ioapic = 0xFEC00000;
	pciwin_find(&bi);
	expect("q35 pieces", bi.num_pci_window, 2);
	expect("q35 [0] start", bi.pci_window[0].spa, 512 * MIB);
	expect("q35 [0] end", bi.pci_window[0].spa + bi.pci_window[0].len, 0xB0000000);
	expect("q35 [1] start", bi.pci_window[1].spa, 0xC0000000);
	expect("q35 [1] end", bi.pci_window[1].spa + bi.pci_window[1].len, 0xFE000000);

	/* An APIC page moved into the window is cut out (a page-sized hole). */
	reset();
	bi.lapic = 0xD0000000;
	pciwin_find(&bi);
	expect("lapic pieces", bi.num_pci_window, 2);
	expect("lapic [0] end", bi.pci_window[0].spa + bi.pci_window[0].len, 0xD0000000);
	expect("lapic [1] start", bi.pci_window[1].spa, 0xD0001000);

	/* A firmware range over the window's start or end trims it. */
	reset();
	fw(500 * MIB, 20 * MIB);
	fw(0xFD000000, 0x2000000);
	pciwin_find(&bi);
	expect("trim pieces", bi.num_pci_window, 1);
	expect("trim start", bi.pci_window[0].spa, 520 * MIB);
	expect("trim end", bi.pci_window[0].spa + bi.pci_window[0].len, 0xFD000000);

	/* RAM up to the window's end (and beyond 4 GiB): no window. */
	reset();
	bi.ram[1] = (struct hv_mem_range){ MIB, 0xFE000000 - MIB };
	bi.ram[2] = (struct hv_mem_range){ 0x100000000ull, 0x40000000 };
	bi.num_ram = 3;
	pciwin_find(&bi);
	expect("full RAM: none", bi.num_pci_window, 0);

	/* More holes than pieces: nothing passes through rather than a
	 * window over firmware ranges. */
	reset();
	for (unsigned i = 0; i < HV_MAX_MEM_RANGES; i++)
		fw(0x40000000 + i * 0x4000000ull, 0x1000);
	bi.lapic = 0xF0000000;
	pciwin_find(&bi);
	expect("too many holes: none", bi.num_pci_window, 0);

	printf("%s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
