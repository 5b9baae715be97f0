/* Loading the root VM's OS as a multiboot (v1) boot loader would
 * (hv/core/mb_loader.c; the specification's structures:
 * include/multiboot/multiboot.h). */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

#include <multiboot/multiboot.h>

#include <hv/types.h>

struct hv_boot_info;

/*
 * Where the loader puts the multiboot information structure, the memory
 * map, the module list and the strings: one area of MB_INFO_AREA_LEN bytes
 * of free RAM that no loaded segment of the kernel, no module and nothing
 * of the hypervisor's uses, as GRUB does: the first of MB_INFO_AREA_SPA
 * (conventional memory), the page after the kernel's image, the page after
 * each module (docs/root-vm.md "Memory").
 */
#define MB_INFO_AREA_SPA 0x8000ull
#define MB_INFO_AREA_LEN 0x8000ull

struct mb_entry {
	uint32_t entry;     /* EIP */
	uint32_t mbi;       /* EBX */
	uint64_t load_lo;   /* the image's footprint, for diagnostics */
	uint64_t load_hi;
};

/*
 * Load boot module 0 into the root VM's memory (identity-mapped, so GPA ==
 * SPA) and build the information structure.  Returns 0, or -1 after logging
 * precisely what is wrong with the image.
 */
int mb_load_root(const struct hv_boot_info *info, struct mb_entry *out);

#endif /* HV_MULTIBOOT_H */
