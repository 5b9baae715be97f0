/*
 * VM lifecycle of guest memory: destroying a VM's memory, returning donated
 * pages, and zombies (spec 6.10.4 "Donate Vs. Shared").
 *
 * Only the root's own pages can be donated, so a donated page always goes
 * back to where the root had it; the root kept that GPA (MM_LENT) so the
 * return never needs memory.  A zombie keeps exactly the pages that are
 * still shared out and is freed when the last of them is unmapped.
 *
 * Destroying is a continuation (spec 6.1, E-31): each call releases at most
 * a budget of page entries, in GFN order from where the previous call
 * stopped; meanwhile the VM is HV_VM_DYING.  A borrower may go away between
 * two calls (its own destroy drops its shares): the page it borrowed is
 * then returned at once, wherever the cursor is.
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
	if (src->state == HV_VM_ZOMBIE || src->state == HV_VM_DYING) {
		if (e.shares == 0)
			mm_return_donated(src, src_gfn);
		/* A dying VM is finished by its own destroy calls. */
		if (src->state == HV_VM_ZOMBIE && m->shares_out == 0)
			mm_vm_finish(src);
	}
}

bool mm_vm_destroy_refused(const struct hv_vm *vm)
{
	return vm->state == HV_VM_ACTIVE && mm_vm_of(vm)->shares_strict != 0;
}

enum mm_destroy_result mm_vm_destroy(struct hv_vm *vm, uint32_t budget)
{
	struct mm_vm *m = mm_vm_of(vm);
	uint64_t gfn;

	HV_ASSERT(!vm_is_root(vm) && budget > 0);
	if (vm->state == HV_VM_ACTIVE) {
		/* The first call: the only one that can refuse, before anything
		 * changes.  No new share of its pages can appear once it is dying
		 * (a dying VM is no source), so the check holds to the end. */
		if (m->shares_strict)
			return MM_DESTROY_REFUSED;
		vm->state = HV_VM_DYING;
		vm->handle = 0;
		m->destroy_next = 0;
	}
	HV_ASSERT(vm->state == HV_VM_DYING);
	gfn = m->destroy_next;
	for (uint32_t done = 0; done < budget && mm_tree_next(&m->tree, gfn, &gfn); done++) {
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
	m->destroy_next = gfn;
	if (mm_tree_next(&m->tree, gfn, &gfn)) {
		mm_flush();
		return MM_DESTROY_MORE;
	}
	if (m->shares_out == 0) {
		mm_vm_finish(vm);
		mm_flush();
		return MM_DESTROY_FREED;
	}
	vm->state = HV_VM_ZOMBIE;
	mm_flush();
	hv_log("vm %u is a zombie: %llu page(s) still shared out", vm->id,
	       (unsigned long long)m->shares_out);
	return MM_DESTROY_ZOMBIE;
}
