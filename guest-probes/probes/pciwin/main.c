/*
 * pciwin: the PCI MMIO window below 4 GiB (between the end of low RAM and
 * 0xFE000000) passes through to the root VM (issue 12 item 5, E-54;
 * docs/root-vm.md "Memory"), as on a machine: an OS places BARs there.
 *
 * The probe finds QEMU's edu device (PCI 1234:11e8) by scanning PCI
 * configuration space, and moves its BAR0 (1 MiB of registers) to the
 * lowest 2 MiB-aligned address above the end of low RAM that its multiboot
 * memory map leaves free (no range of any type overlaps it), enables memory
 * decoding, and reads edu's identification register (offset 0):
 *
 *  bar-in-window   the ID register at the moved BAR reads edu's ID,
 *                  0x010000ed (QEMU's hw/misc/edu.c: version 1.0).  Without
 *                  the pass-through the read stops the root VM instead.
 *
 * BAR0 and the command register are restored afterwards.  No ABI item
 * names the root's devices: items=none.
 */
#include "multiboot.h"
#include "pci.h"
#include "probe.h"

PROBE_TITLE("root VM: the PCI MMIO window below 4 GiB passes through (edu's BAR moved there answers)");

#define EDU_ID 0x11E81234u
#define EDU_IDENT 0x010000EDu
#define BAR_SIZE 0x100000ull
#define STEP 0x200000ull
#define WINDOW_END 0xFE000000ull

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The lowest 2 MiB-aligned address of the window that no memory-map range
 * overlaps over 1 MiB, or 0. */
static uint64_t free_window_addr(const struct mb_info *mbi)
{
	uint64_t low_end = 0;
	uint32_t off;

	for (off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		if (e->type == 1 && e->addr < WINDOW_END && e->addr + e->len > low_end)
			low_end = e->addr + e->len;
		off += e->size + 4;
	}
	for (uint64_t a = (low_end + STEP - 1) & ~(STEP - 1); a + BAR_SIZE <= WINDOW_END; a += STEP) {
		bool busy = false;
		for (off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length && !busy;) {
			const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
			busy = overlaps(a, BAR_SIZE, e->addr, e->len);
			off += e->size + 4;
		}
		if (!busy)
			return a;
	}
	return 0;
}

void probe_main(void)
{
	const struct mb_info *mbi = mb_info();
	if (!mbi || !(mbi->flags & MB_INFO_MMAP))
		probe_error("no multiboot memory map");
	int bdf = pci_find(EDU_ID);
	if (bdf < 0)
		probe_error("no edu device (PCI 1234:11e8) found by the PCI configuration scan");
	uint64_t at = free_window_addr(mbi);
	if (!at)
		probe_error("no free 2 MiB-aligned address in the PCI window below 0xFE000000");

	uint32_t bar = pci_read((unsigned)bdf, 0x10), cmd = pci_read((unsigned)bdf, 0x04);
	pci_write((unsigned)bdf, 0x04, cmd & ~0x3u); /* decoding off while the BAR moves */
	pci_write((unsigned)bdf, 0x10, (uint32_t)at);
	pci_write((unsigned)bdf, 0x04, (cmd & ~0x3u) | 0x2u); /* memory decoding */
	rt_log("edu at %02x:%02x.%x, BAR0 0x%x moved to 0x%llx (reads back 0x%x)", bdf >> 8,
	       (bdf >> 3) & 31, bdf & 7, bar, (unsigned long long)at,
	       pci_read((unsigned)bdf, 0x10));
	uint32_t ident = *(volatile uint32_t *)(uintptr_t)at;
	check_eq("bar-in-window", "none", EDU_IDENT, ident,
		 "edu's ID register at its BAR0 moved to 0x%llx, in the PCI window, reads 0x%x: the "
		 "window passes through to the root", (unsigned long long)at, ident);

	pci_write((unsigned)bdf, 0x04, cmd & ~0x3u);
	pci_write((unsigned)bdf, 0x10, bar);
	pci_write((unsigned)bdf, 0x04, cmd);
}
