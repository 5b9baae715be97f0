/*
 * A multiboot (v1) loader for the root VM's OS: boot module 0 is loaded as
 * GRUB or QEMU's -kernel would load it, so any multiboot kernel can be the
 * root VM's OS.  Supports the header's address fields (flag 16, "a.out
 * kludge") and plain ELF32/ELF64 images.  Every field of the image is
 * checked before anything is copied.
 */
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/log.h>
#include <hv/multiboot.h>
#include <hv/string.h>

/* ---- where things may go ------------------------------------------------ */

static bool range_in_ram(const struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < bi->num_ram; i++) {
		const struct hv_mem_range *r = &bi->ram[i];
		if (spa >= r->spa && len <= r->len && spa - r->spa <= r->len - len)
			return true;
	}
	return false;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* A destination for the image (or the information area): RAM below 4 GiB,
 * not the hypervisor's, not a module. */
static bool dest_ok(const struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	if (len == 0 || spa + len < spa || spa + len > 0x100000000ull)
		return false;
	if (!range_in_ram(bi, spa, len))
		return false;
	for (uint32_t i = 0; i < bi->num_reserved; i++)
		if (ranges_overlap(spa, len, bi->reserved[i].spa, bi->reserved[i].len))
			return false;
	for (uint32_t i = 0; i < bi->num_modules; i++)
		if (ranges_overlap(spa, len, bi->modules[i].spa, bi->modules[i].len))
			return false;
	return true;
}

static void *hva(uint64_t spa, uint64_t len)
{
	return arch_spa_to_hva(spa, (size_t)len);
}

static int copy_segment(const struct hv_boot_info *bi, const uint8_t *img, uint64_t img_len,
			uint64_t file_off, uint64_t file_len, uint64_t dest, uint64_t mem_len)
{
	if (mem_len < file_len || file_off > img_len || file_len > img_len - file_off) {
		hv_log("boot: segment at 0x%llx: file range 0x%llx+0x%llx outside the image "
		       "(0x%llx bytes)", (unsigned long long)dest, (unsigned long long)file_off,
		       (unsigned long long)file_len, (unsigned long long)img_len);
		return -1;
	}
	if (!dest_ok(bi, dest, mem_len)) {
		hv_log("boot: segment 0x%llx-0x%llx is not free RAM of the root VM",
		       (unsigned long long)dest, (unsigned long long)(dest + mem_len));
		return -1;
	}
	uint8_t *d = hva(dest, mem_len);
	if (!d)
		return -1;
	hv_memcpy(d, img + file_off, (size_t)file_len);
	hv_memset(d + file_len, 0, (size_t)(mem_len - file_len));
	return 0;
}

/* ---- image formats ------------------------------------------------------ */

static int load_aout_kludge(const struct hv_boot_info *bi, const uint8_t *img, uint64_t len,
			    uint32_t hdr_off, const struct mb_header *h, struct mb_entry *e)
{
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > hdr_off) {
		hv_log("boot: multiboot header_addr 0x%x / load_addr 0x%x inconsistent",
		       h->header_addr, h->load_addr);
		return -1;
	}
	uint64_t file_off = hdr_off - (h->header_addr - h->load_addr);
	uint64_t file_len = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr
					     : len - file_off;
	if (h->load_end_addr && h->load_end_addr < h->load_addr) {
		hv_log("boot: multiboot load_end_addr 0x%x below load_addr 0x%x",
		       h->load_end_addr, h->load_addr);
		return -1;
	}
	uint64_t mem_end = h->bss_end_addr ? h->bss_end_addr : h->load_addr + file_len;
	if (mem_end < h->load_addr + file_len) {
		hv_log("boot: multiboot bss_end_addr 0x%x below the loaded image", h->bss_end_addr);
		return -1;
	}
	if (copy_segment(bi, img, len, file_off, file_len, h->load_addr, mem_end - h->load_addr))
		return -1;
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end) {
		hv_log("boot: entry 0x%x outside the loaded image 0x%x-0x%llx", h->entry_addr,
		       h->load_addr, (unsigned long long)mem_end);
		return -1;
	}
	e->entry = h->entry_addr;
	e->load_lo = h->load_addr;
	e->load_hi = mem_end;
	return 0;
}

