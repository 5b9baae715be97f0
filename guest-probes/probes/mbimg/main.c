/*
 * mbimg: what the hypervisor's multiboot loader (hv/core/mb_loader.c) hands
 * the root OS, read from inside it, as the Multiboot spec 0.6.96 says: EAX's
 * magic, the information's flags, mem_lower / mem_upper against the memory
 * map, the memory map's entries (size 20, sorted, disjoint, type-1 RAM
 * holding this image), the command line and the loader's name, no modules.
 * The same probe runs from differently packed images (probe.toml
 * [[variant]]s, built by mkimages.py): the a.out kludge (this ELF as
 * linked), ELF64 and ELF32 program headers; the refused variants never run.
 */
#include "expect.h"
#include "probe.h"

PROBE_TITLE("the multiboot loader: magic, flags, mem_lower/upper, memory map, cmdline, loader name");

#define IT "none"
#define WANT_FLAGS (MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP | MB_INFO_LOADER_NAME)
#define CMDLINE "mbimg-cmdline-token"
#define LOADER "microv-harness hypervisor"

extern char _load_start[], _bss_end[];
static volatile uint8_t bss_probe[8192]; /* .bss: the loader must have zeroed it */

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The command line is probe.toml's cmdline, after the image's path and a
 * space where the boot loader puts one there (QEMU's -initrd, GRUB, mbload;
 * mvsim passes the cmdline alone): its last word. */
static bool cmdline_ok(const char *s)
{
	const char *last = s;

	for (; *s; s++)
		if (*s == ' ')
			last = s + 1;
	return str_eq(last, CMDLINE);
}

/* End of the type-1 RAM that runs without a hole from `from` (from itself
 * if no type-1 entry covers it). */
static uint64_t ram_run(const struct mb_info *mbi, uint64_t from)
{
	for (bool grew = true; grew;) {
		grew = false;
		for (uint32_t off = 0; off + 24 <= mbi->mmap_length;) {
			const struct mb_mmap_entry *m = (const void *)(uintptr_t)(mbi->mmap_addr + off);
			off += m->size + 4;
			if (m->type == 1 && m->addr <= from && m->addr + m->len > from) {
				from = m->addr + m->len;
				grew = true;
			}
		}
	}
	return from;
}

void probe_main(void)
{
	const struct mb_info *mbi = mb_info();

	check_eq("magic", IT, EXP_MB_LOADER_MAGIC, rt_mb_magic, "EAX at entry is 0x2BADB002");
	if (!mbi)
		probe_error("no multiboot information");
	check_eq("flags", IT, WANT_FLAGS, mbi->flags,
		 "flags: mem, cmdline, mods, mmap, boot_loader_name, nothing else");

	bool sorted = true, sized = true, holds_image = false;
	uint64_t prev_end = 0, n = 0;
	for (uint32_t off = 0; off + 24 <= mbi->mmap_length; n++) {
		const struct mb_mmap_entry *m = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		off += m->size + 4;
		sized &= m->size == 20 && m->len != 0;
		sorted &= m->addr >= prev_end;
		prev_end = m->addr + m->len;
		holds_image |= m->type == 1 && m->addr <= (uintptr_t)_load_start &&
			       m->addr + m->len >= (uintptr_t)_bss_end;
	}
	check_eq("mmap.length", IT, n * 24, mbi->mmap_length, "mmap_length is a whole number of 24-byte entries");
	check_eq("mmap.entries", IT, 1, sized, "every entry has size 20 and a length");
	check_eq("mmap.sorted", IT, 1, sorted && n > 0, "entries sorted by address and disjoint");
	check_eq("mmap.image", IT, 1, holds_image, "one type-1 entry holds this image 0x%lx-0x%lx",
		 (unsigned long)(uintptr_t)_load_start, (unsigned long)(uintptr_t)_bss_end);

	uint64_t low = ram_run(mbi, 0), up = ram_run(mbi, 0x100000);
	low = low > 0xA0000 ? 0xA0000 : low;
	up = up > 0x100000000ull ? 0x100000000ull : up;
	check_eq("mem_lower", IT, low / 1024, mbi->mem_lower, "KiB of type-1 RAM from 0 (at most 640)");
	check_eq("mem_upper", IT, (up - 0x100000) / 1024, mbi->mem_upper,
		 "KiB of type-1 RAM from 1 MiB to the first hole");

	check_eq("cmdline", IT, 1, cmdline_ok((const char *)(uintptr_t)mbi->cmdline),
		 "cmdline's last word is \"" CMDLINE "\" (probe.toml)");
	check_eq("loader", IT, 1, str_eq((const char *)(uintptr_t)mbi->boot_loader_name, LOADER),
		 "boot_loader_name is \"" LOADER "\"");
	check_eq("mods", IT, 0, mbi->mods_count, "no modules besides the root image itself");

	uint64_t nonzero = 0;
	for (uint32_t i = 0; i < sizeof(bss_probe); i++)
		nonzero += bss_probe[i] != 0;
	check_eq("bss", IT, 0, nonzero, "the 8 KiB .bss array reads zero");
}
