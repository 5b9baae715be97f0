/*
 * The XVIO hypercalls (mv_xvio_op_*, docs/xvio.md): one api_xvio_* per call,
 * declared in hv/api.h.  The state they act on (partitions, services,
 * queues, focus) is xvio.c's; rings are shared through xvio_ring.c.
 *
 * Every api_xvio_* validates everything, changes nothing on failure and
 * returns a struct hv_ret.  Order of checks: (the handle, hypercall.c) the
 * caller holds a partition (INVALID_PERM_DENIED), then the parameters in
 * register order (INVALID_PARAMSn), then the XVIO state statuses
 * (MV_STATUS_XVIO_*).  Everything runs under the hypercall lock.
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/string.h>
#include <hv/vm.h>

#include "mm_int.h"
#include "xvio_int.h"

/* The caller's partition (INVALID_PERM_DENIED when it holds none) and, when
 * `id` is not NULL, its initialized service REG1 (INVALID_PARAMS1). */
static uint64_t caller_svc(const struct hv_caller *c, uint64_t id, uint8_t *p,
			   struct xvio_service **s)
{
	*p = xvio_partition_of(c->vm);
	if (*p == 0)
		return MV_STATUS_INVALID_PERM_DENIED;
	if (s) {
		*s = xvio_svc_of(*p, id);
		if (!*s || !(*s)->used)
			return MV_STATUS_INVALID_PARAMS1;
	}
	return MV_STATUS_SUCCESS;
}

static bool part_valid(uint64_t p)
{
	return p >= MV_XVIO_PARTITION_HOSTOS && p <= MV_XVIO_PARTITION_GAMEOS;
}

/* ---- partitions ---------------------------------------------------------- */

struct hv_ret api_xvio_get_partition(const struct hv_caller *c)
{
	return hv_ret_out1(MV_STATUS_SUCCESS, xvio_partition_of(c->vm));
}

struct hv_ret api_xvio_set_partition(const struct hv_caller *c, uint64_t reg1, uint64_t reg2)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vm *vm = reg1 > 0xFFFF ? NULL : vm_get((uint16_t)reg1);
	if (!vm || vm_is_root(vm) || vm->state != HV_VM_ACTIVE)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (reg2 != MV_XVIO_PARTITION_SYSTEMOS && reg2 != MV_XVIO_PARTITION_GAMEOS)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	/* A VM holds one partition for its life; a partition one VM. */
	if (vm->partition != 0 || xvio_parts[reg2].held)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	xvio_parts[reg2].held = true;
	xvio_parts[reg2].vmid = vm->id;
	vm->partition = (uint8_t)reg2;
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* ---- services ------------------------------------------------------------ */

