/*
 * PCI configuration mechanism #1 (ports 0xCF8 CONFIG_ADDRESS, 0xCFC
 * CONFIG_DATA) for the hypervisor: each access restores the
 * CONFIG_ADDRESS the root VM had selected (x86/pci.h).  Callers serialize.
 */
#include <x86/pci.h>

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA 0xCFC

static uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static uint32_t select(uint16_t bdf, uint8_t reg)
{
	uint32_t saved = inl(CONFIG_ADDRESS);

	outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)bdf << 8 | (reg & 0xFCu));
	return saved;
}

uint32_t pci_cfg_read32(uint16_t bdf, uint8_t reg)
{
	uint32_t saved = select(bdf, reg), v = inl(CONFIG_DATA);

	outl(CONFIG_ADDRESS, saved);
	return v;
}

void pci_cfg_write32(uint16_t bdf, uint8_t reg, uint32_t val)
{
	uint32_t saved = select(bdf, reg);

	outl(CONFIG_DATA, val);
	outl(CONFIG_ADDRESS, saved);
}
