/*
 * The host's local APIC (xAPIC MMIO, identity-mapped) and which PP each
 * APIC ID is: the arch interface's arch_pp_id(), arch_apic_id_to_pp(),
 * arch_lapic_read/write() and arch_mmio_read/write32() (hv/core/apic.c's
 * policy decides what the root may do with them), and the boot code's
 * lapic_read/write().  A leaf: smp.c maps the page and binds each PP as it
 * starts; idt.c, kick.c and preempt.c only read.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

/* APIC ID -> PP number + 1 (0: not a PP of this hypervisor). */
static volatile uint8_t apic_to_pp[256];
volatile uint32_t *lapic;

uint8_t lapic_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return (uint8_t)(r[1] >> 24);
}

uint16_t arch_pp_id(void)
{
	uint8_t v = apic_to_pp[lapic_apic_id()];

	return v ? (uint16_t)(v - 1) : 0xFFFF;
}

void lapic_bind_pp(uint16_t pp)
{
	apic_to_pp[lapic_apic_id()] = (uint8_t)(pp + 1);
}

/* The arch interface's local APIC (hv/core/apic.c's policy). */
uint64_t arch_apic_base(void)
{
	return rdmsr(MSR_APIC_BASE);
}

uint32_t arch_lapic_read(uint32_t offset)
{
	return lapic ? lapic_read(offset & 0xFF0u) : 0;
}

void arch_lapic_write(uint32_t offset, uint32_t value)
{
	if (lapic)
		lapic_write(offset & 0xFF0u, value);
}

uint32_t arch_mmio_read32(uint64_t spa)
{
	return *(volatile uint32_t *)(uintptr_t)spa; /* 0-4 GiB are identity-mapped */
}

void arch_mmio_write32(uint64_t spa, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)spa = value;
}

uint16_t arch_apic_id_to_pp(uint32_t id)
{
	uint8_t v = id < 256 ? apic_to_pp[id] : 0;

	return v ? (uint16_t)(v - 1) : 0xFFFF;
}

uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}
