/*
 * The 4-level second-level tables of both backends (x86/sl_table.h): the
 * walk, allocation and freeing, the flush generation, and the arch.h entry
 * points that only differ in the entry format: arch_vm_fini,
 * arch_slpt_map/unmap/flush.  Level 3 is the root (PML4), level 0 the
 * 4 KiB leaves.  arch_vm_init is the backend's (svm/npt.c, vmx/ept.c).
 */
#include <hv/arch/core.h>
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>

#include <x86/iommu.h>
#include <x86/pages.h>
#include <x86/sl_table.h>

static uint64_t *table(uint64_t pa)
{
	return page_hva(pa);
}

static unsigned idx(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

/* Both backends' struct arch_vm start with their struct sl_table. */
static struct sl_table *vm_tables(struct hv_vm *vm)
{
	return (struct sl_table *)(void *)vm_arch(vm);
}

struct sl_table *sl_table_create(const struct sl_table_fmt *fmt)
{
	uint64_t pages[2]; /* the backend's struct arch_vm, the root table */

	if (x86_pages_alloc(pages, 2))
		return NULL;
	struct sl_table *t = page_hva(pages[0]);
	t->fmt = fmt;
	t->self = pages[0];
	t->root = pages[1];
	t->gen = 1;
	return t;
}

bool sl_table_flush_due(struct sl_table *t, uint16_t pp)
{
	uint32_t gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);

	if (t->flushed_gen[pp] == gen)
		return false;
	t->flushed_gen[pp] = gen;
	return true;
}

static void free_tables(const struct sl_table_fmt *fmt, uint64_t pa, int level)
{
	uint64_t *t = table(pa);

	if (level > 0)
		for (unsigned i = 0; i < 512; i++)
			if ((t[i] & fmt->present) && !(level < 3 && (t[i] & fmt->large)))
				free_tables(fmt, t[i] & fmt->addr, level - 1);
	page_free(pa);
}

void arch_vm_fini(struct hv_vm *vm)
{
	struct sl_table *t = vm_tables(vm);

	if (!t)
		return;
	free_tables(t->fmt, t->root, 3);
	page_free(t->self);
	vm_set_arch(vm, NULL);
}

/*
 * Replace the 2 MiB leaf *pde by a table of 512 4 KiB leaves with the same
 * translation and attributes.  No flush is due for the split itself: after
 * a page-size change the TLB may hold a translation of either size and use
 * either (SDM vol. 3 4.10.1.3), and both are the same here; the change
 * that follows it flushes the large one with the rest (arch_slpt_flush:
 * SVM's flush-all TLB control, INVEPT).  0, or -1 with *pde unchanged
 * when the pool is exhausted.
 */
static int split_2m(struct sl_table *st, uint64_t *pde)
{
	const struct sl_table_fmt *fmt = st->fmt;
	uint64_t pa = page_alloc();

	if (!pa)
		return -1;
	uint64_t *t = table(pa);
	for (unsigned i = 0; i < 512; i++)
		t[i] = fmt->leaf_from_2m(*pde, (uint64_t)i * HV_PAGE_SIZE);
	/* One 64-bit store: a walk on another PP sees the leaf or the table. */
	__atomic_store_n(pde, pa | fmt->table_flags, __ATOMIC_RELEASE);
	return 0;
}

/* The table of level `stop` that holds gpa's entry, allocating the tables
 * on the way and splitting a 2 MiB leaf in the way when stop is 0; NULL
 * when the pool is exhausted (nothing split then) or a 2 MiB leaf is in the
 * way of a 2 MiB mapping. */
static uint64_t *walk_alloc(struct sl_table *st, uint64_t gpa, int stop)
{
	const struct sl_table_fmt *fmt = st->fmt;
	uint64_t *t = table(st->root);

	for (int level = 3; level > stop; level--) {
		uint64_t *e = &t[idx(gpa, level)];
		if (!(*e & fmt->present)) {
			uint64_t pa = page_alloc();
			if (!pa)
				return NULL;
			*e = pa | fmt->table_flags;
		} else if (level < 3 && (*e & fmt->large)) {
			if (level != 1 || stop != 0 || split_2m(st, e))
				return NULL;
		}
		t = table(*e & fmt->addr);
	}
	return t;
}

