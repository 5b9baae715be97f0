/*
 * The root VM's device and firmware memory: the ranges the core passes
 * through to the root at boot (identity; core.c root_map_devices): device
 * memory and the firmware's reserved and ACPI ranges.  They are not
 * in the root's page entries, so map_mdl must ask here before it puts
 * anything at such a GPA of the root: a device GPA is never free, and what
 * cannot be mapped there cannot be unmapped there either (docs/spec-errata.md).
 */
#include <hv/arch/core.h>
#include <hv/mm.h>
#include <hv/string.h>

static struct hv_mem_range mm_devices[2 * HV_MAX_MEM_RANGES];
static uint32_t mm_num_devices;

void mm_root_note_devices(const struct hv_mem_range *mmio, uint32_t num,
			  const struct hv_fw_range *fw, uint32_t num_fw)
{
	if (num > HV_MAX_MEM_RANGES)
		num = HV_MAX_MEM_RANGES;
	if (num_fw > HV_MAX_MEM_RANGES)
		num_fw = HV_MAX_MEM_RANGES;
	hv_memcpy(mm_devices, mmio, num * sizeof(*mmio));
	mm_num_devices = num;
	for (uint32_t i = 0; i < num_fw; i++)
		if (fw[i].type >= 2 && fw[i].type <= 4) /* as root_map_devices maps them */
			mm_devices[mm_num_devices++] = (struct hv_mem_range){ fw[i].spa, fw[i].len };
}

bool mm_root_device(uint64_t gfn)
{
	const uint64_t gpa = gfn << 12;

	for (uint32_t i = 0; i < mm_num_devices; i++)
		if (gpa >= mm_devices[i].spa && gpa - mm_devices[i].spa < mm_devices[i].len)
			return true;
	return false;
}
