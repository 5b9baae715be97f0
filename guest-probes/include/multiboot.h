/* The multiboot v1 information the loader passed (EBX at entry). */
#ifndef PROBE_MULTIBOOT_H
#define PROBE_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

#define MB_INFO_MEM     (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS    (1u << 3)
#define MB_INFO_MMAP    (1u << 6)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	/* further fields unused */
} __attribute__((packed));

/* The information structure up to the memory map (mb_info's prefix). */
struct mbi_full {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* One module of the module list. */
struct mb_mod {
	uint32_t start, end, string, reserved;
};

/* One memory-map entry; `size` does not count itself. */
struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

extern uint32_t rt_mb_magic; /* EAX at entry */
extern uint32_t rt_mb_info;  /* EBX at entry */

const struct mb_info *mb_info(void); /* NULL if the magic was wrong */
const char *mb_cmdline(void);        /* "" when there is none */
/* Value of "key=value" in the command line (copied into buf), or NULL;
 * a bare "key" gives "". */
const char *mb_cmdline_get(const char *key, char *buf, uint64_t size);
bool mb_cmdline_has(const char *key);

#endif /* PROBE_MULTIBOOT_H */
