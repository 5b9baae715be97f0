/*
 * Unit test of common/sl_table.c's 2 MiB leaves and their split, on the host
 * with the real NPT entry format (svm/npt.c): CTest x86.sl_table.  The pool
 * is a static array (page_alloc can be made to fail), the IOMMU hooks
 * record the root's mirror (a 2 MiB map there, split with this map's).  Checks: a split keeps every page's translation
 * and attributes (PAT moved back to bit 7); a map or unmap of the first,
 * last or a middle page of a 2 MiB leaf changes that page only; a split
 * without table memory fails with the map unchanged; an unmap that frees a
 * split table's last page frees the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include <x86/iommu.h>
#include <x86/pages.h>
#include <x86/sl_table.h>

#include "x86_pool.h"

/* ---- stubs: the VM, the IOMMU, the log (the pool: x86_pool.h) ---- */
static unsigned iommu_maps, iommu_maps_2m, iommu_splits, iommu_unmaps;

int x86_pages_alloc(uint64_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!(pa[i] = page_alloc()))
			return -1;
	return 0;
}

static struct arch_vm *the_arch;
static uint16_t the_id;
uint16_t vm_id(const struct hv_vm *vm) { (void)vm; return the_id; }
struct arch_vm *vm_arch(const struct hv_vm *vm) { (void)vm; return the_arch; }
void vm_set_arch(struct hv_vm *vm, struct arch_vm *a) { (void)vm; the_arch = a; }

int iommu_root_map(uint64_t gpa, uint64_t spa, uint64_t flags)
{
	(void)gpa, (void)spa, (void)flags;
	iommu_maps++;
	return 0;
}
int iommu_root_map_2m(uint64_t gpa, uint64_t spa, uint64_t flags)
{
	(void)gpa, (void)spa, (void)flags;
	iommu_maps_2m++;
	return 0;
}
int iommu_root_split(uint64_t gpa) { (void)gpa; iommu_splits++; return 0; }
void iommu_root_unmap(uint64_t gpa) { (void)gpa; iommu_unmaps++; }
void iommu_root_flush(void) {}

bool svm_has_nxe = true;
void hv_log(const char *fmt, ...) { (void)fmt; }
void hv_panic(const char *fmt, ...)
{
	printf("panic: %s\n", fmt);
	exit(2);
}

int svm_vm_init(struct hv_vm *vm);

/* ---- the walk the processor does: the leaf entry and its size ---- */
static uint64_t *leaf_of(uint64_t gpa, int *level)
{
	const struct sl_table *st = (const struct sl_table *)(void *)the_arch;
	uint64_t *t = page_hva(st->root);
	for (int l = 3; l >= 0; l--) {
		uint64_t *e = &t[(gpa >> (12 + 9 * l)) & 511];
		if (!(*e & st->fmt->present))
			return NULL;
		if (l == 0 || (l < 3 && (*e & st->fmt->large))) {
			*level = l;
			return e;
		}
		t = page_hva(*e & st->fmt->addr);
	}
	return NULL;
}

/* The 4 KiB translation of gpa: the spa, with the attribute bits of a 4 KiB
 * entry (a 2 MiB leaf's converted: PS dropped, PAT 12 -> 7); 0 if none. */
static uint64_t xlate(uint64_t gpa)
{
	int level;
	uint64_t *e = leaf_of(gpa, &level);
	if (!e)
		return 0;
	if (level == 0)
		return *e;
	uint64_t a = *e & ~0x000FFFFFFFE00000ull & ~(1ull << 7) & ~(1ull << 12);
	if (*e & (1ull << 12))
		a |= 1ull << 7;
	return (*e & 0x000FFFFFFFE00000ull) + (gpa & 0x1FF000) + a;
}

#define GPA 0x40000000ull  /* 1 GiB */
#define SPA 0x7FC00000ull
#define RWX (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)
#define WC (RWX | MV_GPA_FLAG_WRITE_COMBINING) /* PAT bit set */

static uint64_t before[512];

static void snapshot(void)
{
	for (unsigned i = 0; i < 512; i++)
		before[i] = xlate(GPA + i * 4096ull);
}

