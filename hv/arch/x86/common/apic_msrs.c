/*
 * The root VM's MSR permission map entries for its local APIC policy
 * (hv/core/apic.c, docs/root-vm.md "Local APIC"): IA32_APIC_BASE (0x1B)
 * and the x2APIC range 0x800-0x8FF exit on reads and writes, whatever the
 * rest of the root's map lets through.  Only the map's layout differs
 * between the backends.
 */
#include <x86/msr_passthrough.h>

#define MSR_APIC_BASE_INDEX 0x1Bu
#define MSR_X2APIC_FIRST 0x800u
#define MSR_X2APIC_LAST 0x8FFu

static void apic_msr_set(uint8_t *map, x86_msr_bit_fn bit, uint32_t msr)
{
	for (int w = 0; w < 2; w++) {
		long b = bit(msr, w != 0);
		if (b >= 0)
			map[b / 8] |= (uint8_t)(1u << (b % 8));
	}
}

void x86_apic_msrs_intercept(uint8_t *map, x86_msr_bit_fn bit)
{
	apic_msr_set(map, bit, MSR_APIC_BASE_INDEX);
	for (uint32_t m = MSR_X2APIC_FIRST; m <= MSR_X2APIC_LAST; m++)
		apic_msr_set(map, bit, m);
}
