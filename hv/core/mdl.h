/*
 * Memory descriptor lists (spec 1.6.5): reading a guest's MDL chain into a
 * validated copy, and walking it page by page.  The MDL hypercalls work on
 * the copy only, so a guest that rewrites its MDL during the call changes
 * nothing (no time-of-check/time-of-use).
 */
#ifndef HV_MDL_H
#define HV_MDL_H

#include <microv/mv_abi.h>

#include <hv/types.h>

struct hv_vm;

/* Longest chain of MDL pages one hypercall accepts (a loop ends here). */
#define MDL_MAX_PAGES 16u
#define MDL_MAX_RANGES (MDL_MAX_PAGES * MV_MDL_MAP_MAX_NUM_ENTRIES)

struct mdl_range {
	uint64_t gpa, size;
};

struct mdl {
	uint32_t n;
	uint64_t pages; /* total 4 KiB pages */
	struct mdl_range r[MDL_MAX_RANGES];
};

/*
 * Copy the chain at `gpa` of `vm` into `m`.  Valid: every MDL page is page
 * aligned, owned by `vm` and readable; num_entries 1..169; revz 0; at most
 * MDL_MAX_PAGES pages; each entry page aligned, size > 0, below
 * MM_GPA_LIMIT without overflow, flags 0.
 */
bool mdl_read(const struct hv_vm *vm, uint64_t gpa, struct mdl *m);
/* True if some page appears in two entries. */
bool mdl_overlaps(const struct mdl *m);

struct mdl_iter {
	const struct mdl *m;
	uint32_t i;
	uint64_t off;
};

static inline struct mdl_iter mdl_iter_start(const struct mdl *m)
{
	struct mdl_iter it = { m, 0, 0 };
	return it;
}

/* The next page's GFN, in list order. */
bool mdl_iter_next(struct mdl_iter *it, uint64_t *gfn);

/* ---- mdl_ops.c: the three MDL operations on validated arguments ------- */

struct mdl_call {
	struct hv_vm *src, *dst;   /* checked: exist, differ, right state */
	const struct mdl *sm, *dm; /* checked: valid, no overlap, same size */
	uint64_t flags;            /* REG5, checked (map, set_gpa_flags) */
};

/* Each returns an mv_status_t; on failure nothing changed. */
uint64_t mdl_map(const struct mdl_call *c);
uint64_t mdl_unmap(const struct mdl_call *c);
uint64_t mdl_set_flags(const struct mdl_call *c);
/* The flags a destination page gets from REG5: R always, W/X as given,
 * the cache flag given or WB. */
uint64_t mdl_dst_flags(uint64_t flags);

#endif /* HV_MDL_H */