/* Every page of the 2 MiB but `skip` translates as before. */
static void expect_unchanged(unsigned skip)
{
	for (unsigned i = 0; i < 512; i++)
		if (i != skip)
			EXPECT(xlate(GPA + i * 4096ull) == before[i]);
}

static void setup(uint64_t flags)
{
	memset(used, 0, sizeof(used));
	the_arch = NULL;
	the_id = 0;
	EXPECT(svm_vm_init(NULL) == 0);
	EXPECT(arch_slpt_map_2m(NULL, GPA, SPA, flags) == 0);
	int level = -1;
	EXPECT(leaf_of(GPA, &level) && level == 1);
	snapshot();
}

int main(void)
{
	static const unsigned pages[] = { 0, 511, 200 }; /* first, last, middle */

	/* The root's RAM in 2 MiB is mirrored to the IOMMU as one 2 MiB map,
	 * and split there too; device memory (uncacheable) is not mirrored. */
	iommu_maps = iommu_maps_2m = iommu_splits = 0;
	setup(RWX | MV_GPA_FLAG_WRITE_BACK);
	EXPECT(iommu_maps == 0 && iommu_maps_2m == 1);
	EXPECT(arch_slpt_split(NULL, GPA + 4096) == 0 && iommu_splits == 1);
	iommu_maps_2m = 0;
	setup(RWX | MV_GPA_FLAG_UNCACHEABLE);
	EXPECT(iommu_maps == 0 && iommu_maps_2m == 0);

	for (int f = 0; f < 2; f++) {
		uint64_t flags = f ? WC : RWX | MV_GPA_FLAG_WRITE_BACK;
		for (unsigned k = 0; k < 3; k++) {
			unsigned p = pages[k];
			uint64_t gpa = GPA + p * 4096ull;
			int level = -1;

			/* A split alone changes no translation. */
			setup(flags);
			unsigned u = pool_used();
			fail_alloc = 1;
			EXPECT(arch_slpt_split(NULL, gpa) == -1);
			EXPECT(leaf_of(gpa, &level) && level == 1 && pool_used() == u);
			fail_alloc = 0;
			EXPECT(arch_slpt_split(NULL, gpa) == 0);
			EXPECT(leaf_of(gpa, &level) && level == 0 && pool_used() == u + 1);
			expect_unchanged(512);
			EXPECT(arch_slpt_split(NULL, gpa) == 0 && pool_used() == u + 1);

			/* Unmapping one page splits, and changes that page only. */
			setup(flags);
			arch_slpt_unmap(NULL, gpa);
			EXPECT(xlate(gpa) == 0);
			expect_unchanged(p);

			/* Mapping one page elsewhere: the others stay; without
			 * table memory nothing changes at all. */
			setup(flags);
			u = pool_used();
			fail_alloc = 1;
			EXPECT(arch_slpt_map(NULL, gpa, 0x1234000, MV_GPA_FLAG_READ_ACCESS) == -1);
			fail_alloc = 0;
			EXPECT(leaf_of(gpa, &level) && level == 1 && pool_used() == u);
			expect_unchanged(512);
			EXPECT(arch_slpt_map(NULL, gpa, 0x1234000, MV_GPA_FLAG_READ_ACCESS) == 0);
			EXPECT((xlate(gpa) & 0x000FFFFFFFFFF000ull) == 0x1234000);
			EXPECT(!(xlate(gpa) & 2)); /* read-only */
			expect_unchanged(p);
		}
		/* Unmapping every page of a split leaf frees its table. */
		setup(flags);
		unsigned u = pool_used();
		for (unsigned i = 0; i < 512; i++)
			arch_slpt_unmap(NULL, GPA + i * 4096ull);
		EXPECT(pool_used() < u);
		for (unsigned i = 0; i < 512; i++)
			EXPECT(xlate(GPA + i * 4096ull) == 0);
	}
	/* The 4 KiB form of the WC leaf has the PAT bit at 7, not 12 (an
	 * even page: address bit 12 clear). */
	setup(WC);
	EXPECT(arch_slpt_split(NULL, GPA) == 0);
	int level;
	uint64_t *e = leaf_of(GPA + 8192, &level);
	EXPECT(e && level == 0 && (*e & (1ull << 7)) && !(*e & (1ull << 12)) &&
	       (*e & 0x000FFFFFFFFFF000ull) == SPA + 8192);

	printf("%s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
