/*
 * The MDL operations (spec 6.10.4-6.10.6) on validated arguments (mdl.h).
 *
 * Source page i of the list goes with destination page i.  Each operation
 * checks every page first (read-only), then reserves tree nodes (undone by
 * pruning), then maps the destination in the backend (the only step that
 * can fail: undone by unmapping), then commits.  So a failure leaves every
 * map, tree and backend table as it was.
 *
 * Statuses of the resources (spec-errata E-15, E-30): a page already shared
 * MM_MAX_SHARES times is a fixed limit, INVALID_PERM_DENIED; the pool running
 * out of tree nodes or the backend refusing a mapping the core validated is
 * the hypervisor failing a valid request, FAILURE_UNKNOWN.
 */
#include <microv/mv_abi.h>

#include <hv/log.h>
#include <hv/vm.h>

#include "mdl.h"
#include "mm_int.h"

static const struct mm_ent mdl_none;

struct mdl_pair {
	struct mdl_iter s, d;
};

static struct mdl_pair mdl_pair_start(const struct mdl_call *c)
{
	struct mdl_pair p = { mdl_iter_start(c->sm), mdl_iter_start(c->dm) };
	return p;
}

static bool mdl_pair_next(struct mdl_pair *p, uint64_t *sg, uint64_t *dg)
{
	bool s = mdl_iter_next(&p->s, sg), d = mdl_iter_next(&p->d, dg);
	HV_ASSERT(s == d); /* the lists have the same size */
	return s;
}

uint64_t mdl_dst_flags(uint64_t flags)
{
	uint64_t cache = flags & MV_GPA_FLAG_CACHE_MASK;

	return MV_GPA_FLAG_READ_ACCESS |
	       (flags & (MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)) |
	       (cache ? cache : MV_GPA_FLAG_WRITE_BACK);
}

/* Free the tree nodes reserved for the first `n` pairs that stayed empty. */
static void mdl_prune(const struct mdl_call *c, uint64_t n)
{
	struct mdl_pair p = mdl_pair_start(c);
	uint64_t sg, dg;

	while (n-- && mdl_pair_next(&p, &sg, &dg)) {
		mm_prune(c->dst, dg);
		mm_prune(c->src, sg);
	}
}

uint64_t mdl_map(const struct mdl_call *c)
{
	const bool donate = c->flags & MV_GPA_FLAG_DONATE;
	const bool zombie = c->flags & MV_GPA_FLAG_ZOMBIE;
	const bool strict = !donate && !zombie && !vm_is_root(c->dst);
	const uint64_t dflags = mdl_dst_flags(c->flags);
	struct mm_vm *sv = mm_vm_of(c->src);
	struct mdl_pair p;
	uint64_t sg, dg, n;

	/* Source pages: owned by the source; a donation gives only the root's
	 * own pages that nobody borrows. */
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);) {
		struct mm_ent e = mm_get(c->src, sg);
		if (donate ? e.kind != MM_OWN || e.shares : !mm_owned(e.kind))
			return MV_STATUS_INVALID_PARAMS2;
	}
	/* Destination GPAs: free (the root's device memory never is). */
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);)
		if (mm_get(c->dst, dg).kind != MM_NONE || (vm_is_root(c->dst) && mm_root_device(dg)))
			return MV_STATUS_INVALID_PARAMS4;
	/* Limits: a page is shared at most MM_MAX_SHARES times at once. */
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);)
		if (!donate && mm_get(c->src, sg).shares >= MM_MAX_SHARES)
			return MV_STATUS_INVALID_PERM_DENIED;

	/* Tree nodes for every entry this writes. */
	n = 0;
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);) {
		n++;
		/* A donated page leaves the source's map: its own 4 KiB leaf
		 * first (E-53; a split changes no translation, so a failure
		 * later leaves the map as it was). */
		if (mm_reserve(c->dst, dg) || mm_reserve(c->src, sg) ||
		    (donate && mm_arch_split(c->src, sg))) {
			mdl_prune(c, n);
			return MV_STATUS_FAILURE_UNKNOWN; /* E-30: the pool ran out */
		}
	}
	/* The backend: map the destination. */
	n = 0;
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg); n++) {
		if (mm_arch_map(c->dst, dg, mm_get(c->src, sg).spa, dflags)) {
			struct mdl_pair u = mdl_pair_start(c);
			for (uint64_t i = 0; i < n && mdl_pair_next(&u, &sg, &dg); i++)
				mm_arch_unmap(c->dst, dg);
			mdl_prune(c, UINT64_MAX);
			mm_flush();
			return MV_STATUS_FAILURE_UNKNOWN; /* E-30: the backend refused */
		}
	}
	/* Commit: nothing fails from here. */
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);) {
		struct mm_ent s = mm_get(c->src, sg), d = mdl_none;
		d.kind = donate ? MM_DONATED : MM_SHARED;
		d.flags = dflags;
		d.spa = s.spa;
		d.zombie = !donate && zombie;
		d.src_vmid = c->src->id;
		d.src_gfn = sg;
		mm_put(c->dst, dg, &d);
		if (donate) {
			s.kind = MM_LENT;
			s.flags = 0;
			mm_arch_unmap(c->src, sg);
		} else {
			s.shares++;
			sv->shares_out++;
			sv->shares_strict += strict;
		}
		mm_put(c->src, sg, &s);
	}
	mm_flush();
	return MV_STATUS_SUCCESS;
}

