/*
 * Second-level mappings: each VM's table gfn -> spa + flags, and the
 * arch_vm_* / arch_slpt_* half of hv/arch.h on it.  slpt_sync.c brings an
 * engine's memory map up to date with the table.
 *
 * The table is a radix tree over the 36-bit gfn: three levels of 512
 * pointers indexed by the chunk (gfn >> 9), then a leaf of 512 pages (one
 * 2 MiB chunk of GPA space).  A map or unmap is O(1): it writes one leaf
 * entry and stamps the leaf with the VM's new generation, so that a sync
 * rebuilds only the chunks that changed since it last ran.  Leaves are kept
 * until the VM is torn down (arch_vm_fini frees the tree in O(size)); each
 * has a fixed slot, its index in the VM's creation-ordered leaf list, where
 * every engine keeps the generation it synced that chunk at.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <microv/mv_abi.h>

#include "ucsim.h"

#define DIR_BITS 9
#define DIR_SIZE (1u << DIR_BITS)
#define DIR_LEVELS 3 /* 3 x 9 bits of chunk index + 9 bits in a leaf = 36-bit gfn */

struct slpt_dir {
	void *slot[DIR_SIZE];
};

int arch_vm_init(struct hv_vm *vm)
{
	struct arch_vm *v = calloc(1, sizeof(*v));
	if (!v)
		return -1;
	if (poolpages_take(v->pool, POOLPAGES_VM)) {
		free(v);
		return -1;
	}
	pthread_mutex_init(&v->lock, NULL);
	atomic_init(&v->gen, 1);
	vm_set_arch(vm, v);
	return 0;
}

static void free_dir(struct slpt_dir *d, unsigned level)
{
	if (!d)
		return;
	if (level + 1 < DIR_LEVELS)
		for (unsigned i = 0; i < DIR_SIZE; i++)
			free_dir(d->slot[i], level + 1);
	free(d);
}

void arch_vm_fini(struct hv_vm *vm)
{
	struct arch_vm *v = vm_arch(vm);
	if (!v)
		return;
	free_dir(v->root, 0);
	for (size_t i = 0; i < v->nleaves; i++)
		free(v->leaves[i]);
	free(v->leaves);
	poolpages_give(v->pool, POOLPAGES_VM);
	pthread_mutex_destroy(&v->lock);
	free(v);
	vm_set_arch(vm, NULL);
}

/* The leaf of chunk `chunk`, or NULL; with `create`, allocated on demand
 * (NULL only when out of memory).  Caller holds v->lock. */
static struct slpt_leaf *leaf_of(struct arch_vm *v, uint64_t chunk, bool create)
{
	/* The core maps and unmaps runs of pages: the last leaf first. */
	if (v->last && v->last->chunk == chunk)
		return v->last;
	void **slot = &v->root;
	for (unsigned level = 0; level < DIR_LEVELS; level++) {
		if (!*slot) {
			if (!create || !(*slot = calloc(1, sizeof(struct slpt_dir))))
				return NULL;
		}
		unsigned shift = DIR_BITS * (DIR_LEVELS - 1 - level);
		slot = &((struct slpt_dir *)*slot)->slot[(chunk >> shift) & (DIR_SIZE - 1)];
	}
	if (*slot || !create)
		return *slot ? (v->last = *slot) : NULL;
	if (v->nleaves == v->capleaves) {
		size_t cap = v->capleaves ? v->capleaves * 2 : 16;
		struct slpt_leaf **l = realloc(v->leaves, cap * sizeof(*l));
		if (!l)
			return NULL;
		v->leaves = l;
		v->capleaves = cap;
	}
	/* flags[i] is read only while spa[i] is set, so only the header and
	 * spa[] are cleared: half the leaf's bytes, which the kernel need not
	 * fault in until written (the mdl probe's VMs make 4,000 leaves). */
	struct slpt_leaf *leaf = malloc(sizeof(*leaf));
	if (!leaf)
		return NULL;
	memset(leaf, 0, offsetof(struct slpt_leaf, flags));
	leaf->chunk = chunk;
	leaf->slot = v->nleaves;
	v->leaves[v->nleaves++] = leaf;
	*slot = leaf;
	return v->last = leaf;
}

