/*
 * Where the hypervisor's page pool goes (docs/root-vm.md "Memory"): at the
 * top of low RAM, where it least disturbs an OS (kvm-unit-tests' allocator,
 * an OS that wants low memory contiguous).  Normally boot/relocate.c chose
 * it already: right below the image it moved to the top of RAM.  When the
 * image could not move, it is the highest 2 MiB-aligned HV_X86_POOL_SIZE
 * bytes of RAM below 4 GiB that hold no module and not the image.  The pool is identity-mapped (boot/entry.S maps 0-4 GiB), zeroed
 * page by page as the core allocates, and reported as reserved.
 */
#include <x86/boot.h>

#include <hv/arch/core.h>

int pool_place(struct hv_boot_info *bi, uint64_t len)
{
	struct hv_mem_range busy[HV_MAX_MEM_RANGES + HV_MAX_MODULES];
	uint32_t nb = 0;
	uint64_t spa = boot_pool_spa;

	if (!spa) {
		for (uint32_t i = 0; i < bi->num_reserved; i++)
			busy[nb++] = bi->reserved[i];
		for (uint32_t i = 0; i < bi->num_modules; i++)
			busy[nb++] = (struct hv_mem_range){ bi->modules[i].spa, bi->modules[i].len };
		spa = place_top(bi->ram, bi->num_ram, busy, nb, len, POOL_ALIGN, HOST_MAP_LIMIT);
	}
	if (!spa || bi->num_reserved == HV_MAX_MEM_RANGES) {
		hv_log("boot: no 0x%llx bytes of free RAM below 4 GiB for the page pool",
		       (unsigned long long)len);
		return -1;
	}
	bi->pool = (struct hv_mem_range){ spa, len };
	bi->reserved[bi->num_reserved++] = bi->pool;
	return 0;
}
