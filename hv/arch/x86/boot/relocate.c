/*
 * The image moves out of the root's RAM: the first C code on the BSP
 * (entry.S calls it in long mode, on the loaded image's stack, before
 * anything else runs) places the image at the top of RAM below 4 GiB and
 * the page pool right below it (one reserved range; with the pool 2 MiB-
 * aligned right below the image, QEMU TCG ran the core's boot 1.5x slower,
 * docs/performance.md "Boot"), copies the loaded part of the image there,
 * zeroes the copy's .bss, adds the distance to every absolute address that
 * boot/relocs.py listed in boot_reloc_table, and builds the copy's own
 * identity map (0-4 GiB, 2 MiB pages).  entry.S then jumps into the copy,
 * which runs at its new address as if it had been linked there: the
 * hypervisor stays identity-mapped, so a pointer to its own memory is still
 * the physical address (VMCB/VMCS, IOMMU tables, page tables).  The load
 * region goes back to the root VM (docs/boot.md, docs/root-vm.md "Memory").
 *
 * Nothing the loader handed over may be overwritten: the multiboot
 * information, memory map, module list, command lines and modules are
 * avoided.  Code compiled for the small model holds sign-extended 32-bit
 * addresses (R_X86_64_32S): with any, the image stays below 2 GiB.
 */
#include <x86/boot.h>

#include <multiboot/multiboot.h>

#include <hv/arch/core.h>

#define RELOC_64 (1u << 31)
#define RELOC_32S (1u << 30)
#define RELOC_OFFSET 0x3FFFFFFFu
#define TWO_GIB 0x80000000ull
#define LOW_MEM 0x100000ull
#define STR_MAX 4096
#define MAX_BUSY (8 + 2 * HV_MAX_MODULES)

/* boot/link.ld: a count, then the entries (boot/relocs.py). */
extern uint32_t boot_reloc_table[];
/* boot/entry.S: the page tables (.bss). */
extern uint64_t boot_pml4[], boot_pdpt[], boot_pd[];

uint64_t boot_load_spa, boot_pool_spa;

struct layout {
	struct hv_mem_range ram[HV_MAX_MEM_RANGES];
	uint32_t num_ram;
	struct hv_mem_range busy[MAX_BUSY];
	uint32_t num_busy;
};

static void busy_add(struct layout *l, uint64_t spa, uint64_t len)
{
	if (len && l->num_busy < MAX_BUSY)
		l->busy[l->num_busy++] = (struct hv_mem_range){ spa, len };
}

static void ram_add(struct layout *l, uint64_t spa, uint64_t len)
{
	uint64_t lo = (spa + HV_PAGE_SIZE - 1) & HV_PAGE_MASK, hi = (spa + len) & HV_PAGE_MASK;

	if (hi > HOST_MAP_LIMIT)
		hi = HOST_MAP_LIMIT;
	if (hi > lo && l->num_ram < HV_MAX_MEM_RANGES)
		l->ram[l->num_ram++] = (struct hv_mem_range){ lo, hi - lo };
}

static uint64_t str_len(uint32_t pa)
{
	const char *s = (const char *)(uintptr_t)pa;
	uint64_t n = 0;

	while (pa && n < STR_MAX && s[n])
		n++;
	return n + 1;
}

/* RAM below 4 GiB and everything of the loader's that must survive.  false:
 * more modules than a layout can hold (the image stays). */
