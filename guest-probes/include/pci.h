/*
 * PCI configuration space through mechanism #1 (ports 0xCF8/0xCFC) for the
 * probes that drive a PCI device of the root (dma, pciwin): read, write,
 * and find a device by its vendor/device ID.
 */
#ifndef PROBE_PCI_H
#define PROBE_PCI_H

#include "cpu.h"

static inline uint32_t pci_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t pci_read(unsigned bdf, unsigned reg)
{
	outl(0xCF8, 0x80000000u | bdf << 8 | (reg & 0xFC));
	return pci_inl(0xCFC);
}

static inline void pci_write(unsigned bdf, unsigned reg, uint32_t v)
{
	outl(0xCF8, 0x80000000u | bdf << 8 | (reg & 0xFC));
	outl(0xCFC, v);
}

/* The BDF of the first function whose ID register (device << 16 | vendor)
 * is `id`, or -1. */
static inline int pci_find(uint32_t id)
{
	for (unsigned bdf = 0; bdf < 0x10000; bdf++) {
		uint32_t v = pci_read(bdf, 0);
		if (v == id)
			return (int)bdf;
		if ((bdf & 7) == 0 && (v & 0xFFFF) == 0xFFFF)
			bdf += 7; /* no function 0: no device */
	}
	return -1;
}

#endif /* PROBE_PCI_H */
