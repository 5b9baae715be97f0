/*
 * The invariants the fuzz driver checks after every step (fuzz_driver.h):
 *  - the shadow of the second-level tables (fake_slpt.c) agrees with the
 *    core's entries: a present page is mapped at its SPA with its flags,
 *    anything else is not mapped, and each VM's mapped count is the core's
 *    page count;
 *  - the root's boot device memory (which the core maps identity and never
 *    tracks) stays mapped to itself, untouched by map_mdl and unmap_mdl;
 *  - no VM maps a page of the hypervisor's own memory;
 *  - every shared-in page's source is an owned page at the same SPA, and
 *    each owned page's share count, and each VM's shares_out, equal the
 *    borrowing mappings;
 *  - pool pages are conserved: free + tree nodes + XVIO queues == total.
 */
#include <stdarg.h>
#include <stdlib.h>

#include <hv/mm.h>
#include <hv/page.h>
#include <hv/vm.h>
#include <hv/xvio.h>

#include "fake_arch.h"
#include "fuzz_driver.h"
#include "mm_int.h"

#define ROOT_DEVICE_FLAGS \
	(MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS | \
	 MV_GPA_FLAG_UNCACHEABLE)

typedef void (*fail_fn)(const char *fmt, ...);

static unsigned violations;
static fail_fn report;

#define VIOLATION(...)                                                                     \
	do {                                                                               \
		violations++;                                                              \
		report(__VA_ARGS__);                                                       \
	} while (0)

static bool root_device_gpa(uint16_t vmid, uint64_t gpa)
{
	for (uint32_t i = 0; vmid == 0 && i < fake_boot_num_mmio; i++)
		if (gpa >= fake_boot_mmio[i].spa && gpa - fake_boot_mmio[i].spa < fake_boot_mmio[i].len)
			return true;
	return false;
}

/* One GPA of one VM: the shadow against the core. */
static void check_gpa(uint16_t vmid, uint64_t gfn)
{
	struct hv_vm *vm = vm_get(vmid);
	uint64_t spa = 0, flags = 0, gpa = gfn << 12;
	bool mapped = fake_slpt_get(vmid, gpa, &spa, &flags);

	if (mapped && spa >= FUZZ_HV_BASE && spa < FAKE_MEM_SIZE)
		VIOLATION("vm %u maps hypervisor page 0x%llx at gpa 0x%llx", vmid,
			  (unsigned long long)spa, (unsigned long long)gpa);
	if (!vm) {
		if (mapped)
			VIOLATION("gpa 0x%llx mapped in vm %u, which does not exist",
				  (unsigned long long)gpa, vmid);
		return;
	}
	struct mm_ent e = gfn < MM_GFN_LIMIT ? mm_get(vm, gfn) : (struct mm_ent){ 0 };
	if (root_device_gpa(vmid, gpa)) {
		/* the root's device memory stays its own, whatever it asks */
		if (!mapped || spa != gpa || flags != ROOT_DEVICE_FLAGS || e.kind != MM_NONE)
			VIOLATION("root device page 0x%llx changed: %s spa 0x%llx flags 0x%llx, core "
				  "kind %u", (unsigned long long)gpa, mapped ? "mapped at" : "unmapped",
				  (unsigned long long)spa, (unsigned long long)flags, e.kind);
	} else if (mm_present(e.kind)) {
		if (!mapped || spa != e.spa || flags != e.flags)
			VIOLATION("vm %u gpa 0x%llx: the core has spa 0x%llx flags 0x%llx, the tables "
				  "%s spa 0x%llx flags 0x%llx",
				  vmid, (unsigned long long)gpa, (unsigned long long)e.spa,
				  (unsigned long long)e.flags, mapped ? "have" : "lack",
				  (unsigned long long)spa, (unsigned long long)flags);
	} else if (mapped) {
		VIOLATION("vm %u gpa 0x%llx is mapped (spa 0x%llx) but the core has no page there",
			  vmid, (unsigned long long)gpa, (unsigned long long)spa);
	}
}

static void check_mapping(uint16_t vmid, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	(void)spa, (void)flags;
	check_gpa(vmid, gpa >> 12);
}

struct borrow {
	uint16_t vmid;
	uint64_t gfn;
};

static int borrow_cmp(const void *a, const void *b)
{
	const struct borrow *x = a, *y = b;
	if (x->vmid != y->vmid)
		return x->vmid < y->vmid ? -1 : 1;
	return x->gfn < y->gfn ? -1 : x->gfn > y->gfn;
}

