/*
 * mvsim's local APIC half of hv/arch.h: mvsim models no local APIC device
 * (boot information `lapic` = 0: no APIC page in the root's map, so no
 * store traps and no root INIT/SIPI), only its identity: IA32_APIC_BASE at
 * the architectural default (enabled, BSP on PP 0) and APIC ID = PP number
 * (as CPUID 1 EBX[31:24] in cpuid_models.c).  The probes of the root's APIC
 * skip on mvsim (backend feature `lapic`, conformance/mvconf/backends.py).
 */
#include "sim.h"

#include <hv/arch/arch.h>

#define APIC_BASE_DEFAULT 0xFEE00800ull /* base 0xFEE00000, enabled */
#define APIC_BASE_BSP (1ull << 8)

uint64_t arch_apic_base(void)
{
	return APIC_BASE_DEFAULT | (arch_pp_id() == 0 ? APIC_BASE_BSP : 0);
}

uint32_t arch_lapic_read(uint32_t offset)
{
	(void)offset;
	return 0;
}

void arch_lapic_write(uint32_t offset, uint32_t value)
{
	(void)offset;
	(void)value;
}

uint32_t arch_mmio_read32(uint64_t spa)
{
	(void)spa; /* no I/O APIC either (boot information `ioapic` = 0) */
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