/* Is destination page dg the mapping that source page sg made?  0 or the
 * status.  unmap: a donated page must not be shared on by its holder. */
static uint64_t mdl_check_pair(const struct mdl_call *c, uint64_t sg, uint64_t dg, bool unmap)
{
	struct mm_ent d = mm_get(c->dst, dg);

	if ((d.kind != MM_SHARED && d.kind != MM_DONATED) || d.src_vmid != c->src->id)
		return MV_STATUS_INVALID_PARAMS4;
	if (d.src_gfn != sg)
		return MV_STATUS_INVALID_PARAMS2;
	if (unmap && d.kind == MM_DONATED && d.shares)
		return MV_STATUS_INVALID_PARAMS4;
	struct mm_ent s = mm_get(c->src, sg);
	HV_ASSERT(s.spa == d.spa);
	HV_ASSERT(d.kind == MM_SHARED ? mm_owned(s.kind) && s.shares : s.kind == MM_LENT);
	return 0;
}

static uint64_t mdl_check_pairs(const struct mdl_call *c, bool unmap)
{
	struct mdl_pair p = mdl_pair_start(c);
	uint64_t sg, dg, st;

	while (mdl_pair_next(&p, &sg, &dg))
		if ((st = mdl_check_pair(c, sg, dg, unmap)) != 0)
			return st;
	return 0;
}

uint64_t mdl_unmap(const struct mdl_call *c)
{
	struct mdl_pair p = mdl_pair_start(c);
	uint64_t sg, dg, st = mdl_check_pairs(c, true);
	const bool dst_root = vm_is_root(c->dst);

	if (st)
		return st;
	/* Nothing can fail from here (re-maps never fail: arch contract).  A
	 * zombie source may be freed by the last pair: c->src is not used
	 * after the loop. */
	while (mdl_pair_next(&p, &sg, &dg)) {
		struct mm_ent d = mm_get(c->dst, dg);
		if (d.kind == MM_DONATED) {
			mm_return_donated(c->dst, dg);
		} else {
			mm_arch_unmap(c->dst, dg);
			mm_put(c->dst, dg, &mdl_none);
			mm_share_dropped(c->src, sg, !d.zombie && !dst_root);
		}
	}
	mm_flush();
	return MV_STATUS_SUCCESS;
}

uint64_t mdl_set_flags(const struct mdl_call *c)
{
	struct mdl_pair p = mdl_pair_start(c);
	uint64_t sg, dg, st = mdl_check_pairs(c, false);
	const uint64_t dflags = mdl_dst_flags(c->flags);

	if (st)
		return st;
	/* The backend first (it may refuse: put back the pages done so far,
	 * which it held with their old flags), then the core's entries. */
	uint64_t n = 0;
	for (; mdl_pair_next(&p, &sg, &dg); n++) {
		struct mm_ent d = mm_get(c->dst, dg);
		if (mm_arch_map(c->dst, dg, d.spa, dflags)) {
			struct mdl_pair u = mdl_pair_start(c);
			for (uint64_t i = 0; i < n && mdl_pair_next(&u, &sg, &dg); i++) {
				d = mm_get(c->dst, dg);
				mm_arch_remap(c->dst, dg, d.spa, d.flags);
			}
			mm_flush();
			return MV_STATUS_FAILURE_UNKNOWN; /* E-30: the backend refused */
		}
	}
	for (p = mdl_pair_start(c); mdl_pair_next(&p, &sg, &dg);) {
		struct mm_ent d = mm_get(c->dst, dg);
		d.flags = dflags;
		mm_put(c->dst, dg, &d);
	}
	mm_flush();
	return MV_STATUS_SUCCESS;
}
