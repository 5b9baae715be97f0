/*
 * The Multiboot (version 1, 0.6.96) specification's structures and
 * constants: the one definition used by the hypervisor's loader of the root
 * OS (hv/core/mb_loader.c), its own boot code (hv/arch/x86/boot/mb.c) and
 * the guest probes (guest-probes/include/multiboot.h).  Freestanding: only
 * <stdint.h>.  Field names follow the specification.
 */
#ifndef MULTIBOOT_MULTIBOOT_H
#define MULTIBOOT_MULTIBOOT_H

#include <stdint.h>

/* The header in the OS image (3.1.1): within its first MB_SEARCH_LEN bytes,
 * 4-byte aligned. */
#define MB_SEARCH_LEN 8192u
#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_FLAG_AOUT_KLUDGE (1u << 16) /* the address fields below are valid */

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* EAX when a multiboot loader enters the OS (3.2); EBX holds the
 * information structure's physical address. */
#define MB_BOOT_MAGIC 0x2BADB002u

/* The information structure (3.3): which fields are valid. */
#define MB_INFO_MEM (1u << 0)          /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE (1u << 2)      /* cmdline */
#define MB_INFO_MODS (1u << 3)         /* mods_count, mods_addr */
#define MB_INFO_MMAP (1u << 6)         /* mmap_length, mmap_addr */
#define MB_INFO_LOADER_NAME (1u << 9)  /* boot_loader_name */

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};
_Static_assert(__builtin_offsetof(struct mb_info, boot_loader_name) == 64, "multiboot info layout");

/* One entry of the module list at mods_addr. */
struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

/* One entry of the memory map at mmap_addr; `size` does not count itself
 * (the next entry is at this one + size + 4).  type 1 is available RAM. */
struct __attribute__((packed)) mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

#endif /* MULTIBOOT_MULTIBOOT_H */
