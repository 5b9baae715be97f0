/*
 * The PCI MMIO window below 4 GiB (issue 12 item 5; docs/root-vm.md
 * "Memory", E-54): the gap between the end of low RAM and 0xFE000000 (where
 * the top 32 MiB of device memory begin, hv_boot_info.mmio), less every
 * range the firmware reported there (PCIe ECAM, ACPI: mapped with their own
 * type) and the local and I/O APIC pages.  The core passes it through to
 * the root uncacheable, in 2 MiB leaves where aligned, skipping anything of
 * the hypervisor's (core.c root_map_devices).
 */
#include <x86/boot.h>

#define WINDOW_END 0xFE000000ull

/* Cut [a, a + len) out of the window's pieces; false when that would need
 * more pieces than there is room for. */
static bool cut(struct hv_boot_info *bi, uint64_t a, uint64_t len)
{
	uint32_t n = bi->num_pci_window;

	for (uint32_t i = 0; i < n; i++) {
		struct hv_mem_range *p = &bi->pci_window[i];
		uint64_t pend = p->spa + p->len, end = a + len;
		if (end <= p->spa || a >= pend)
			continue;
		if (a > p->spa && end < pend) { /* a hole in the middle: two pieces */
			if (bi->num_pci_window == HV_MAX_MEM_RANGES)
				return false;
			bi->pci_window[bi->num_pci_window++] = (struct hv_mem_range){ end, pend - end };
			p->len = a - p->spa;
		} else if (a > p->spa) {
			p->len = a - p->spa;
		} else if (end < pend) {
			p->len = pend - end;
			p->spa = end;
		} else {
			p->len = 0; /* all of it: an empty piece, dropped below */
		}
	}
	return true;
}

void pciwin_find(struct hv_boot_info *bi)
{
	uint64_t start = 0;

	bi->num_pci_window = 0;
	for (uint32_t i = 0; i < bi->num_ram; i++) {
		uint64_t end = bi->ram[i].spa + bi->ram[i].len;
		if (bi->ram[i].spa < WINDOW_END && end > start)
			start = end < WINDOW_END ? end : WINDOW_END;
	}
	if (start >= WINDOW_END)
		return;
	bi->pci_window[0] = (struct hv_mem_range){ start, WINDOW_END - start };
	bi->num_pci_window = 1;
	bool ok = true;
	for (uint32_t i = 0; i < bi->num_firmware && ok; i++)
		ok = cut(bi, bi->firmware[i].spa, bi->firmware[i].len);
	if (ok && bi->lapic)
		ok = cut(bi, bi->lapic, HV_PAGE_SIZE);
	if (ok && bi->ioapic)
		ok = cut(bi, bi->ioapic, HV_PAGE_SIZE);
	if (!ok) {
		hv_log("boot: the PCI window 0x%llx-0x%llx has too many holes; not passed through",
		       (unsigned long long)start, (unsigned long long)WINDOW_END);
		bi->num_pci_window = 0;
		return;
	}
	uint32_t n = 0;
	for (uint32_t i = 0; i < bi->num_pci_window; i++)
		if (bi->pci_window[i].len)
			bi->pci_window[n++] = bi->pci_window[i];
	bi->num_pci_window = n;
}
