/*
 * PCI configuration space through the legacy ports 0xCF8/0xCFC
 * (common/pci.c), for the hypervisor's own devices (the IOMMU).  The root
 * VM uses the same ports unintercepted: an access saves and restores
 * CONFIG_ADDRESS, so a root interrupted between its two port accesses
 * still reads what it selected.
 */
#ifndef X86_PCI_H
#define X86_PCI_H

#include <hv/arch/core.h>

/* bdf: bus << 8 | device << 3 | function; reg: dword-aligned offset. */
uint32_t pci_cfg_read32(uint16_t bdf, uint8_t reg);
void pci_cfg_write32(uint16_t bdf, uint8_t reg, uint32_t val);

#endif /* X86_PCI_H */
