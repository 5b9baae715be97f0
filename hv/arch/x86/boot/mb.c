/*
 * The boot loader's multiboot (v1) information -> struct hv_boot_info.
 *
 * Everything the core needs is copied out here, because the core rebuilds
 * a multiboot information area for the root OS at 0x8000-0x10000, where
 * QEMU put its own (0x9000): module command lines are copied into the
 * hypervisor's memory.
 *
 * Module placement: QEMU's -kernel puts modules right after the image's
 * load region (64 MiB); GRUB puts them at the lowest free address, 1 MiB,
 * exactly where a multiboot root OS wants to be loaded.  Modules below the
 * load address are therefore moved up, in order, to the first free RAM
 * from the load address on (the image has left it, boot/relocate.c; after
 * any module already there), so the core can load module 0 at its link
 * address as QEMU runs it.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <multiboot/multiboot.h>

#include <hv/arch/core.h>

#define CMDLINE_MAX 256
static char mod_cmdline[HV_MAX_MODULES][CMDLINE_MAX];

static void copy_str(char *dst, uint32_t pa)
{
	const char *s = (const char *)(uintptr_t)pa;
	size_t n = 0;

	if (pa)
		for (; n < CMDLINE_MAX - 1 && s[n]; n++)
			dst[n] = s[n];
	dst[n] = '\0';
}

static void add_ram(struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	uint64_t start = (spa + HV_PAGE_SIZE - 1) & HV_PAGE_MASK;
	uint64_t end = (spa + len) & HV_PAGE_MASK;

	if (end <= start)
		return;
	if (bi->num_ram == HV_MAX_MEM_RANGES) {
		hv_log("boot: more than %u RAM ranges; 0x%llx-0x%llx ignored", HV_MAX_MEM_RANGES,
		       (unsigned long long)start, (unsigned long long)end);
		return;
	}
	bi->ram[bi->num_ram++] = (struct hv_mem_range){ start, end - start };
}

/* A range the firmware reported that is not RAM, page-aligned outwards. */
static void add_firmware(struct hv_boot_info *bi, uint64_t spa, uint64_t len, uint32_t type)
{
	uint64_t start = spa & HV_PAGE_MASK;
	uint64_t end = (spa + len + HV_PAGE_SIZE - 1) & HV_PAGE_MASK;

	if (len == 0 || end <= start)
		return;
	if (bi->num_firmware == HV_MAX_MEM_RANGES) {
		hv_log("boot: more than %u firmware ranges; 0x%llx-0x%llx (type %u) ignored",
		       HV_MAX_MEM_RANGES, (unsigned long long)start, (unsigned long long)end, type);
		return;
	}
	bi->firmware[bi->num_firmware++] = (struct hv_fw_range){ start, end - start, type };
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool in_ram(const struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < bi->num_ram; i++)
		if (spa >= bi->ram[i].spa && spa + len <= bi->ram[i].spa + bi->ram[i].len)
			return true;
	return false;
}

static bool reserved(const struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < bi->num_reserved; i++)
		if (overlaps(spa, len, bi->reserved[i].spa, bi->reserved[i].len))
			return true;
	return false;
}

/* Modules below `floor` move to the first free RAM from `floor` on. */
static int relocate_low_modules(struct hv_boot_info *bi, uint64_t floor)
{
	uint64_t dest = floor;

	for (uint32_t i = 0; i < bi->num_modules; i++)
		if (bi->modules[i].spa >= floor && bi->modules[i].spa + bi->modules[i].len > dest)
			dest = bi->modules[i].spa + bi->modules[i].len;
	for (uint32_t i = 0; i < bi->num_modules; i++) {
		struct hv_module *m = &bi->modules[i];
		if (m->spa >= floor)
			continue;
		dest = (dest + HV_PAGE_SIZE - 1) & HV_PAGE_MASK;
		if (!in_ram(bi, dest, m->len) || reserved(bi, dest, m->len)) {
			hv_log("boot: no free RAM at 0x%llx for module %u (0x%llx bytes)",
			       (unsigned long long)dest, i, (unsigned long long)m->len);
			return -1;
		}
		hv_memcpy((void *)(uintptr_t)dest, (const void *)(uintptr_t)m->spa, m->len);
		hv_log("boot: module %u moved from 0x%llx to 0x%llx (below the load address)", i,
		       (unsigned long long)m->spa, (unsigned long long)dest);
		m->spa = dest;
		dest += m->len;
	}
	return 0;
}

