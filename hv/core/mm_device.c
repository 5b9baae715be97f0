/*
 * The root VM's device memory: the ranges the core passes through to the
 * root at boot (identity, uncacheable; core.c root_map_mmio).  They are not
 * in the root's page entries, so map_mdl must ask here before it puts
 * anything at such a GPA of the root: a device GPA is never free, and what
 * cannot be mapped there cannot be unmapped there either (docs/spec-errata.md).
 */
#include <hv/arch/core.h>
#include <hv/mm.h>
#include <hv/string.h>

static struct hv_mem_range mm_devices[HV_MAX_MEM_RANGES];
static uint32_t mm_num_devices;

void mm_root_note_devices(const struct hv_mem_range *mmio, uint32_t num)
{
	if (num > HV_MAX_MEM_RANGES)
		num = HV_MAX_MEM_RANGES;
	hv_memcpy(mm_devices, mmio, num * sizeof(*mmio));
	mm_num_devices = num;
}

bool mm_root_device(uint64_t gfn)
{
	const uint64_t gpa = gfn << 12;

	for (uint32_t i = 0; i < mm_num_devices; i++)
		if (gpa >= mm_devices[i].spa && gpa - mm_devices[i].spa < mm_devices[i].len)
			return true;
	return false;
}