int arch_slpt_split(struct hv_vm *vm, uint64_t gpa)
{
	struct sl_table *st = vm_tables(vm);
	const struct sl_table_fmt *fmt = st->fmt;
	uint64_t *t = table(st->root);

	/* The root's DMA domain has its 2 MiB leaves where this map has them. */
	if (vm_id(vm) == 0 && iommu_root_split(gpa))
		return -1;

	for (int level = 3; level > 1; level--) {
		uint64_t e = t[idx(gpa, level)];
		if (!(e & fmt->present) || (level < 3 && (e & fmt->large)))
			return 0; /* nothing there, or a 1 GiB leaf (never made) */
		t = table(e & fmt->addr);
	}
	uint64_t *pde = &t[idx(gpa, 1)];
	return (*pde & fmt->present) && (*pde & fmt->large) ? split_2m(st, pde) : 0;
}

/* Stores `leaf` (0: not present) as gpa's 4 KiB entry, allocating the
 * tables on the way and splitting a 2 MiB leaf around it.  Returns 0, or -1
 * when the pool is exhausted (the map then unchanged). */
int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct sl_table *st = vm_tables(vm);
	uint64_t leaf = (flags & MV_GPA_FLAG_ACCESS_MASK) ? st->fmt->leaf(spa, flags) : 0;
	uint64_t *t = walk_alloc(st, gpa, 0);

	if (!t)
		return -1;
	t[idx(gpa, 0)] = leaf;
	/* The root's devices see what the root sees (x86/iommu.h). */
	return vm_id(vm) == 0 ? iommu_root_map(gpa, spa, flags) : 0;
}

int arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct sl_table *st = vm_tables(vm);
	const struct sl_table_fmt *fmt = st->fmt;

	if (((gpa | spa) & (HV_SLPT_2M - 1)) || !(flags & MV_GPA_FLAG_ACCESS_MASK))
		return -1;
	if (!fmt->leaf_2m) { /* no 2 MiB leaves: 512 pages */
		for (uint64_t off = 0; off < HV_SLPT_2M; off += HV_PAGE_SIZE)
			if (arch_slpt_map(vm, gpa + off, spa + off, flags))
				return -1;
		return 0;
	}
	uint64_t *t = walk_alloc(st, gpa, 1);
	if (!t || (t[idx(gpa, 1)] & fmt->present))
		return -1; /* no memory, or some of it is mapped already */
	/* The root's devices see its RAM as the root does (x86/iommu.h), in a
	 * 2 MiB leaf there too; device memory (uncacheable) is not a DMA target. */
	if (vm_id(vm) == 0 && !(flags & (MV_GPA_FLAG_UNCACHEABLE | MV_GPA_FLAG_UNCACHEABLE_MINUS)) &&
	    iommu_root_map_2m(gpa, spa, flags))
		return -1;
	t[idx(gpa, 1)] = fmt->leaf_2m(spa, flags);
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

/* Clears gpa's entry (nothing when its tables are absent) and frees the
 * tables that leaves empty. */
void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	struct sl_table *st = vm_tables(vm);
	const struct sl_table_fmt *fmt = st->fmt;
	uint64_t *path[4];

	if (vm_id(vm) == 0)
		iommu_root_unmap(gpa);

	path[3] = table(st->root);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &path[level][idx(gpa, level)];
		if (!(*e & fmt->present))
			return; /* not mapped */
		/* Inside a 2 MiB leaf: the core split it first (arch_slpt_split,
		 * the only step that can fail); a page left mapped is never an
		 * option. */
		if (level == 1 && (*e & fmt->large) && split_2m(st, e))
			hv_panic("sl_table: unmap of gpa 0x%llx in an unsplit 2 MiB leaf, no memory",
				 (unsigned long long)gpa);
		if (level == 2 && (*e & fmt->large))
			return; /* 1 GiB leaves are never made */
		path[level - 1] = table(*e & fmt->addr);
	}
	path[0][idx(gpa, 0)] = 0;
	/* Free the tables this left empty (never the root). */
	for (int level = 0; level < 3; level++) {
		if (!table_empty(path[level]))
			break;
		uint64_t *parent = &path[level + 1][idx(gpa, level + 1)];
		uint64_t pa = *parent & fmt->addr;
		*parent = 0;
		page_free(pa);
	}
}

/* The next entry of each PP flushes (sl_table_flush_due); a PP that runs a
 * VPS of the VM now is kicked out and waited for by the core's shootdown
 * (hv/core/occupancy.c, boot/kick.c). */
void arch_slpt_flush(struct hv_vm *vm)
{
	__atomic_add_fetch(&vm_tables(vm)->gen, 1, __ATOMIC_RELEASE);
	if (vm_id(vm) == 0)
		iommu_root_flush();
}