struct slpt_leaf *slpt_leaf_of(struct arch_vm *v, uint64_t chunk)
{
	return leaf_of(v, chunk, false);
}

/* Record a change to `leaf`: a new VM generation, stamped on the leaf. */
static void changed(struct arch_vm *v, struct slpt_leaf *leaf)
{
	leaf->gen = atomic_fetch_add(&v->gen, 1) + 1;
}

int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gfn = gpa >> 12;

	/* Beyond system memory only the local APIC page, never writable: the
	 * root's reads reach the device, its stores trap (lapic_mmio.c). */
	bool dev = spa == SIM_LAPIC_BASE && !(flags & MV_GPA_FLAG_WRITE_ACCESS);
	if ((gpa | spa) & 0xFFF || (spa >= g_mem_size && !dev) || gpa >= (1ull << 48))
		return -1;
	pthread_mutex_lock(&v->lock);
	struct slpt_leaf *leaf = leaf_of(v, gfn >> SLPT_LEAF_BITS, true);
	if (!leaf) {
		pthread_mutex_unlock(&v->lock);
		return -1;
	}
	unsigned i = gfn & (SLPT_LEAF_PAGES - 1);
	leaf->spa[i] = spa | SLPT_PRESENT;
	leaf->flags[i] = flags;
	changed(v, leaf);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* No large leaves here: 2 MiB is exactly one leaf of 512 pages, filled at
 * once (one lookup, one generation), where none of them is mapped yet. */
_Static_assert(SLPT_LEAF_PAGES * 0x1000ull == HV_SLPT_2M, "a leaf is 2 MiB");
int arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct arch_vm *v = vm_arch(vm);
	int rc = -1;

	if ((gpa | spa) & (HV_SLPT_2M - 1) || spa + HV_SLPT_2M > g_mem_size ||
	    gpa >= (1ull << 48))
		return -1;
	pthread_mutex_lock(&v->lock);
	struct slpt_leaf *leaf = leaf_of(v, gpa >> 12 >> SLPT_LEAF_BITS, true);
	if (leaf) {
		rc = 0;
		for (unsigned i = 0; i < SLPT_LEAF_PAGES && !rc; i++)
			rc = leaf->spa[i] ? -1 : 0; /* some of it is mapped already */
		for (unsigned i = 0; i < SLPT_LEAF_PAGES && !rc; i++) {
			leaf->spa[i] = (spa + i * 0x1000ull) | SLPT_PRESENT;
			leaf->flags[i] = flags;
		}
		if (!rc)
			changed(v, leaf);
	}
	pthread_mutex_unlock(&v->lock);
	return rc;
}

/* Pages only here (a 2 MiB mapping is 512 of them): nothing to split. */
int arch_slpt_split(struct hv_vm *vm, uint64_t gpa)
{
	(void)vm, (void)gpa;
	return 0;
}

void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	struct arch_vm *v = vm_arch(vm);
	uint64_t gfn = gpa >> 12;

	if (gpa >= (1ull << 48))
		return;
	pthread_mutex_lock(&v->lock);
	struct slpt_leaf *leaf = leaf_of(v, gfn >> SLPT_LEAF_BITS, false);
	unsigned i = gfn & (SLPT_LEAF_PAGES - 1);
	if (leaf && leaf->spa[i]) {
		leaf->spa[i] = 0;
		leaf->flags[i] = 0;
		changed(v, leaf);
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

	if (gpa >= (1ull << 48))
		return false;
	pthread_mutex_lock(&v->lock);
	struct slpt_leaf *leaf = leaf_of(v, gfn >> SLPT_LEAF_BITS, false);
	unsigned i = gfn & (SLPT_LEAF_PAGES - 1);
	if (leaf && leaf->spa[i]) {
		found = true;
		*flags = leaf->flags[i];
	}
	pthread_mutex_unlock(&v->lock);
	return found;
}