static bool layout_read(struct layout *l, const struct mb_info *mbi)
{
	if (mbi->flags & MB_INFO_MMAP) {
		const struct mb_mmap_entry *e;
		for (uint32_t off = 0; (e = mb_mmap_next(mbi, &off)) != NULL;)
			if (e->type == 1)
				ram_add(l, e->addr, e->len);
	} else if (mbi->flags & MB_INFO_MEM) {
		ram_add(l, LOW_MEM, (uint64_t)mbi->mem_upper << 10);
	}
	busy_add(l, 0, LOW_MEM);
	busy_add(l, (uint64_t)(uintptr_t)__image_start,
		 (uint64_t)(uintptr_t)(__image_end - __image_start));
	busy_add(l, (uint64_t)(uintptr_t)mbi, sizeof(*mbi));
	if (mbi->flags & MB_INFO_MMAP)
		busy_add(l, mbi->mmap_addr, mbi->mmap_length);
	busy_add(l, mbi->cmdline, str_len(mbi->cmdline));
	if (!(mbi->flags & MB_INFO_MODS))
		return true;
	if (mbi->mods_count > HV_MAX_MODULES)
		return false;
	const struct mb_module *m = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
	busy_add(l, mbi->mods_addr, (uint64_t)mbi->mods_count * sizeof(*m));
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		if (m[i].mod_end > m[i].mod_start)
			busy_add(l, m[i].mod_start, m[i].mod_end - m[i].mod_start);
		busy_add(l, m[i].string, str_len(m[i].string));
	}
	return true;
}

static void copy_qwords(void *dst, const void *src, uint64_t bytes)
{
	uint64_t n = (bytes + 7) / 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void zero_qwords(void *dst, uint64_t bytes)
{
	uint64_t n = bytes / 8;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(0ull) : "memory");
}

static bool has_32s(void)
{
	for (uint32_t i = 1; i <= boot_reloc_table[0]; i++)
		if (boot_reloc_table[i] & RELOC_32S)
			return true;
	return false;
}

static void apply_relocs(char *copy, uint64_t delta)
{
	for (uint32_t i = 1; i <= boot_reloc_table[0]; i++) {
		uint32_t e = boot_reloc_table[i];
		char *at = copy + (e & RELOC_OFFSET);
		if (e & RELOC_64)
			*(uint64_t *)at += delta;
		else
			*(uint32_t *)at += (uint32_t)delta;
	}
}

/* The same identity map as entry.S's, in the copy's .bss. */
static void build_identity_map(uint64_t delta)
{
	uint64_t *pml4 = (uint64_t *)((char *)boot_pml4 + delta);
	uint64_t *pdpt = (uint64_t *)((char *)boot_pdpt + delta);
	uint64_t *pd = (uint64_t *)((char *)boot_pd + delta);

	pml4[0] = (uint64_t)(uintptr_t)pdpt | 0x3;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = ((uint64_t)(uintptr_t)pd + i * HV_PAGE_SIZE) | 0x3;
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | 0x83; /* P | RW | PS */
}

uint64_t boot_relocate(uint32_t magic, uint32_t mbi_pa)
{
	static struct layout l; /* the loaded image's .bss: discarded with it */
	char *start = __image_start;

	l.num_ram = l.num_busy = 0;
	uint64_t len = (uint64_t)(uintptr_t)(__image_end - __image_start);

	if (magic != MB_BOOT_MAGIC || !mbi_pa || !layout_read(&l, (const void *)(uintptr_t)mbi_pa))
		return 0; /* mb_fill_boot_info says why, or places the pool itself */
	uint64_t dest = place_top(l.ram, l.num_ram, l.busy, l.num_busy, len, HV_PAGE_SIZE,
				  has_32s() ? TWO_GIB : HOST_MAP_LIMIT);
	if (!dest)
		return 0;
	busy_add(&l, dest, len);
	uint64_t pool = place_top(l.ram, l.num_ram, l.busy, l.num_busy, HV_X86_POOL_SIZE,
				  HV_PAGE_SIZE, dest);
	if (!pool)
		return 0;

	uint64_t delta = dest - (uint64_t)(uintptr_t)start;
	char *copy = (char *)(uintptr_t)dest;
	copy_qwords(copy, start, (uint64_t)(uintptr_t)(__load_end - start));
	zero_qwords(copy + (__bss_start - start), (uint64_t)(uintptr_t)(__bss_end - __bss_start));
	apply_relocs(copy, delta);
	build_identity_map(delta);
	*(uint64_t *)((char *)&boot_load_spa + delta) = (uint64_t)(uintptr_t)start;
	*(uint64_t *)((char *)&boot_pool_spa + delta) = pool;
	return delta;
}
