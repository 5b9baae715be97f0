/*
 * mbload's second stage: loads a Multiboot (v1) kernel and its modules from
 * the disk image (layout: mbload.h) through the BIOS and starts the kernel
 * as the Multiboot specification (0.6.96) says, the way GRUB does:
 *
 *  - the memory map from int 15h E820h (the BIOS's entries as it gives
 *    them, less empty ones and those ACPI 3.0's attribute bit 0 drops; at
 *    most E820_MAX),
 *    mem_lower/mem_upper from it (the RAM at 0, at most 640 KiB; the RAM
 *    contiguous from 1 MiB);
 *  - the kernel by its header's address fields (flag 16: load_addr ..
 *    load_end_addr from the file, zero up to bss_end_addr, entry_addr),
 *    else as an ELF32 executable (each PT_LOAD at its p_paddr, zeroed from
 *    p_filesz to p_memsz, e_entry), as GRUB does (3.1.3);
 *  - each module page-aligned (header flag 0), in order, with its string,
 *    from 1 MiB up and around the kernel's image, as GRUB places them (the
 *    hypervisor then moves those below its load address, as under GRUB);
 *    the information structure, module list, memory map and strings on the
 *    next page;
 *  - boot_device (the BIOS drive, whole disk), the kernel's command line,
 *    boot_loader_name "mbload";
 *  - a segment below 1 MiB (where this loader, its stack, the bounce buffer
 *    and the BIOS's data are needed until the last read) staged above it
 *    and moved into place at the jump;
 *  - A20 on, protected mode with flat segments, EAX = 0x2BADB002, EBX =
 *    the structure (bios.S mbl_enter, mbl_tramp).
 *
 * Everything the image gives is checked before it is used: a manifest or a
 * header that does not hold, or a destination outside RAM below 4 GiB,
 * stops with "mbload: <why>; halted" on COM1 and port 0xE9.
 * Built with gcc -m16 and run in unreal mode (mbl_unreal): 32-bit flat
 * pointers in real mode, between BIOS calls.
 */
#include <stddef.h>
#include <stdint.h>

#include <multiboot/multiboot.h>

#include "mbload.h"

#define SECTOR 512u
#define PAGE 4096u
#define MB_INFO_BOOTDEV (1u << 1)
#define E820_MAX 32u
#define MBI_AREA 8192u                 /* the structure, lists and strings */
#define COM1 0x3F8
#define LOW_END 0x100000u

static uint32_t drive;
static struct mbl_dap dap;
static uint8_t manifest_buf[MBL_MANIFEST_BYTES] __attribute__((aligned(16)));
static uint8_t e820_raw[E820_MAX][24] __attribute__((aligned(8)));
static uint32_t e820_count;

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Flat copies and fills: rep movs/stos with 32-bit addresses (unreal mode). */
static void copy(uint32_t dst, uint32_t src, uint32_t n)
{
	uint32_t words = n / 4, rest = n % 4;
	__asm__ volatile("cld; addr32 rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("addr32 rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
}

static void fill0(uint32_t dst, uint32_t n)
{
	uint32_t words = n / 4, rest = n % 4;
	__asm__ volatile("cld; addr32 rep stosl" : "+D"(dst), "+c"(words) : "a"(0) : "memory");
	__asm__ volatile("addr32 rep stosb" : "+D"(dst), "+c"(rest) : "a"(0) : "memory");
}

/* gcc may call these for struct copies and initializers. */
void *memcpy(void *d, const void *s, size_t n)
{
	copy((uint32_t)d, (uint32_t)s, n);
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

static void put(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & 0x20))
			;
		outb(COM1, (uint8_t)*s);
		outb(0xE9, (uint8_t)*s);
	}
}

