/*
 * The local APIC's page (SIM_LAPIC_BASE) in a Unicorn engine: an MMIO
 * region with a read callback only, so a load reaches the xAPIC device of
 * the PP whose thread runs the engine (../lapic_dev.c, through rootirq.c's
 * lock) with the clock brought up to the instruction that reads, and a
 * store is a write to a read-only region: Unicorn reports it as
 * UC_MEM_WRITE_PROT, which vcpu.c turns into the second-level write fault
 * the core decodes and validates before it writes the device
 * (arch_lapic_write), exactly as NPT/EPT do on the hardware backends.
 */
#include "ucsim.h"

static uint64_t lapic_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
	struct arch_vps *a = user;
	(void)uc;

	vcpu_clock_sync(a);
	uint32_t reg = rootirq_lapic_read(arch_pp_id(), (uint32_t)offset & 0xFF0u);
	/* Registers are 32 bits at 16-byte strides; a narrower or unaligned
	 * load reads its bytes of that word (bytes 4-15 of a slot read 0). */
	uint64_t v = (offset & 0xF) < 4 ? (uint64_t)reg >> ((offset & 3) * 8) : 0;
	return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

uc_err lapic_mmio_map(struct arch_vps *a, uint64_t gpa)
{
	return uc_mmio_map(a->uc, gpa, 0x1000, lapic_mmio_read, a, NULL, NULL);
}
