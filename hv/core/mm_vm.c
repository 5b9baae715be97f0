/*
 * VM lifecycle of guest memory: destroying a VM's memory, returning donated
 * pages, and zombies (spec 6.10.4 "Donate Vs. Shared").
 *
 * Only the root's own pages can be donated, so a donated page always goes
 * back to where the root had it; the root kept that GPA (MM_LENT) so the
 * return never needs memory.  A zombie keeps exactly the pages that are
 * still shared out and is freed when the last of them is unmapped.
 */
#include <microv/mv_abi.h>

#include <hv/log.h>
#include <hv/string.h>
#include <hv/vm.h>

#include "mm_int.h"

static const struct mm_ent mm_none;

void mm_return_donated(struct hv_vm *holder, uint64_t gfn)
{
	struct mm_ent e = mm_get(holder, gfn);
	HV_ASSERT(e.kind == MM_DONATED && e.shares == 0);
	struct hv_vm *src = vm_get(e.src_vmid);
	HV_ASSERT(src != NULL);
	struct mm_ent s = mm_get(src, e.src_gfn);
	HV_ASSERT(s.kind == MM_LENT && s.spa == e.spa);

	hv_memset(&s, 0, sizeof(s));
	s.kind = MM_OWN;
	s.flags = MM_FLAGS_RWX_WB;
	s.spa = e.spa;
	mm_arch_remap(src, e.src_gfn, e.spa, MM_FLAGS_RWX_WB);
	mm_put(src, e.src_gfn, &s);
	mm_arch_unmap(holder, gfn);
	mm_put(holder, gfn, &mm_none);
}

/* The last of a zombie's memory came back: free it for good. */
static void mm_vm_finish(struct hv_vm *vm)
{
	struct mm_vm *m = mm_vm_of(vm);

	HV_ASSERT(!m->tree.top && m->pages == 0 && m->shares_out == 0 && m->shares_strict == 0);
	mm_forget(vm);
	vm_free(vm);
}

void mm_share_dropped(struct hv_vm *src, uint64_t src_gfn, bool strict)
{
	struct mm_vm *m = mm_vm_of(src);
	struct mm_ent e = mm_get(src, src_gfn);

	HV_ASSERT(mm_owned(e.kind) && e.shares > 0 && m->shares_out > 0);
	HV_ASSERT(!strict || m->shares_strict > 0);
	e.shares--;
	m->shares_out--;
	if (strict)
		m->shares_strict--;
	mm_put(src, src_gfn, &e);
	if (src->state == HV_VM_ZOMBIE) {
		if (e.shares == 0)
			mm_return_donated(src, src_gfn);
		if (m->shares_out == 0)
			mm_vm_finish(src);
	}
}

int mm_vm_destroy(struct hv_vm *vm)
{
	struct mm_vm *m = mm_vm_of(vm);
	uint64_t gfn = 0;

	HV_ASSERT(!vm_is_root(vm) && vm->state == HV_VM_ACTIVE);
	if (m->shares_strict)
		return -1;
	while (mm_tree_next(&m->tree, gfn, &gfn)) {
		struct mm_ent e = mm_get(vm, gfn);
		if (e.kind == MM_SHARED) {
			struct hv_vm *src = vm_get(e.src_vmid);
			HV_ASSERT(src != NULL);
			mm_arch_unmap(vm, gfn);
			mm_put(vm, gfn, &mm_none);
			mm_share_dropped(src, e.src_gfn, !e.zombie);
		} else if (e.kind == MM_DONATED && e.shares == 0) {
			mm_return_donated(vm, gfn);
		} else {
			/* Still shared out: the zombie keeps it. */
			HV_ASSERT(e.kind == MM_DONATED);
		}
		gfn++;
	}
	if (m->shares_out == 0) {
		mm_vm_finish(vm);
		mm_flush();
		return 0;
	}
	vm->state = HV_VM_ZOMBIE;
	vm->handle = 0;
	mm_flush();
	hv_log("vm %u is a zombie: %llu page(s) still shared out", vm->id,
	       (unsigned long long)m->shares_out);
	return 1;
}