struct elf_seg {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static int elf_phdr(const uint8_t *img, uint64_t len, bool is64, uint64_t phoff,
		    uint16_t phentsize, uint16_t i, struct elf_seg *s)
{
	uint64_t off = phoff + (uint64_t)i * phentsize;

	if (off > len || phentsize > len - off)
		return -1;
	const uint8_t *p = img + off;
	uint32_t u32;
	uint64_t u64;
	hv_memcpy(&s->type, p, 4);
	if (is64) {
		hv_memcpy(&s->offset, p + 8, 8);
		hv_memcpy(&s->paddr, p + 24, 8);
		hv_memcpy(&s->filesz, p + 32, 8);
		hv_memcpy(&s->memsz, p + 40, 8);
	} else {
		hv_memcpy(&u32, p + 4, 4), s->offset = u32;
		hv_memcpy(&u32, p + 12, 4), s->paddr = u32;
		hv_memcpy(&u32, p + 16, 4), s->filesz = u32;
		hv_memcpy(&u32, p + 20, 4), s->memsz = u32;
	}
	(void)u64;
	return 0;
}

static int load_elf(const struct hv_boot_info *bi, const uint8_t *img, uint64_t len,
		    struct mb_entry *e)
{
	if (len < 64 || hv_memcmp(img, "\x7f" "ELF", 4) || img[5] != 1 /* LSB */) {
		hv_log("boot: module 0 has no multiboot address fields and is not a "
		       "little-endian ELF image");
		return -1;
	}
	bool is64 = img[4] == 2;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
	if (is64) {
		hv_memcpy(&entry, img + 24, 8);
		hv_memcpy(&phoff, img + 32, 8);
		hv_memcpy(&phentsize, img + 54, 2);
		hv_memcpy(&phnum, img + 56, 2);
	} else {
		uint32_t e32, p32;
		hv_memcpy(&e32, img + 24, 4);
		hv_memcpy(&p32, img + 28, 4);
		entry = e32, phoff = p32;
		hv_memcpy(&phentsize, img + 42, 2);
		hv_memcpy(&phnum, img + 44, 2);
	}
	if (phentsize < (is64 ? 56 : 32) || phnum == 0) {
		hv_log("boot: ELF program headers malformed (size %u, count %u)", phentsize, phnum);
		return -1;
	}
	e->load_lo = ~0ull;
	e->load_hi = 0;
	for (uint16_t i = 0; i < phnum; i++) {
		struct elf_seg s;
		if (elf_phdr(img, len, is64, phoff, phentsize, i, &s)) {
			hv_log("boot: ELF program header %u outside the image", i);
			return -1;
		}
		if (s.type != 1 /* PT_LOAD */ || s.memsz == 0)
			continue;
		if (copy_segment(bi, img, len, s.offset, s.filesz, s.paddr, s.memsz))
			return -1;
		e->load_lo = s.paddr < e->load_lo ? s.paddr : e->load_lo;
		e->load_hi = s.paddr + s.memsz > e->load_hi ? s.paddr + s.memsz : e->load_hi;
	}
	if (e->load_hi == 0 || entry < e->load_lo || entry >= e->load_hi) {
		hv_log("boot: ELF entry 0x%llx outside its loadable segments",
		       (unsigned long long)entry);
		return -1;
	}
	e->entry = (uint32_t)entry;
	return 0;
}

/* ---- the information structure ------------------------------------------ */

struct mbi_area {
	uint8_t *base;
	uint64_t spa;
	uint64_t used;
};

/* The information area: free RAM outside the kernel's footprint `e`
 * (docs/root-vm.md "Memory"); 0 if there is none. */
static uint64_t mbi_area_place(const struct hv_boot_info *bi, const struct mb_entry *e)
{
	uint64_t cand[1 + 1 + HV_MAX_MODULES];
	uint32_t n = 0;

	cand[n++] = MB_INFO_AREA_SPA;
	cand[n++] = (e->load_hi + HV_PAGE_SIZE - 1) & HV_PAGE_MASK;
	for (uint32_t i = 0; i < bi->num_modules; i++)
		cand[n++] = (bi->modules[i].spa + bi->modules[i].len + HV_PAGE_SIZE - 1) &
			    HV_PAGE_MASK;
	for (uint32_t i = 0; i < n; i++)
		if (dest_ok(bi, cand[i], MB_INFO_AREA_LEN) &&
		    !ranges_overlap(cand[i], MB_INFO_AREA_LEN, e->load_lo, e->load_hi - e->load_lo))
			return cand[i];
	return 0;
}

static uint32_t area_alloc(struct mbi_area *a, uint64_t len, const void *src)
{
	uint64_t off = (a->used + 7) & ~7ull;

	if (len > MB_INFO_AREA_LEN || off > MB_INFO_AREA_LEN - len)
		return 0;
	a->used = off + len;
	if (src)
		hv_memcpy(a->base + off, src, (size_t)len);
	return (uint32_t)(a->spa + off);
}

static uint32_t area_str(struct mbi_area *a, const char *s)
{
	if (!s)
		s = "";
	return area_alloc(a, hv_strnlen(s, 1024) + 1, s);
}

/* The end of the RAM that runs without a hole from `end` (stopping once it
 * reaches `limit`). */
static uint64_t ram_run_end(const struct hv_boot_info *bi, uint64_t end, uint64_t limit)
{
	for (bool grew = true; grew && end < limit;) {
		grew = false;
		for (uint32_t i = 0; i < bi->num_ram; i++) {
			const struct hv_mem_range *r = &bi->ram[i];
			if (r->spa <= end && r->spa + r->len > end) {
				end = r->spa + r->len;
				grew = true;
			}
		}
	}
	return end;
}

/* mem_lower: KiB of RAM from 0 up to the first hole, at most 640 (PCs end
 * conventional memory at 0x9F000 or 0xA0000). */
static uint32_t mem_lower_kib(const struct hv_boot_info *bi)
{
	uint64_t end = ram_run_end(bi, 0, 0xA0000);

	return (uint32_t)((end < 0xA0000 ? end : 0xA0000) / 1024);
}

/* mem_upper: KiB of RAM from 1 MiB up to the first hole or reserved range. */
static uint32_t mem_upper_kib(const struct hv_boot_info *bi)
{
	uint64_t end = ram_run_end(bi, 0x100000, UINT64_MAX);

	for (uint32_t i = 0; i < bi->num_reserved; i++) {
		const struct hv_mem_range *r = &bi->reserved[i];
		if (r->spa >= 0x100000 && r->spa < end)
			end = r->spa;
	}
	if (end > 0x100000000ull)
		end = 0x100000000ull;
	return (uint32_t)((end - 0x100000) / 1024);
}

static int build_mbi(const struct hv_boot_info *bi, struct mb_entry *e)
{
	uint64_t spa = mbi_area_place(bi, e);
	struct mbi_area a = { spa ? hva(spa, MB_INFO_AREA_LEN) : NULL, spa, 0 };
	struct mb_info mbi;

	if (!a.base) {
		hv_log("boot: no free 0x%llx bytes of RAM for the multiboot information",
		       (unsigned long long)MB_INFO_AREA_LEN);
		return -1;
	}
	hv_memset(a.base, 0, (size_t)MB_INFO_AREA_LEN);
	hv_memset(&mbi, 0, sizeof(mbi));
	uint32_t mbi_spa = area_alloc(&a, sizeof(mbi), NULL);

	mbi.flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP | MB_INFO_LOADER_NAME;
	mbi.mem_lower = mem_lower_kib(bi);
	mbi.mem_upper = mem_upper_kib(bi);
	mbi.cmdline = area_str(&a, bi->root_cmdline);
	mbi.boot_loader_name = area_str(&a, "microv-harness hypervisor");

	struct mb_module mods[HV_MAX_MODULES];
	hv_memset(mods, 0, sizeof(mods));
	mbi.mods_count = bi->num_modules > 1 ? bi->num_modules - 1 : 0;
	for (uint32_t i = 1; i < bi->num_modules; i++) {
		mods[i - 1].mod_start = (uint32_t)bi->modules[i].spa;
		mods[i - 1].mod_end = (uint32_t)(bi->modules[i].spa + bi->modules[i].len);
		mods[i - 1].string = area_str(&a, bi->modules[i].cmdline);
	}
	mbi.mods_addr = area_alloc(&a, sizeof(struct mb_module) * (mbi.mods_count + 1), mods);

	/* Memory map: RAM the root owns is type 1, the hypervisor's type 2,
	 * the firmware's other ranges their own type; sorted by address. */
	struct mb_mmap_entry mm[3 * HV_MAX_MEM_RANGES];
	uint32_t n = 0;
	for (uint32_t i = 0; i < bi->num_ram; i++) {
		uint64_t s = bi->ram[i].spa, end = s + bi->ram[i].len;
		/* Cut reserved ranges out of this RAM range (they are sorted by
		 * nothing, so cut each one that starts inside). */
		while (s < end && n < 2 * HV_MAX_MEM_RANGES - 1) {
			uint64_t cut = end, resume = end;
			for (uint32_t j = 0; j < bi->num_reserved; j++) {
				const struct hv_mem_range *r = &bi->reserved[j];
				if (r->spa + r->len > s && r->spa < cut) {
					cut = r->spa > s ? r->spa : s;
					resume = r->spa + r->len;
				}
			}
			if (cut > s)
				mm[n++] = (struct mb_mmap_entry){ 20, s, cut - s, 1 };
			if (cut < end)
				mm[n++] = (struct mb_mmap_entry){ 20, cut, (resume < end ? resume : end) - cut, 2 };
			s = resume;
		}
	}
	for (uint32_t i = 0; i < bi->num_firmware && i < HV_MAX_MEM_RANGES; i++)
		mm[n++] = (struct mb_mmap_entry){ 20, bi->firmware[i].spa, bi->firmware[i].len,
						  bi->firmware[i].type };
	for (uint32_t i = 1; i < n; i++) /* insertion sort by address */
		for (uint32_t j = i; j > 0 && mm[j].addr < mm[j - 1].addr; j--) {
			struct mb_mmap_entry t = mm[j];
			mm[j] = mm[j - 1];
			mm[j - 1] = t;
		}
	mbi.mmap_length = n * sizeof(struct mb_mmap_entry);
	mbi.mmap_addr = area_alloc(&a, mbi.mmap_length, mm);

	if (!mbi_spa || !mbi.cmdline || !mbi.mods_addr || !mbi.mmap_addr) {
		hv_log("boot: multiboot information does not fit in 0x%llx bytes",
		       (unsigned long long)MB_INFO_AREA_LEN);
		return -1;
	}
	hv_memcpy(a.base + (mbi_spa - a.spa), &mbi, sizeof(mbi));
	e->mbi = mbi_spa;
	return 0;
}

int mb_load_root(const struct hv_boot_info *bi, struct mb_entry *e)
{
	if (bi->num_modules == 0) {
		hv_log("boot: no module 0: nothing to run in the root VM");
		return -1;
	}
	const struct hv_module *m = &bi->modules[0];
	const uint8_t *img = hva(m->spa, m->len);
	if (!img || m->len < sizeof(struct mb_header)) {
		hv_log("boot: module 0 (0x%llx bytes at 0x%llx) unreadable or too small",
		       (unsigned long long)m->len, (unsigned long long)m->spa);
		return -1;
	}

	uint64_t limit = m->len < MB_SEARCH_LEN ? m->len : MB_SEARCH_LEN;
	struct mb_header h;
	uint32_t off;
	for (off = 0; off + sizeof(h) <= limit; off += 4) {
		hv_memcpy(&h, img + off, sizeof(h));
		if (h.magic == MB_HEADER_MAGIC && h.magic + h.flags + h.checksum == 0)
			break;
	}
	if (off + sizeof(h) > limit) {
		hv_log("boot: module 0 has no multiboot header in its first %u bytes",
		       MB_SEARCH_LEN);
		return -1;
	}
	/* Bits 15:0 the loader must honour: 0 (page-align modules), 1 (memory
	 * info) are what we support; video mode (2) is refused. */
	if (h.flags & 0xFFFCu) {
		hv_log("boot: multiboot header requests unsupported features (flags 0x%x)",
		       h.flags);
		return -1;
	}

	int rc = (h.flags & MB_FLAG_AOUT_KLUDGE) ? load_aout_kludge(bi, img, m->len, off, &h, e)
						 : load_elf(bi, img, m->len, e);
	if (rc == 0)
		rc = build_mbi(bi, e);
	if (rc == 0)
		hv_log("boot: root OS loaded at 0x%llx-0x%llx, entry 0x%x, mbi 0x%x",
		       (unsigned long long)e->load_lo, (unsigned long long)e->load_hi, e->entry,
		       e->mbi);
	return rc;
}