static struct borrow *borrows;
static size_t nborrows, cap;

/* Borrowers of (vmid, gfn) in the sorted list. */
static uint64_t borrowers(uint16_t vmid, uint64_t gfn)
{
	struct borrow key = { vmid, gfn }, *b;
	uint64_t n = 0;
	if (!nborrows || !(b = bsearch(&key, borrows, nborrows, sizeof(*b), borrow_cmp)))
		return 0;
	while (b > borrows && !borrow_cmp(b - 1, &key))
		b--;
	for (; b < borrows + nborrows && !borrow_cmp(b, &key); b++)
		n++;
	return n;
}

static void check_shares_and_pool(void)
{
	uint64_t tree_pages = 0, pages[HV_MAX_VMS] = { 0 };

	nborrows = 0;
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		if (!vm)
			continue;
		tree_pages += mm_tree_pages(&mm_vm_of(vm)->tree);
		for (uint64_t gfn = 0; mm_tree_next(&mm_vm_of(vm)->tree, gfn, &gfn); gfn++) {
			struct mm_ent e = mm_get(vm, gfn);
			if (e.kind != MM_SHARED)
				continue;
			struct hv_vm *src = vm_get(e.src_vmid);
			struct mm_ent s = src ? mm_get(src, e.src_gfn) : (struct mm_ent){ 0 };
			if (!mm_owned(s.kind) || s.spa != e.spa)
				VIOLATION("vm %u gpa 0x%llx borrows vm %u gfn 0x%llx, not an owned page "
					  "at spa 0x%llx", id, (unsigned long long)(gfn << 12), e.src_vmid,
					  (unsigned long long)e.src_gfn, (unsigned long long)e.spa);
			if (nborrows == cap) {
				cap = cap ? 2 * cap : 1024;
				borrows = realloc(borrows, cap * sizeof(*borrows));
			}
			borrows[nborrows++] = (struct borrow){ e.src_vmid, e.src_gfn };
			if (e.src_vmid < HV_MAX_VMS)
				pages[e.src_vmid]++;
		}
	}
	if (nborrows)
		qsort(borrows, nborrows, sizeof(*borrows), borrow_cmp);
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		if (!vm)
			continue;
		if (mm_vm_of(vm)->shares_out != pages[id])
			VIOLATION("vm %u: shares_out %llu, %llu borrowing mappings", id,
				  (unsigned long long)mm_vm_of(vm)->shares_out,
				  (unsigned long long)pages[id]);
		for (uint64_t gfn = 0; mm_tree_next(&mm_vm_of(vm)->tree, gfn, &gfn); gfn++) {
			struct mm_ent e = mm_get(vm, gfn);
			uint64_t n = mm_owned(e.kind) ? borrowers(id, gfn) : 0;
			if (mm_owned(e.kind) && e.shares != n)
				VIOLATION("vm %u gfn 0x%llx: share count %u, %llu borrowers", id,
					  (unsigned long long)gfn, e.shares, (unsigned long long)n);
		}
	}
	if (page_free_count() + tree_pages + xvio_queue_pages() != page_total_count())
		VIOLATION("pool: %llu free + %llu tree nodes + %u queue pages != %llu in all",
			  (unsigned long long)page_free_count(), (unsigned long long)tree_pages,
			  xvio_queue_pages(), (unsigned long long)page_total_count());
}

unsigned fuzz_check_invariants(bool full, fail_fn fail)
{
	static struct fake_slpt_ref dirty[FAKE_SLPT_DIRTY_MAX];
	bool lost;
	unsigned n = fake_slpt_take_dirty(dirty, &lost);

	violations = 0;
	report = fail;
	if (full || lost)
		fake_slpt_each(check_mapping);
	else
		for (unsigned i = 0; i < n; i++)
			check_gpa(dirty[i].vmid, dirty[i].gfn);
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		uint64_t want = vm ? mm_page_count(vm) + (id == 0 ? fake_boot_mmio_pages() : 0) : 0;
		if (fake_slpt_pages[id] != want)
			VIOLATION("vm %u: %llu GPAs mapped in its tables, the core counts %llu", id,
				  (unsigned long long)fake_slpt_pages[id], (unsigned long long)want);
	}
	/* shares and tree nodes change only with a mapping or a pool page */
	static uint64_t last_free = ~0ull;
	if (full || lost || n || page_free_count() != last_free)
		check_shares_and_pool();
	last_free = page_free_count();
	return violations;
}