int mb_fill_boot_info(uint32_t magic, uint32_t mbi_pa, struct hv_boot_info *bi)
{
	hv_memset(bi, 0, sizeof(*bi));
	if (magic != MB_BOOT_MAGIC || !mbi_pa) {
		hv_log("boot: not started by a multiboot loader (eax 0x%x)", magic);
		return -1;
	}
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_pa;

	if (mbi->flags & MB_INFO_MMAP) {
		const struct mb_mmap_entry *e;
		for (uint32_t off = 0; (e = mb_mmap_next(mbi, &off)) != NULL;) {
			if (e->type == 1)
				add_ram(bi, e->addr, e->len);
			else
				add_firmware(bi, e->addr, e->len, e->type);
		}
	} else if (mbi->flags & MB_INFO_MEM) {
		add_ram(bi, 0, (uint64_t)mbi->mem_lower << 10);
		add_ram(bi, 0x100000, (uint64_t)mbi->mem_upper << 10);
	}
	if (!bi->num_ram) {
		hv_log("boot: the boot loader gave no memory map");
		return -1;
	}

	uint64_t img = (uint64_t)(uintptr_t)__image_start;
	uint64_t img_len = (uint64_t)(uintptr_t)__image_end - img;
	bi->reserved[0] = (struct hv_mem_range){ img, img_len };
	bi->num_reserved = 1;

	/* Device memory passes through to the root VM (uncacheable, never
	 * executable; the core skips what is RAM): the legacy VGA and option-ROM
	 * window, and the top 32 MiB below 4 GiB (IOAPIC, HPET, firmware flash)
	 * except the local APIC's page: the core maps that one read-only and
	 * emulates the root's stores to it (hv/core/apic.c; an INIT sent through
	 * it would reset a processor the hypervisor runs on).  The PCI MMIO window
	 * below 0xFE000000 passes through too (pciwin.c, E-54). */
	uint64_t apic_page = rdmsr(MSR_APIC_BASE) & 0xFFFFF000ull;
	bi->lapic = (rdmsr(MSR_APIC_BASE) & (1ull << 11)) ? apic_page : 0;
	bi->ioapic = 0xFEC00000ull; /* the architectural default (the MADT is not read) */
	bi->mmio[0] = (struct hv_mem_range){ 0xA0000, 0x60000 };
	bi->num_mmio = 1;
	if (apic_page >= 0xFE000000ull && apic_page < 0x100000000ull) {
		bi->mmio[1] = (struct hv_mem_range){ 0xFE000000, apic_page - 0xFE000000ull };
		bi->mmio[2] = (struct hv_mem_range){ apic_page + 0x1000,
						     0x100000000ull - (apic_page + 0x1000) };
		bi->num_mmio = 3;
	} else {
		bi->mmio[1] = (struct hv_mem_range){ 0xFE000000, 0x2000000 };
		bi->num_mmio = 2;
	}
	pciwin_find(bi);

	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *m = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			if (bi->num_modules == HV_MAX_MODULES) {
				hv_log("boot: more than %u modules; the rest are ignored",
				       HV_MAX_MODULES);
				break;
			}
			uint64_t spa = m[i].mod_start, len = m[i].mod_end - m[i].mod_start;
			if (overlaps(spa, len, img, img_len)) {
				hv_log("boot: module %u at 0x%llx-0x%llx overlaps the hypervisor "
				       "image 0x%llx-0x%llx", i, (unsigned long long)spa,
				       (unsigned long long)(spa + len), (unsigned long long)img,
				       (unsigned long long)(img + img_len));
				return -1;
			}
			uint32_t k = bi->num_modules++;
			copy_str(mod_cmdline[k], m[i].string);
			bi->modules[k] = (struct hv_module){ spa, len, mod_cmdline[k] };
		}
	}
	/* The pool first: the modules that move must miss it. */
	if (pool_place(bi, HV_X86_POOL_SIZE) ||
	    relocate_low_modules(bi, boot_load_spa ? boot_load_spa : img + img_len))
		return -1;
	if (!bi->num_modules) {
		hv_log("boot: no modules: pass the root OS with -initrd (QEMU) or module (GRUB)");
		return -1;
	}
	bi->root_cmdline = bi->modules[0].cmdline;
	if (boot_load_spa)
		hv_log("boot: image moved from 0x%llx (load address) to 0x%llx (offset 0x%llx)",
		       (unsigned long long)boot_load_spa, (unsigned long long)img,
		       (unsigned long long)(img - boot_load_spa));
	else
		hv_log("boot: the image stays at its load address (no room at the top of RAM, "
		       "or more than %u modules)", HV_MAX_MODULES);
	hv_log("boot: image 0x%llx-0x%llx (pool 0x%llx-0x%llx), %u RAM ranges, %u modules",
	       (unsigned long long)img, (unsigned long long)(img + img_len),
	       (unsigned long long)bi->pool.spa,
	       (unsigned long long)(bi->pool.spa + bi->pool.len), bi->num_ram,
	       bi->num_modules);
	for (uint32_t i = 0; i < bi->num_modules; i++)
		hv_log("boot: module %u at 0x%llx+0x%llx \"%s\"", i,
		       (unsigned long long)bi->modules[i].spa,
		       (unsigned long long)bi->modules[i].len, bi->modules[i].cmdline);
	return 0;
}
