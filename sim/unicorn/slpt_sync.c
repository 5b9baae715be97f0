/*
 * An engine's memory map from its VM's second-level table (slpt.c): before a
 * VPS runs, slpt_sync() rebuilds only the 2 MiB chunks whose leaf changed
 * since this engine last synced them, coalescing contiguous runs (consecutive
 * gfn and spa, equal permissions) into one uc_mem_map_ptr region: one region
 * per 4 KiB page would make Unicorn crawl.  Consecutive dirty chunks are
 * rebuilt together, so the root's RAM is one region per 16 MiB at the first run;
 * a region that reaches into a dirty chunk is unmapped and its parts outside
 * the chunk are mapped again as they were (Unicorn cannot shrink a region:
 * an unmap costs one TLB-page flush per page of it, so a region is split
 * once and later changes in that chunk touch only the chunk's regions).
 * Runs are also cut at every 16 MiB of GPA (REGION_MAX_PAGES).
 *
 * Unicorn takes guest-virtual addresses to be physical (guests identity-map),
 * so a region's address is the GPA.
 */
#include <stdlib.h>
#include <string.h>

#include <microv/mv_abi.h>

#include "ucsim.h"

#define PERM_FLAGS (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)

/*
 * A region never crosses a 16 MiB boundary of GPA space.  Unicorn cannot
 * shrink a region: cutting a page out unmaps all of it, one TLB-page flush
 * per page (about 700 instructions), and each map or unmap rebuilds its flat
 * view, at a cost that grows with the number of regions.  Measured with
 * callgrind (sim.guest_vm_exits, which donates from a 128 MiB root, and an
 * empty bench run): uncapped 79.7 and 63.2 million instructions; 8 MiB 63.3
 * and 65.1; 16 MiB 63.6 and 64.1; 32 MiB 66.0 and 63.6.
 */
#define REGION_MAX_PAGES 4096u

static uint32_t perm_to_uc(uint64_t flags)
{
	uint32_t p = 0;
	if (flags & MV_GPA_FLAG_READ_ACCESS)
		p |= UC_PROT_READ;
	if (flags & MV_GPA_FLAG_WRITE_ACCESS)
		p |= UC_PROT_WRITE;
	if (flags & MV_GPA_FLAG_EXECUTE_ACCESS)
		p |= UC_PROT_EXEC;
	return p;
}

