/*
 * Where the hypervisor's memory goes: the highest aligned range of a given
 * length inside one RAM range, below a limit, that overlaps none of a list
 * of busy ranges.  boot/relocate.c places the page pool and then the image
 * with it (the top of RAM below 4 GiB, docs/root-vm.md "Memory"); pool.c
 * uses it when the image could not move.
 */
#include <x86/boot.h>

static uint64_t align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

uint64_t place_top(const struct hv_mem_range *ram, uint32_t num_ram,
		   const struct hv_mem_range *busy, uint32_t num_busy, uint64_t len,
		   uint64_t align, uint64_t limit)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < num_ram; i++) {
		uint64_t lo = ram[i].spa, hi = lo + ram[i].len;
		if (hi > limit)
			hi = limit;
		if (hi < lo + len || hi - len <= best)
			continue;
		uint64_t s = align_down(hi - len, align);
		while (s >= lo && s > best) {
			uint32_t b = 0;
			while (b < num_busy && !(s < busy[b].spa + busy[b].len &&
						 busy[b].spa < s + len))
				b++;
			if (b == num_busy) {
				best = s;
				break;
			}
			if (busy[b].spa < len)
				break;
			s = align_down(busy[b].spa - len, align); /* below the busy range */
		}
	}
	return best;
}
