/*
 * hvmem: the root VM writing into the hypervisor's own memory must make the
 * hypervisor stop the root VM (docs/memory.md "What the root may not
 * touch", docs/exit-reasons.md):
 *     [hv] root VM stopped on pp 0: access to memory the root VM does not own ...
 *
 * The core's loader (hv/core/mb_loader.c) gives the root a multiboot
 * memory map in which RAM the root owns is type 1 and the hypervisor's
 * reserved ranges (its image, its page pool) are type 2.  The probe takes
 * the first type-2 range at or above 1 MiB (below is the BIOS area) and
 * below 4 GiB (the runtime's identity map), checks that it is outside
 * everything the root was given (its image, the multiboot information, the
 * modules), announces the stop (MVP EXPECT-STOP) and stores to the range's
 * first qword.  If the store goes through, a failed check says so and the
 * probe ENDs; the harness then fails the stop check.
 *
 * No ABI item names the root VM's isolation from the hypervisor (the
 * catalogue lists hypercalls, statuses, CPUID values and exit reasons), so
 * the checks are items=none and their ids say what they show.
 */
#include "probe.h"

PROBE_TITLE("root VM writing into the hypervisor's memory: the hypervisor must stop the root VM");

#define STOP_ID "root-write-hv-memory-stops"
#define MARK 0x6D656D76685F7472ull /* "rt_hvmem" */
#define MIB 0x100000ull
#define GIB4 0x100000000ull

extern char _bss_end[];

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* What of the root's own overlaps [s, s+len): a short name, or NULL. */
static const char *root_owned_overlap(const struct mb_info *mbi, uint64_t s, uint64_t len)
{
	const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;

	if (overlaps(s, len, MIB, (uint64_t)(uintptr_t)_bss_end - MIB))
		return "the probe image";
	if (overlaps(s, len, rt_mb_info, sizeof(*mbi)) ||
	    overlaps(s, len, mbi->mmap_addr, mbi->mmap_length))
		return "the multiboot information";
	if (mbi->flags & MB_INFO_MODS)
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			if (overlaps(s, len, m[i].mod_start, m[i].mod_end - m[i].mod_start))
				return "a module";
	return NULL;
}

void probe_main(void)
{
	const struct mb_info *mbi = (const void *)mb_info();
	uint64_t hv = 0, hv_len = 0, back;
	const char *clash;
	volatile uint64_t *p;

	if (!mbi)
		probe_error("no multiboot information");
	if (!(mbi->flags & MB_INFO_MMAP))
		probe_error("the multiboot information has no memory map");
	for (uint32_t off = 0; off + 4 <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);

		off += e->size + 4;
		rt_log("memory map: 0x%llx-0x%llx type %u", (unsigned long long)e->addr,
		       (unsigned long long)(e->addr + e->len), e->type);
		if (!hv && e->type == 2 && e->addr >= MIB && e->addr + 8 <= GIB4 && e->len >= 8) {
			hv = e->addr;
			hv_len = e->len;
		}
	}
	if (!check_tok("mmap-hv-range", "none", "type2-above-1mib", hv ? rt_hex(hv) : "none", hv != 0,
		       "the memory map shows the hypervisor's memory as a type-2 range at or above "
		       "1 MiB and below 4 GiB (0x%llx bytes)", (unsigned long long)hv_len))
		report_end();
	clash = root_owned_overlap(mbi, hv, hv_len);
	if (!check_tok("mmap-hv-range-not-root", "none", "disjoint", clash ? "overlaps" : "disjoint",
		       !clash, "the type-2 range 0x%llx-0x%llx overlaps nothing the root was given%s%s",
		       (unsigned long long)hv, (unsigned long long)(hv + hv_len),
		       clash ? ": it overlaps " : "", clash ? clash : ""))
		report_end();

	p = (volatile uint64_t *)(uintptr_t)hv;
	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_NOT_OWNED,
						RT_STOP_RIP(rt_stop_store64) },
			  STOP_ID, "none",
			  "the root writes (rt_stop_store64) into the hypervisor's memory at 0x%llx "
			  "(type-2 range 0x%llx-0x%llx): the hypervisor must stop the root VM",
			  (unsigned long long)hv, (unsigned long long)hv,
			  (unsigned long long)(hv + hv_len));
	rt_stop_store64(p, MARK);
	back = rt_stop_load64(p);
	check_tok("root-write-hv-memory-not-stopped", "none", "root-stopped", "not-stopped", false,
		  "the root wrote 0x%llx to the hypervisor's memory at 0x%llx (reads back 0x%llx): it "
		  "was not stopped", (unsigned long long)MARK, (unsigned long long)hv,
		  (unsigned long long)back);
	report_end();
}
