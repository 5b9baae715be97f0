/*
 * mvsim's local APIC half of hv/arch.h: each PP has an xAPIC device
 * (lapic_dev.c) at IA32_APIC_BASE's page, 0xFEE00000 (boot information
 * `lapic`, main.c).  As on the hardware backends the core maps that page
 * into the root read-only: the root's reads reach the device of the PP
 * that reads (the emulator's MMIO region, unicorn/lapic_mmio.c), its stores
 * trap, the core validates them (hv/core/apic.c) and writes the device
 * through arch_lapic_write.  IA32_APIC_BASE is at the architectural default
 * (enabled, BSP on PP 0); APIC ID = PP number (as CPUID 1 EBX[31:24] in
 * cpuid_models.c).  There is no I/O APIC (boot information `ioapic` = 0).
 */
#include "sim.h"

#include <hv/arch/arch.h>

#define APIC_BASE_ENABLED (SIM_LAPIC_BASE | 0x800ull)
#define APIC_BASE_BSP (1ull << 8)

uint64_t arch_apic_base(void)
{
	return APIC_BASE_ENABLED | (arch_pp_id() == 0 ? APIC_BASE_BSP : 0);
}

uint32_t arch_lapic_read(uint32_t offset)
{
	return rootirq_lapic_read(arch_pp_id(), offset & 0xFF0u);
}

void arch_lapic_write(uint32_t offset, uint32_t value)
{
	rootirq_lapic_write(arch_pp_id(), offset & 0xFF0u, value);
}

uint32_t arch_mmio_read32(uint64_t spa)
{
	(void)spa; /* no I/O APIC (boot information `ioapic` = 0) */
	return 0;
}

void arch_mmio_write32(uint64_t spa, uint32_t value)
{
	(void)spa;
	(void)value;
}

uint16_t arch_apic_id_to_pp(uint32_t apic_id)
{
	return apic_id < g_cfg.cpus ? (uint16_t)apic_id : 0xFFFF;
}