struct hv_ret api_xvio_initialize(const struct hv_caller *c, uint64_t id, uint64_t target,
				  uint64_t vector)
{
	uint8_t p;
	uint64_t st = caller_svc(c, 0, &p, NULL);

	if (st)
		return hv_ret_status(st);
	if (id >= XVIO_SERVICES)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	if (target > MV_XVIO_PARTITION_GAMEOS)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (vector != 0 && (vector < MV_XVIO_FIRST_VECTOR || vector > 0xFF))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	struct xvio_service *s = xvio_svc_of(p, id);
	if (s->used)
		return hv_ret_status(MV_STATUS_XVIO_SERVICE_IN_USE);
	uint64_t q = page_alloc();
	if (!q)
		return hv_ret_status(MV_STATUS_FAILURE_UNKNOWN); /* E-30: the pool ran out */
	hv_memset(s, 0, sizeof(*s));
	s->used = true;
	s->target = (uint8_t)target;
	s->vector = (uint8_t)vector;
	s->queue = q;
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_xvio_cleanup(const struct hv_caller *c, uint64_t id)
{
	struct xvio_service *s;
	uint8_t p;
	uint64_t st = caller_svc(c, id, &p, &s);

	if (st)
		return hv_ret_status(st);
	xvio_svc_cleanup(p, (uint32_t)id);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* ---- messages ------------------------------------------------------------ */

struct hv_ret api_xvio_post_message(const struct hv_caller *c, uint64_t id, uint64_t part,
				    uint64_t code, uint64_t size, uint64_t gpa)
{
	uint8_t data[MV_XVIO_MAX_DATA];
	struct xvio_service *s;
	uint8_t p;
	uint64_t st = caller_svc(c, id, &p, &s);

	if (st)
		return hv_ret_status(st);
	if (!part_valid(part))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (code > 0xFFFF)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	if (size > MV_XVIO_MAX_DATA)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS4);
	/* Copy once, then check: nothing below reads the sender's memory. */
	if (size && mm_read(c->vm, gpa, data, size))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS5);
	if (!xvio_holder((uint8_t)part))
		return hv_ret_status(MV_STATUS_XVIO_NO_PARTITION);
	struct xvio_service *t = xvio_svc_of((uint8_t)part, id);
	if (!t->used)
		return hv_ret_status(MV_STATUS_XVIO_NOT_INITIALIZED);
	if (t->target != MV_XVIO_PARTITION_ANY && t->target != p)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	if (t->count >= XVIO_DEPTH)
		return hv_ret_status(MV_STATUS_XVIO_QUEUE_FULL);
	xvio_enqueue((uint8_t)part, (uint32_t)id, p, (uint16_t)code, data, (uint16_t)size);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_xvio_receive_message(const struct hv_caller *c, uint64_t id, uint64_t gpa)
{
	struct xvio_service *s;
	uint64_t spa;
	uint8_t p;
	uint64_t st = caller_svc(c, id, &p, &s);

	if (st)
		return hv_ret_status(st);
	if ((gpa & ~HV_PAGE_MASK) || gpa >= MM_GPA_LIMIT ||
	    mm_translate(c->vm, gpa, MV_GPA_FLAG_WRITE_ACCESS, &spa))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (s->count == 0)
		return hv_ret_status(MV_STATUS_XVIO_NO_MESSAGE);
	if (mm_write(c->vm, gpa, xvio_queue_slot(s, 0), sizeof(struct mv_xvio_message_t)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2); /* not reached: translated above */
	hv_memset(xvio_queue_slot(s, 0), 0, sizeof(struct mv_xvio_message_t));
	s->head = (uint8_t)((s->head + 1) % XVIO_DEPTH);
	s->count--;
	return hv_ret_out1(MV_STATUS_SUCCESS, s->count);
}

/* ---- focus --------------------------------------------------------------- */

struct hv_ret api_xvio_set_focus(const struct hv_caller *c, uint64_t part)
{
	uint8_t p;
	uint64_t st = caller_svc(c, 0, &p, NULL);

	if (st)
		return hv_ret_status(st);
	if (p == MV_XVIO_PARTITION_GAMEOS)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* access denied */
	if (part != MV_XVIO_PARTITION_SYSTEMOS && part != MV_XVIO_PARTITION_GAMEOS)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	/* The VM manager (HostOS service 0xF) hears of it from the hypervisor
	 * (sender partition 0), whatever its target filter. */
	struct xvio_service *vmm = xvio_svc_of((uint8_t)MV_XVIO_PARTITION_HOSTOS, MV_XVIO_SERVICE_VM);
	if (vmm->used) {
		if (vmm->count >= XVIO_DEPTH)
			return hv_ret_status(MV_STATUS_XVIO_QUEUE_FULL);
		uint16_t d[3] = { p, (uint16_t)part, xvio_focus() };
		xvio_enqueue((uint8_t)MV_XVIO_PARTITION_HOSTOS, (uint32_t)MV_XVIO_SERVICE_VM,
			(uint16_t)MV_XVIO_PARTITION_ANY, (uint16_t)MV_XVIO_CODE_FOCUS,
			(const uint8_t *)d, sizeof(d));
	}
	xvio_focus_set((uint8_t)part);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* ---- rings (xvio_ring.c) ------------------------------------------------- */

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

	uint64_t st = xvio_ring_map(src, cs->ring.gpa, c->vm, gpa, pages);
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
