/*
 * Where the hypervisor's page pool goes: the highest 2 MiB-aligned
 * HV_X86_POOL_SIZE bytes of RAM below 4 GiB that hold no module and not
 * the image (docs/root-vm.md "Memory"): the top of low RAM, where it least
 * disturbs an OS (kvm-unit-tests' allocator, an OS that wants low memory
 * contiguous).  The image itself stays at its link address (boot/link.ld).
 * The pool is identity-mapped (boot/entry.S maps 0-4 GiB), zeroed page by
 * page as the core allocates, and reported as reserved.
 */
#include <x86/boot.h>

#include <hv/arch/core.h>

#define POOL_ALIGN 0x200000ull
#define FOUR_GIB 0x100000000ull

static bool pool_overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The pool at `spa` would clobber nothing the boot still needs. */
static bool pool_fits(const struct hv_boot_info *bi, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < bi->num_reserved; i++)
		if (pool_overlaps(spa, len, bi->reserved[i].spa, bi->reserved[i].len))
			return false;
	for (uint32_t i = 0; i < bi->num_modules; i++)
		if (pool_overlaps(spa, len, bi->modules[i].spa, bi->modules[i].len))
			return false;
	return true;
}

int pool_place(struct hv_boot_info *bi, uint64_t len)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < bi->num_ram; i++) {
		uint64_t lo = bi->ram[i].spa, hi = lo + bi->ram[i].len;
		if (hi > FOUR_GIB)
			hi = FOUR_GIB;
		if (hi < lo + len)
			continue;
		for (uint64_t s = (hi - len) & ~(POOL_ALIGN - 1); s >= lo && s > best;
		     s -= POOL_ALIGN) {
			if (pool_fits(bi, s, len)) {
				best = s;
				break;
			}
			if (s < POOL_ALIGN)
				break;
		}
	}
	if (!best || bi->num_reserved == HV_MAX_MEM_RANGES) {
		hv_log("boot: no 0x%llx bytes of free RAM below 4 GiB for the page pool",
		       (unsigned long long)len);
		return -1;
	}
	bi->pool = (struct hv_mem_range){ best, len };
	bi->reserved[bi->num_reserved++] = bi->pool;
	return 0;
}