/* Index of the first region that ends above `gpa`. */
static size_t region_after(const struct arch_vps *a, uint64_t gpa)
{
	size_t lo = 0, hi = a->nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->regions[mid].gpa + a->regions[mid].len <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Map one region into the engine and insert it in order.  `fresh`: its
 * pages changed, drop the code translated from them, if the engine ever ran
 * guest code (not uc_ctl_flush_tlb: measured, in 2.0.1 it is a full
 * tb_flush that memsets the whole TCG region, ~50 ms each; and not on the
 * first map: over the root's RAM it costs 2.7 million instructions for
 * nothing). */
static int add_region(struct arch_vps *a, struct slpt_region r, bool fresh)
{
	if (a->nregions == a->capregions) {
		size_t cap = a->capregions ? a->capregions * 2 : 64;
		struct slpt_region *n = realloc(a->regions, cap * sizeof(*n));
		if (!n)
			return -1;
		a->regions = n;
		a->capregions = cap;
	}
	/* A page beyond system memory is the local APIC's (slpt.c). */
	uc_err err = r.spa < g_mem_size ? uc_mem_map_ptr(a->uc, r.gpa, r.len, r.prot, g_mem + r.spa)
		     : r.spa == SIM_LAPIC_BASE && r.len == 0x1000 ? lapic_mmio_map(a, r.gpa)
								     : UC_ERR_ARG;
	if (err) {
		fprintf(stderr, "mvsim: cannot map gpa 0x%llx+0x%llx: %s\n", (unsigned long long)r.gpa,
			(unsigned long long)r.len, uc_strerror(err));
		return -1;
	}
	size_t i = region_after(a, r.gpa);
	memmove(&a->regions[i + 1], &a->regions[i], (a->nregions - i) * sizeof(r));
	a->regions[i] = r;
	a->nregions++;
	if (fresh && a->ran)
		uc_ctl_remove_cache(a->uc, r.gpa, r.gpa + r.len);
	return 0;
}

/* Unmap every region that overlaps gfns [lo, hi); map again the parts of
 * them outside it. */
static int cut_span(struct arch_vps *a, uint64_t lo, uint64_t hi)
{
	uint64_t glo = lo << 12, ghi = hi << 12;
	struct slpt_region keep[2];
	unsigned nkeep = 0;
	size_t i = region_after(a, glo), j = i;

	for (; j < a->nregions && a->regions[j].gpa < ghi; j++) {
		const struct slpt_region r = a->regions[j];
		uc_mem_unmap(a->uc, r.gpa, r.len);
		if (r.gpa < glo)
			keep[nkeep++] = (struct slpt_region){ r.gpa, glo - r.gpa, r.spa, r.prot };
		if (r.gpa + r.len > ghi)
			keep[nkeep++] = (struct slpt_region){ ghi, r.gpa + r.len - ghi,
							      r.spa + (ghi - r.gpa), r.prot };
	}
	if (j > i) /* none cut: regions may still be NULL (memmove's arguments never are) */
		memmove(&a->regions[i], &a->regions[j], (a->nregions - j) * sizeof(*a->regions));
	a->nregions -= j - i;
	for (unsigned k = 0; k < nkeep; k++)
		if (add_region(a, keep[k], false))
			return -1;
	return 0;
}

/* The entry of `gfn`: its leaf (NULL: none) and index; `leaf` is a hint. */
static struct slpt_leaf *entry(struct arch_vm *v, struct slpt_leaf *leaf, uint64_t gfn, unsigned *k)
{
	*k = gfn & (SLPT_LEAF_PAGES - 1);
	if (!leaf || leaf->chunk != gfn >> SLPT_LEAF_BITS)
		leaf = slpt_leaf_of(v, gfn >> SLPT_LEAF_BITS);
	return leaf;
}

/* Rebuild gfns [lo, hi) (whole chunks) from the table; v->lock held. */
static int resync_span(struct arch_vps *a, struct arch_vm *v, uint64_t lo, uint64_t hi)
{
	if (cut_span(a, lo, hi))
		return -1;
	struct slpt_leaf *leaf = NULL;
	unsigned k;
	for (uint64_t gfn = lo; gfn < hi;) {
		leaf = entry(v, leaf, gfn, &k);
		if (!leaf) {
			gfn = (gfn | (SLPT_LEAF_PAGES - 1)) + 1;
			continue;
		}
		if (!leaf->spa[k]) {
			gfn++;
			continue;
		}
		uint64_t start = gfn, spa = leaf->spa[k] & ~SLPT_PRESENT;
		uint64_t perm = leaf->flags[k] & PERM_FLAGS;
		for (gfn++; spa < g_mem_size && gfn < hi && gfn % REGION_MAX_PAGES; gfn++) {
			leaf = entry(v, leaf, gfn, &k);
			uint64_t s = leaf ? leaf->spa[k] & ~SLPT_PRESENT : 0;
			if (!leaf || !leaf->spa[k] || s != spa + ((gfn - start) << 12) ||
			    (leaf->flags[k] & PERM_FLAGS) != perm || s + 0x1000 > g_mem_size)
				break;
		}
		struct slpt_region r = { start << 12, (gfn - start) << 12, spa, perm_to_uc(perm) };
		if (add_region(a, r, true))
			return -1;
	}
	return 0;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

int slpt_sync(struct arch_vps *a, struct hv_vm *vm)
{
	struct arch_vm *v = vm_arch(vm);
	int rc = 0;

	if (atomic_load(&v->gen) == a->synced_gen)
		return 0;
	pthread_mutex_lock(&v->lock);
	uint64_t gen = atomic_load(&v->gen);
	if (a->nleaf_gen < v->nleaves) {
		uint64_t *g = realloc(a->leaf_gen, v->nleaves * sizeof(*g));
		if (!g) {
			pthread_mutex_unlock(&v->lock);
			return -1;
		}
		memset(&g[a->nleaf_gen], 0, (v->nleaves - a->nleaf_gen) * sizeof(*g));
		a->leaf_gen = g;
		a->nleaf_gen = v->nleaves;
	}
	/* The chunks that changed since this engine synced them, in order. */
	uint64_t *dirty = malloc((v->nleaves + 1) * sizeof(*dirty));
	size_t nd = 0;
	if (!dirty) {
		pthread_mutex_unlock(&v->lock);
		return -1;
	}
	for (size_t i = 0; i < v->nleaves; i++)
		if (v->leaves[i]->gen != a->leaf_gen[i])
			dirty[nd++] = v->leaves[i]->chunk;
	qsort(dirty, nd, sizeof(*dirty), cmp_u64);
	for (size_t i = 0; i < nd && rc == 0;) {
		size_t j = i + 1;
		while (j < nd && dirty[j] == dirty[j - 1] + 1)
			j++;
		rc = resync_span(a, v, dirty[i] << SLPT_LEAF_BITS, (dirty[j - 1] + 1) << SLPT_LEAF_BITS);
		i = j;
	}
	if (rc == 0) {
		for (size_t i = 0; i < v->nleaves; i++)
			a->leaf_gen[i] = v->leaves[i]->gen;
		a->synced_gen = gen;
	}
	pthread_mutex_unlock(&v->lock);
	free(dirty);
	if (nd)
		a->map_epoch++;
	return rc;
}

const uint8_t *slpt_host_slow(struct arch_vps *a, uint64_t gpa, uint64_t len)
{
	size_t i = a->code_region;
	if (i >= a->nregions || gpa < a->regions[i].gpa ||
	    gpa - a->regions[i].gpa + len > a->regions[i].len) {
		i = region_after(a, gpa);
		if (i >= a->nregions || gpa < a->regions[i].gpa ||
		    gpa - a->regions[i].gpa + len > a->regions[i].len)
			return NULL;
		a->code_region = i;
	}
	const struct slpt_region *r = &a->regions[i];
	if (r->spa >= g_mem_size)
		return NULL; /* the local APIC's page: a device, no bytes */
	/* Regions are whole pages: remember this one. */
	uint64_t page = gpa & ~0xFFFull;
	a->host_page = page;
	a->host_page_ptr = g_mem + r->spa + (page - r->gpa);
	a->host_page_epoch = a->map_epoch;
	return g_mem + r->spa + (gpa - r->gpa);
}

void slpt_fini(struct arch_vps *a)
{
	free(a->regions);
	free(a->leaf_gen);
	a->regions = NULL;
	a->leaf_gen = NULL;
	a->nregions = a->capregions = a->nleaf_gen = 0;
}
