/*
 * XVIO ring buffers (docs/xvio.md): pages the creator owns, shared RW into
 * the peer through the MDL share path (mdl_map / mdl_unmap, docs/memory.md).
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

void xvio_ring_destroy(uint8_t creator, uint32_t id)
{
	struct xvio_service *s = &xvio_parts[creator].svc[id];
	struct xvio_ring *r = &s->ring;

	HV_ASSERT(s->used && r->used);
	if (r->attached) {
		struct xvio_service *ps = &xvio_parts[r->peer].svc[id];
		struct hv_vm *src = xvio_holder(creator), *dst = vm_get(r->peer_vmid);
		uint64_t pages = (uint64_t)r->send_pages + r->recv_pages;
		HV_ASSERT(src && dst && ps->used && ps->peer_of == creator);
		/* Page by page: a page whose mapping the root already removed
		 * (unmap_mdl) is refused by mdl_unmap and skipped; every page
		 * that is still XVIO's mapping goes. */
		for (uint64_t i = 0; i < pages; i++) {
			struct mdl_call call = { .src = src, .dst = dst, .sm = &xr_src, .dm = &xr_dst };
			mdl_single(&xr_src, r->gpa + i * HV_PAGE_SIZE, 1);
			mdl_single(&xr_dst, r->peer_gpa + i * HV_PAGE_SIZE, 1);
			(void)mdl_unmap(&call);
		}
		ps->peer_of = 0;
	}
	hv_memset(r, 0, sizeof(*r));
}

/* Every page of [gpa, gpa + pages) is the caller's own (its own or donated
 * to it: mm_owned) and writable. */
static bool ring_pages_ok(const struct hv_vm *vm, uint64_t gpa, uint64_t pages)
{
	if ((gpa & ~HV_PAGE_MASK) || gpa >= MM_GPA_LIMIT ||
	    pages > (MM_GPA_LIMIT - gpa) / HV_PAGE_SIZE)
		return false;
	for (uint64_t i = 0; i < pages; i++) {
		struct mm_ent e = mm_get(vm, (gpa >> 12) + i);
		if (!mm_owned(e.kind) || !(e.flags & MV_GPA_FLAG_WRITE_ACCESS) ||
		    !(e.flags & MV_GPA_FLAG_READ_ACCESS))
			return false;
	}
	return true;
}

struct hv_ret api_xvio_create_ring(const struct hv_caller *c, uint64_t id, uint64_t peer,
				   uint64_t send_pages, uint64_t recv_pages, uint64_t gpa)
{
	uint8_t p = xvio_partition_of(c->vm);

	if (p == 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	if (id >= MV_XVIO_MAX_SERVICES || !xvio_parts[p].svc[id].used)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (peer < MV_XVIO_PARTITION_HOSTOS || peer > MV_XVIO_PARTITION_GAMEOS || peer == p)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (send_pages == 0 || send_pages > MV_XVIO_RING_MAX_PAGES)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	if (recv_pages == 0 || recv_pages > MV_XVIO_RING_MAX_PAGES)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS4);
	if (!ring_pages_ok(c->vm, gpa, send_pages + recv_pages))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS5);
	if (!xvio_holder((uint8_t)peer))
		return hv_ret_status(MV_STATUS_XVIO_NO_PARTITION);
	struct xvio_service *s = &xvio_parts[p].svc[id];
	if (s->ring.used || s->peer_of)
		return hv_ret_status(MV_STATUS_XVIO_SERVICE_IN_USE);

	/* The two headers (the pages are writable: checked above). */
	struct mv_xvio_ring_t h;
	hv_memset(&h, 0, sizeof(h));
	h.service = (uint16_t)id;
	h.size = send_pages * HV_PAGE_SIZE - MV_XVIO_RING_HEADER_SIZE;
	h.writer = p;
	h.reader = (uint16_t)peer;
	struct mv_xvio_ring_t h2 = h;
	h2.size = recv_pages * HV_PAGE_SIZE - MV_XVIO_RING_HEADER_SIZE;
	h2.writer = (uint16_t)peer;
	h2.reader = p;
	/* Both pages were checked writable above, so these writes fail only if
	 * the backend cannot reach the memory: the hypervisor's failure, not
	 * the guest's (E-30).  Nothing may stay changed: a failed second write
	 * puts the first page's old header back. */
	struct mv_xvio_ring_t old;
	if (mm_read(c->vm, gpa, &old, sizeof(old)) || mm_write(c->vm, gpa, &h, sizeof(h)))
		return hv_ret_status(MV_STATUS_FAILURE_UNKNOWN);
	if (mm_write(c->vm, gpa + send_pages * HV_PAGE_SIZE, &h2, sizeof(h2))) {
		(void)mm_write(c->vm, gpa, &old, sizeof(old));
		return hv_ret_status(MV_STATUS_FAILURE_UNKNOWN);
	}

	s->ring.used = true;
	s->ring.peer = (uint8_t)peer;
	s->ring.send_pages = (uint32_t)send_pages;
	s->ring.recv_pages = (uint32_t)recv_pages;
	s->ring.gpa = gpa;
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_xvio_attach_ring(const struct hv_caller *c, uint64_t id, uint64_t creator,
				   uint64_t gpa)
{
	uint8_t p = xvio_partition_of(c->vm);

	if (p == 0)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	if (id >= MV_XVIO_MAX_SERVICES || !xvio_parts[p].svc[id].used)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (creator < MV_XVIO_PARTITION_HOSTOS || creator > MV_XVIO_PARTITION_GAMEOS ||
	    creator == p)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if ((gpa & ~HV_PAGE_MASK) || gpa >= MM_GPA_LIMIT)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	struct hv_vm *src = xvio_holder((uint8_t)creator);
	if (!src)
		return hv_ret_status(MV_STATUS_XVIO_NO_PARTITION);
	struct xvio_service *cs = &xvio_parts[creator].svc[id], *s = &xvio_parts[p].svc[id];
	if (!cs->used || !cs->ring.used || cs->ring.peer != p)
		return hv_ret_status(MV_STATUS_XVIO_NOT_INITIALIZED);
	if (cs->ring.attached || s->ring.used || s->peer_of)
		return hv_ret_status(MV_STATUS_XVIO_SERVICE_IN_USE);
	uint64_t pages = (uint64_t)cs->ring.send_pages + cs->ring.recv_pages;
	if (pages > (MM_GPA_LIMIT - gpa) / HV_PAGE_SIZE)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);

	struct mdl_call call = {
		.src = src, .dst = c->vm, .sm = &xr_src, .dm = &xr_dst,
		.flags = MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_ZOMBIE,
	};
	mdl_single(&xr_src, cs->ring.gpa, pages);
	mdl_single(&xr_dst, gpa, pages);
	uint64_t st = mdl_map(&call);
	switch (st) {
	case MV_STATUS_SUCCESS:
		break;
	case MV_STATUS_INVALID_PARAMS4:
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3); /* a GPA of the caller is in use */
	case MV_STATUS_INVALID_PARAMS2:
		/* The root took the creator's pages back (unmap_mdl) since
		 * create_ring: the ring's memory is gone. */
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	default:
		return hv_ret_status(st); /* 4095 shares: PERM_DENIED; pool/backend: FAILURE_UNKNOWN */
	}
	cs->ring.attached = true;
	cs->ring.peer_gpa = gpa;
	cs->ring.peer_vmid = c->vm->id;
	s->peer_of = (uint8_t)creator;
	return hv_ret_out1(MV_STATUS_SUCCESS, pages);
}
