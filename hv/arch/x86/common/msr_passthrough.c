/*
 * The MSR permission maps of guest VMs and of the root VM
 * (x86/msr_passthrough.h).
 */
#include <microv/mv_abi.h>

#include <hv/arch/core.h>

#include <x86/msr_passthrough.h>

static void pass(uint8_t *map, x86_msr_bit_fn bit, uint32_t msr, bool write)
{
	long b = bit(msr, write);

	if (b >= 0)
		map[b / 8] &= (uint8_t)~(1u << (b % 8));
}

void x86_msr_map_init(uint8_t *map, size_t size, x86_msr_bit_fn bit)
{
	hv_memset(map, 0xFF, size);
	for (uint32_t i = 0; i < msr_supported_count(); i++) {
		pass(map, bit, msr_supported_at(i), false);
		pass(map, bit, msr_supported_at(i), true);
	}
	pass(map, bit, MV_MSR_IA32_TSC, false);
}

void x86_msr_root_map_init(uint8_t *map, size_t size, x86_msr_bit_fn bit)
{
	enum msr_vendor v = msr_root_vendor();

	hv_memset(map, 0xFF, size);
	for (uint32_t i = 0; i < msr_root_rule_count(v); i++) {
		const struct msr_rule *r = msr_root_rule_at(v, i);
		for (uint64_t msr = r->first; msr <= r->last; msr++) {
			if (r->read == MSR_RULE_PASS)
				pass(map, bit, (uint32_t)msr, false);
			if (r->write == MSR_RULE_PASS)
				pass(map, bit, (uint32_t)msr, true);
		}
	}
}
