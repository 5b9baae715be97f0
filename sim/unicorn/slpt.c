/*
 * Second-level mappings.  Each VM keeps its own table (gfn -> spa + flags),
 * sorted by gfn.  Before a VPS runs, slpt_sync() rebuilds the engine's memory
 * map from it when the VM's generation changed, coalescing contiguous runs
 * (consecutive gfn and spa, equal permissions) into one uc_mem_map_ptr region:
 * one region per 4 KiB page would make Unicorn crawl.
 *
 * Unicorn takes guest-virtual addresses to be physical (guests identity-map),
 * so a region's address is the GPA.
 */
#include <stdlib.h>
#include <string.h>

#include <microv/mv_abi.h>

#include "ucsim.h"

#define PERM_FLAGS (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)

int arch_vm_init(struct hv_vm *vm)
{
	struct arch_vm *v = calloc(1, sizeof(*v));
	if (!v)
		return -1;
	pthread_mutex_init(&v->lock, NULL);
	atomic_init(&v->gen, 1);
	vm_set_arch(vm, v);
	return 0;
}

void arch_vm_fini(struct hv_vm *vm)
{
	struct arch_vm *v = vm_arch(vm);
	if (!v)
		return;
	free(v->e);
	pthread_mutex_destroy(&v->lock);
	free(v);
	vm_set_arch(vm, NULL);
}

/* Index of the first entry with gfn >= `gfn`. */
static size_t find(const struct arch_vm *v, uint64_t gfn)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->e[mid].gfn < gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gfn = gpa >> 12;

	if ((gpa | spa) & 0xFFF || spa >= g_mem_size || gpa >= (1ull << 48))
		return -1;
	pthread_mutex_lock(&v->lock);
	size_t i = find(v, gfn);
	if (i < v->n && v->e[i].gfn == gfn) {
		v->e[i].spa = spa;
		v->e[i].flags = flags;
	} else {
		if (v->n == v->cap) {
			size_t cap = v->cap ? v->cap * 2 : 1024;
			struct slpt_entry *e = realloc(v->e, cap * sizeof(*e));
			if (!e) {
				pthread_mutex_unlock(&v->lock);
				return -1;
			}
			v->e = e;
			v->cap = cap;
		}
		memmove(&v->e[i + 1], &v->e[i], (v->n - i) * sizeof(*v->e));
		v->e[i] = (struct slpt_entry){ gfn, spa, flags };
		v->n++;
	}
	atomic_fetch_add(&v->gen, 1);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* No large leaves here: 512 pages (mvsim gives the root no device memory). */
int arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	if ((gpa | spa) & (HV_SLPT_2M - 1))
		return -1;
	for (uint64_t off = 0; off < HV_SLPT_2M; off += 0x1000)
		if (arch_slpt_map(vm, gpa + off, spa + off, flags))
			return -1;
	return 0;
}

void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gfn = gpa >> 12;

	pthread_mutex_lock(&v->lock);
	size_t i = find(v, gfn);
	if (i < v->n && v->e[i].gfn == gfn) {
		memmove(&v->e[i], &v->e[i + 1], (v->n - i - 1) * sizeof(*v->e));
		v->n--;
		atomic_fetch_add(&v->gen, 1);
	}
	pthread_mutex_unlock(&v->lock);
}

void arch_slpt_flush(struct hv_vm *vm)
{
	/* Engines resync lazily when they see a new generation, at their next
	 * entry; an engine running now is kicked out by the core's shootdown
	 * (hv/core/occupancy.c, kick.c), which waits for it. */
	atomic_fetch_add(&vm_arch(vm)->gen, 1);
}

bool slpt_lookup(struct hv_vm *vm, uint64_t gpa, uint64_t *flags)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gfn = gpa >> 12;
	bool found = false;

	pthread_mutex_lock(&v->lock);
	size_t i = find(v, gfn);
	if (i < v->n && v->e[i].gfn == gfn) {
		found = true;
		*flags = v->e[i].flags;
	}
	pthread_mutex_unlock(&v->lock);
	return found;
}

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

static int add_region(struct arch_vps *a, uint64_t gpa, uint64_t len, uint64_t spa, uint64_t flags)
{
	if (a->nregions == a->capregions) {
		size_t cap = a->capregions ? a->capregions * 2 : 64;
		struct slpt_region *r = realloc(a->regions, cap * sizeof(*r));
		if (!r)
			return -1;
		a->regions = r;
		a->capregions = cap;
	}
	uc_err err = uc_mem_map_ptr(a->uc, gpa, len, perm_to_uc(flags), g_mem + spa);
	if (err) {
		fprintf(stderr, "mvsim: cannot map gpa 0x%llx+0x%llx: %s\n", (unsigned long long)gpa,
			(unsigned long long)len, uc_strerror(err));
		return -1;
	}
	a->regions[a->nregions++] = (struct slpt_region){ gpa, len, spa, perm_to_uc(flags) };
	return 0;
}

int slpt_sync(struct arch_vps *a, struct hv_vm *vm)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gen = atomic_load(&v->gen);
	int rc = 0;

	if (a->synced_once && gen == a->synced_gen)
		return 0;
	struct slpt_region *old = a->regions;
	size_t nold = a->nregions;
	for (size_t i = 0; i < nold; i++)
		uc_mem_unmap(a->uc, old[i].gpa, old[i].len);
	a->regions = NULL;
	a->nregions = a->capregions = 0;

	pthread_mutex_lock(&v->lock);
	gen = atomic_load(&v->gen);
	size_t i = 0;
	while (i < v->n && rc == 0) {
		const struct slpt_entry *s = &v->e[i];
		uint64_t perm = s->flags & PERM_FLAGS;
		size_t j = i + 1;
		while (j < v->n && v->e[j].gfn == s->gfn + (j - i) &&
		       v->e[j].spa == s->spa + ((j - i) << 12) && (v->e[j].flags & PERM_FLAGS) == perm &&
		       v->e[j].spa + 0x1000 <= g_mem_size)
			j++;
		rc = add_region(a, s->gfn << 12, (uint64_t)(j - i) << 12, s->spa, perm);
		i = j;
	}
	pthread_mutex_unlock(&v->lock);
	/*
	 * Drop code translated from regions that changed.  Not uc_ctl_flush_tlb:
	 * measured, in 2.0.1 it is a full tb_flush that memsets the whole TCG
	 * region (~50 ms each).
	 */
	for (size_t i = 0; i < nold; i++) {
		bool same = false;
		for (size_t j = 0; j < a->nregions && !same; j++)
			same = !memcmp(&old[i], &a->regions[j], sizeof(old[i]));
		if (!same)
			uc_ctl_remove_cache(a->uc, old[i].gpa, old[i].gpa + old[i].len);
	}
	free(old);
	a->synced_gen = gen;
	a->synced_once = true;
	return rc;
}