static void put_hex(uint32_t v)
{
	char buf[11] = "0x";
	for (int i = 0; i < 8; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
	buf[10] = 0;
	put(buf);
}

/* Stops the boot: the reason on COM1 (8N1, the 16550's fastest rate, as the
 * hypervisor programs it) and on port 0xE9. */
__attribute__((noreturn)) static void die(const char *why, uint32_t value)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	put("mbload: ");
	put(why);
	put(" ");
	put_hex(value);
	put("; halted\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void read_sectors(uint32_t lba, uint32_t count)
{
	dap = (struct mbl_dap){ .size = 16, .count = (uint16_t)count,
				.offset = 0, .segment = MBL_BOUNCE >> 4, .lba = lba };
	uint32_t err = mbl_bios_read(drive, &dap);
	if (err)
		die("disk read failed at LBA", lba);
}

/* len bytes of a file at byte offset off, to the flat address dst. */
static void read_file(const struct mbl_file *f, uint32_t off, uint32_t len, uint32_t dst)
{
	while (len) {
		uint32_t skip = off % SECTOR;
		uint32_t n = (skip + len + SECTOR - 1) / SECTOR;
		if (n > MBL_BOUNCE_SECTORS)
			n = MBL_BOUNCE_SECTORS;
		read_sectors(f->lba + off / SECTOR, n);
		uint32_t take = n * SECTOR - skip;
		if (take > len)
			take = len;
		copy(dst, MBL_BOUNCE + skip, take);
		dst += take;
		off += take;
		len -= take;
	}
}

static uint64_t e820_addr(uint32_t i) { return *(uint64_t *)&e820_raw[i][0]; }
static uint64_t e820_len(uint32_t i) { return *(uint64_t *)&e820_raw[i][8]; }
static uint32_t e820_type(uint32_t i) { return *(uint32_t *)&e820_raw[i][16]; }

static void read_e820(void)
{
	uint32_t cont = 0;
	do {
		uint32_t got = mbl_bios_e820(&cont, e820_raw[e820_count]);
		if (got < 20)
			break;
		/* ACPI 3.0: an entry whose attribute bit 0 is clear is to be ignored. */
		if (got >= 24 && !(*(uint32_t *)&e820_raw[e820_count][20] & 1))
			continue;
		if (e820_len(e820_count) == 0)
			continue;
		e820_count++;
	} while (cont && e820_count < E820_MAX);
	if (!e820_count)
		die("the BIOS gave no E820 memory map, entries", 0);
}

/* The end of the RAM (type 1) that runs on without a gap from `from`. */
static uint64_t ram_end_from(uint64_t from)
{
	uint64_t end = from;
	for (int grew = 1; grew;) {
		grew = 0;
		for (uint32_t i = 0; i < e820_count; i++) {
			uint64_t a = e820_addr(i), b = a + e820_len(i);
			if (e820_type(i) == 1 && a <= end && b > end) {
				end = b;
				grew = 1;
			}
		}
	}
	return end;
}

/* A destination must lie in RAM (E820 type 1) and end below 4 GiB. */
static void check_dest(const char *what, uint32_t start, uint64_t len)
{
	uint64_t end = (uint64_t)start + len;
	if (end > 0x100000000ull || ram_end_from(start) < end)
		die(what, start);
}

static uint32_t page_up(uint64_t v, const char *what)
{
	uint64_t r = (v + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	if (r >= 0x100000000ull)
		die(what, (uint32_t)v);
	return (uint32_t)r;
}

static const struct mbl_manifest *read_manifest(void)
{
	read_sectors(MBL_MANIFEST_LBA, MBL_MANIFEST_BYTES / SECTOR);
	copy((uint32_t)manifest_buf, MBL_BOUNCE, MBL_MANIFEST_BYTES);
	const struct mbl_manifest *m = (const void *)manifest_buf;
	for (int i = 0; i < 8; i++)
		if (m->magic[i] != MBL_MAGIC[i])
			die("no manifest at LBA", MBL_MANIFEST_LBA);
	if (m->count < 1 || m->count > MBL_MAX_FILES)
		die("bad file count in the manifest", m->count);
	uint32_t table_end = sizeof(*m) + m->count * sizeof(struct mbl_file);
	for (uint32_t i = 0; i < m->count; i++) {
		uint32_t s = m->file[i].string;
		if (s < table_end || s >= MBL_MANIFEST_BYTES)
			die("manifest string out of range, file", i);
		uint32_t e = s;
		while (e < MBL_MANIFEST_BYTES && manifest_buf[e])
			e++;
		if (e == MBL_MANIFEST_BYTES)
			die("manifest string without its end, file", i);
	}
	manifest_buf[MBL_MANIFEST_BYTES - 1] = 0;
	return m;
}

/* The kernel's header in its first 8 KiB (3.1.1), checked. */
static struct mb_header find_header(const struct mbl_file *k, uint32_t *hdr_off)
{
	uint32_t span = k->bytes < MB_SEARCH_LEN ? k->bytes : MB_SEARCH_LEN;
	read_sectors(k->lba, (span + SECTOR - 1) / SECTOR);
	const uint8_t *img = (const uint8_t *)MBL_BOUNCE;
	for (uint32_t off = 0; off + sizeof(struct mb_header) <= span; off += 4) {
		const struct mb_header *h = (const void *)(img + off);
		if (h->magic != MB_HEADER_MAGIC || h->magic + h->flags + h->checksum != 0)
			continue;
		/* Bits 0-15 the loader must honour: 0 (page-aligned modules) and 1
		 * (memory information) are given; any other is refused (3.1.2). */
		if (h->flags & 0xFFFCu)
			die("the kernel asks for an unsupported feature, flags", h->flags);
		*hdr_off = off;
		return *h;
	}
	die("no Multiboot header in the kernel's first 8 KiB, size", k->bytes);
}

/* The kernel's image [kernel_start, kernel_end): modules are placed around it. */
static uint32_t kernel_start, kernel_end;
/* Where place() looks next: from 1 MiB up. */
static uint32_t next_free = LOW_END;
/* Segments below 1 MiB, staged above it until the jump (mbl_tramp). */
static struct mbl_handoff handoff;

/* The next free page-aligned place of `len` bytes at or above next_free
 * that does not overlap the kernel's image; next_free moves past it. */
static uint32_t place(uint32_t len, const char *what)
{
	uint32_t at = next_free;
	if ((uint64_t)at + len > kernel_start && at < kernel_end)
		at = page_up(kernel_end, what);
	check_dest(what, at, len);
	next_free = page_up((uint64_t)at + len, what);
	return at;
}

/* filesz bytes of the file at off to paddr, zeroed on to memsz.  Below
 * 1 MiB live this loader, its stack, the bounce buffer and what the BIOS
 * needs for the reads still to come: such a segment is read into a staging
 * place above 1 MiB and moved (and its tail zeroed) by mbl_tramp, after
 * every BIOS call, as GRUB's relocator does. */
static void load_segment(const struct mbl_file *f, uint32_t off, uint32_t filesz,
			 uint32_t memsz, uint32_t paddr, const char *what)
{
	check_dest(what, paddr, memsz);
	if (paddr >= LOW_END) {
		read_file(f, off, filesz, paddr);
		fill0(paddr + filesz, memsz - filesz);
		return;
	}
	if (handoff.count == MBL_MAX_MOVES)
		die("too many segments below 1 MiB, at", paddr);
	uint32_t stage = place(filesz, "no RAM to stage a segment below 1 MiB, at");
	read_file(f, off, filesz, stage);
	handoff.move[handoff.count++] = (struct mbl_move){ paddr, stage, filesz, memsz - filesz };
}

/* Loads the kernel (3.1.3's address fields); returns its entry. */
static uint32_t load_kernel(const struct mbl_file *k, const struct mb_header *h, uint32_t hdr_off)
{
	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > hdr_off)
		die("header_addr below load_addr or before the file, header_addr", h->header_addr);
	uint32_t file_off = hdr_off - (h->header_addr - h->load_addr);
	uint32_t len = h->load_end_addr ? h->load_end_addr - h->load_addr : k->bytes - file_off;
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		die("load_end_addr below load_addr", h->load_end_addr);
	if (len > k->bytes - file_off)
		die("load_end_addr beyond the file, load_end_addr", h->load_end_addr);
	uint32_t end = h->load_addr + len;
	if (h->bss_end_addr && h->bss_end_addr < end)
		die("bss_end_addr below the loaded image", h->bss_end_addr);
	uint32_t image_end = h->bss_end_addr ? h->bss_end_addr : end;
	if (h->entry_addr < h->load_addr || h->entry_addr >= end)
		die("entry_addr outside the loaded image", h->entry_addr);
	kernel_start = h->load_addr;
	kernel_end = image_end;
	load_segment(k, file_off, len, image_end - h->load_addr, h->load_addr,
		     "the kernel's image is not in RAM, at");
	return h->entry_addr;
}

static uint32_t str_len(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* An ELF32 kernel without address fields (kvm-unit-tests' .flat files):
 * its PT_LOAD segments; returns its e_entry. */
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
#define PT_LOAD 1u
#define ELF_MAX_PHDRS 16u

static uint32_t load_elf32(const struct mbl_file *k)
{
	struct elf32_ehdr eh;
	struct elf32_phdr ph[ELF_MAX_PHDRS];
	if (k->bytes < sizeof(eh))
		die("the kernel is too small for an ELF header, size", k->bytes);
	read_file(k, 0, sizeof(eh), (uint32_t)&eh);
	if (eh.ident[0] != 0x7F || eh.ident[1] != 'E' || eh.ident[2] != 'L' || eh.ident[3] != 'F' ||
	    eh.ident[4] != 1 || eh.ident[5] != 1 || eh.machine != 3 || eh.type != 2)
		die("no address fields and not an ELF32 i386 executable, machine", eh.machine);
	if (eh.phentsize != sizeof(struct elf32_phdr) || eh.phnum == 0 || eh.phnum > ELF_MAX_PHDRS ||
	    eh.phoff > k->bytes || k->bytes - eh.phoff < eh.phnum * sizeof(struct elf32_phdr))
		die("bad ELF program headers, phnum", eh.phnum);
	read_file(k, eh.phoff, eh.phnum * sizeof(struct elf32_phdr), (uint32_t)ph);
	uint32_t end = 0, start = 0xFFFFFFFFu;
	int entry_ok = 0;
	for (uint32_t i = 0; i < eh.phnum; i++) {   /* checked, and the image's extent */
		const struct elf32_phdr *p = &ph[i];
		if (p->type != PT_LOAD || p->memsz == 0)
			continue;
		if (p->filesz > p->memsz || p->offset > k->bytes || k->bytes - p->offset < p->filesz)
			die("an ELF segment does not fit its file, segment", i);
		check_dest("an ELF segment is not in RAM, at", p->paddr, p->memsz);
		if (eh.entry >= p->paddr && eh.entry - p->paddr < p->memsz)
			entry_ok = 1;
		if (p->paddr + p->memsz > end)
			end = p->paddr + p->memsz;
		if (p->paddr < start)
			start = p->paddr;
	}
	if (!entry_ok)
		die("e_entry outside every loaded segment", eh.entry);
	kernel_start = start;
	kernel_end = end;
	for (uint32_t i = 0; i < eh.phnum; i++) {
		const struct elf32_phdr *p = &ph[i];
		if (p->type == PT_LOAD && p->memsz)
			load_segment(k, p->offset, p->filesz, p->memsz, p->paddr,
				     "an ELF segment is not in RAM, at");
	}
	return eh.entry;
}

__attribute__((noreturn)) void mbload_main(uint32_t boot_drive)
{
	drive = boot_drive;
	mbl_unreal();
	outb(0x92, (uint8_t)((inb(0x92) | 2) & ~1));   /* A20 on (fast gate), no reset */
	read_e820();
	const struct mbl_manifest *m = read_manifest();
	uint32_t hdr_off;
	struct mb_header h = find_header(&m->file[0], &hdr_off);
	handoff.entry = (h.flags & MB_FLAG_AOUT_KLUDGE) ? load_kernel(&m->file[0], &h, hdr_off)
							 : load_elf32(&m->file[0]);

	/* The information area: its place is known once the modules are placed. */
	struct mb_module mods[MBL_MAX_FILES];
	uint32_t nmods = m->count - 1;
	for (uint32_t i = 0; i < nmods; i++) {
		const struct mbl_file *f = &m->file[1 + i];
		uint32_t at = place(f->bytes, "no RAM for a module, at");
		read_file(f, 0, f->bytes, at);
		mods[i] = (struct mb_module){ at, at + f->bytes, 0, 0 };
	}
	uint32_t area = place(MBI_AREA, "no RAM for the information structure, at");
	fill0(area, MBI_AREA);

	struct mb_info *mbi = (struct mb_info *)area;
	uint32_t at = area + sizeof(*mbi);
	struct mb_module *list = (struct mb_module *)at;
	at += nmods * sizeof(struct mb_module);
	uint32_t mmap = at;
	for (uint32_t i = 0; i < e820_count; i++) {
		struct mb_mmap_entry *e = (struct mb_mmap_entry *)at;
		e->size = 20;
		e->addr = e820_addr(i);
		e->len = e820_len(i);
		e->type = e820_type(i);
		at += sizeof(*e);
	}
	mbi->mmap_addr = mmap;
	mbi->mmap_length = at - mmap;
	/* The strings: the kernel's command line, each module's, the loader name. */
	uint32_t strings[MBL_MAX_FILES];
	for (uint32_t i = 0; i < m->count; i++) {
		const char *s = (const char *)manifest_buf + m->file[i].string;
		uint32_t n = str_len(s) + 1;
		if (at + n > area + MBI_AREA - 16)
			die("the strings do not fit the information area, file", i);
		copy(at, (uint32_t)s, n);
		strings[i] = at;
		at += n;
	}
	copy(at, (uint32_t)"mbload", 7);
	mbi->boot_loader_name = at;
	for (uint32_t i = 0; i < nmods; i++) {
		mods[i].string = strings[1 + i];
		list[i] = mods[i];
	}
	mbi->mods_count = nmods;
	mbi->mods_addr = (uint32_t)list;
	mbi->cmdline = strings[0];

	uint64_t low = ram_end_from(0);
	mbi->mem_lower = (uint32_t)((low > 0xA0000 ? 0xA0000 : low) >> 10);
	uint64_t upper = ram_end_from(0x100000) - 0x100000;
	mbi->mem_upper = (uint32_t)((upper > 0xFFF00000ull ? 0xFFF00000ull : upper) >> 10);
	mbi->boot_device = (drive << 24) | 0x00FFFFFFu;    /* the whole disk */
	mbi->flags = MB_INFO_MEM | MB_INFO_BOOTDEV | MB_INFO_CMDLINE | MB_INFO_MODS |
		     MB_INFO_MMAP | MB_INFO_LOADER_NAME;
	/* The way in: mbl_tramp and the handoff on a page of their own above 1 MiB. */
	uint32_t tramp_len = (uint32_t)(mbl_tramp_end - mbl_tramp);
	if (tramp_len + sizeof(handoff) > PAGE)
		die("mbl_tramp and its handoff exceed a page, bytes", tramp_len);
	uint32_t way_in = place(PAGE, "no RAM for the way into the kernel, at");
	handoff.mbi = area;
	copy(way_in, (uint32_t)mbl_tramp, tramp_len);
	copy(way_in + PAGE - sizeof(handoff), (uint32_t)&handoff, sizeof(handoff));
	mbl_enter(way_in, way_in + PAGE - sizeof(handoff));
}
