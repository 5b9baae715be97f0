/*
 * XVIO ring buffers (docs/xvio.md): pages the creator owns, shared RW into
 * the peer through the MDL share path (mdl_map / mdl_unmap, docs/memory.md).
 * The hypercalls create_ring / attach_ring are in api_xvio.c.
 *
 * create_ring checks and records the ring and writes a struct
 * mv_xvio_ring_t header at the start of each direction (send: creator ->
 * peer, first; receive: peer -> creator, after it).  attach_ring maps the
 * same system pages into the peer at the GPA it chose.  The share is made
 * with MV_GPA_FLAG_ZOMBIE so it never blocks destroying the creator
 * (shares_strict); XVIO tears the mapping down itself first: cleanup of
 * either service, or either VM's destruction, unmaps the ring from the peer
 * (no dangling mapping) and both services forget it.
 */
#include <microv/mv_abi.h>

#include <hv/log.h>
#include <hv/mm.h>
#include <hv/string.h>
#include <hv/vm.h>

#include "mdl.h"
#include "mm_int.h"
#include "xvio_int.h"

/* One call's MDLs (hypercalls are serialised by hc_lock). */
static struct mdl xr_src, xr_dst;

static void mdl_single(struct mdl *m, uint64_t gpa, uint64_t pages)
{
	m->n = 1;
	m->pages = pages;
	m->r[0].gpa = gpa;
	m->r[0].size = pages * HV_PAGE_SIZE;
}

void xvio_ring_unmap(struct hv_vm *src, uint64_t src_gpa, struct hv_vm *dst, uint64_t dst_gpa,
		     uint64_t pages)
{
	/* Page by page: a page whose mapping the root already removed
	 * (unmap_mdl) is refused by mdl_unmap and skipped; every page that is
	 * still XVIO's mapping goes. */
	for (uint64_t i = 0; i < pages; i++) {
		struct mdl_call call = { .src = src, .dst = dst, .sm = &xr_src, .dm = &xr_dst };
		mdl_single(&xr_src, src_gpa + i * HV_PAGE_SIZE, 1);
		mdl_single(&xr_dst, dst_gpa + i * HV_PAGE_SIZE, 1);
		(void)mdl_unmap(&call);
	}
}

uint64_t xvio_ring_map(struct hv_vm *src, uint64_t src_gpa, struct hv_vm *dst, uint64_t dst_gpa,
		       uint64_t pages)
{
	struct mdl_call call = {
		.src = src, .dst = dst, .sm = &xr_src, .dm = &xr_dst,
		.flags = MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_ZOMBIE,
	};
	mdl_single(&xr_src, src_gpa, pages);
	mdl_single(&xr_dst, dst_gpa, pages);
	return mdl_map(&call);
}
