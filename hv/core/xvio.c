/*
 * XVIO state (docs/xvio.md): partitions, services, message queues, focus,
 * and what VM destruction does to them.  The hypercalls: api_xvio.c; rings:
 * xvio_ring.c.
 *
 * Guarantees this file keeps:
 *   - a sender's partition is the hypervisor's record (xvio_partition_of),
 *     never a register: a message cannot be forged;
 *   - the data is copied once from the sender into the hypervisor before
 *     any state check (Hafnium's rule): the sender cannot change it between
 *     check and use;
 *   - a service's queue is bounded (MV_XVIO_QUEUE_DEPTH): a full queue is
 *     MV_STATUS_XVIO_QUEUE_FULL to the sender, nothing is dropped silently;
 *   - FIFO per service (and so per (sender, service)); seq numbers them;
 *   - every failure changes nothing.
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/string.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "xvio_int.h"

struct xvio_part xvio_parts[XVIO_PARTS];
static uint8_t xvio_focus_part = (uint8_t)MV_XVIO_PARTITION_SYSTEMOS;

uint8_t xvio_partition_of(const struct hv_vm *vm)
{
	return vm_is_root(vm) ? (uint8_t)MV_XVIO_PARTITION_HOSTOS : vm->partition;
}

void xvio_focus_set(uint8_t part)
{
	xvio_focus_part = part;
}

uint8_t xvio_focus(void)
{
	return xvio_focus_part;
}

struct hv_vm *xvio_holder(uint8_t p)
{
	if (p == MV_XVIO_PARTITION_HOSTOS)
		return vm_root();
	if (p >= XVIO_PARTS || p == 0 || !xvio_parts[p].held)
		return NULL;
	struct hv_vm *vm = vm_get(xvio_parts[p].vmid);
	HV_ASSERT(vm && vm->state == HV_VM_ACTIVE && vm->partition == p);
	return vm;
}

struct xvio_service *xvio_svc_of(uint8_t p, uint64_t id)
{
	if (p == 0 || p >= XVIO_PARTS || id >= XVIO_SERVICES)
		return NULL;
	return &xvio_parts[p].svc[id];
}

/* ---- services ---------------------------------------------------------------- */

/* Destroy the ring service `id` of partition `creator` created: unmapped
 * from the peer (xvio_ring_unmap), both services forget it. */
static void xvio_ring_destroy(uint8_t creator, uint32_t id)
{
	struct xvio_service *s = &xvio_parts[creator].svc[id];
	struct xvio_ring *r = &s->ring;

	HV_ASSERT(s->used && r->used);
	if (r->attached) {
		struct xvio_service *ps = &xvio_parts[r->peer].svc[id];
		struct hv_vm *src = xvio_holder(creator), *dst = vm_get(r->peer_vmid);
		HV_ASSERT(src && dst && ps->used && ps->peer_of == creator);
		xvio_ring_unmap(src, r->gpa, dst, r->peer_gpa,
				(uint64_t)r->send_pages + r->recv_pages);
		ps->peer_of = 0;
	}
	hv_memset(r, 0, sizeof(*r));
}

void xvio_svc_cleanup(uint8_t p, uint32_t id)
{
	struct xvio_service *s = xvio_svc_of(p, id);

	HV_ASSERT(s && s->used);
	if (s->ring.used)
		xvio_ring_destroy(p, id);
	if (s->peer_of)
		xvio_ring_destroy(s->peer_of, id);
	HV_ASSERT(!s->ring.used && !s->peer_of);
	page_free(s->queue); /* pending messages are dropped with it */
	hv_memset(s, 0, sizeof(*s));
}

void xvio_vm_destroy(struct hv_vm *vm)
{
	uint8_t p = vm_is_root(vm) ? 0 : vm->partition;

	if (p == 0)
		return;
	for (uint32_t id = 0; id < XVIO_SERVICES; id++)
		if (xvio_parts[p].svc[id].used)
			xvio_svc_cleanup(p, id);
	xvio_parts[p].held = false;
	xvio_parts[p].vmid = 0;
	vm->partition = 0;
}

/* ---- messages ---------------------------------------------------------------- */

struct mv_xvio_message_t *xvio_queue_slot(const struct xvio_service *s, uint32_t i)
{
	struct mv_xvio_message_t *q = page_hva(s->queue);
	return &q[(s->head + i) % XVIO_DEPTH];
}

/* The interrupt of service s of partition p: into the receiving VM's first
 * VPS (a guest's lowest VPSID; the root's VPS on the bootstrap PP), queued
 * like mv_vps_op_queue_irq. */
static void wake(uint8_t p, const struct xvio_service *s)
{
	struct hv_vm *vm = xvio_holder(p);
	struct hv_vps *vps = NULL;

	if (!s->vector || !vm)
		return;
	if (vm_is_root(vm)) {
		vps = pp_root_vps(MV_BS_PPID);
	} else {
		for (uint16_t i = 0; i < HV_MAX_VPSS && !vps; i++) {
			struct hv_vps *v = vps_get(i);
			if (v && v->state == HV_VPS_ACTIVE && v->vmid == vm->id)
				vps = v;
		}
	}
	if (!vps)
		return; /* no VPS yet: the message waits in the queue */
	struct hv_event ev = { .type = HV_EVENT_EXTINT, .vector = s->vector };
	evq_raise(vps, &ev);
}

/* Queue a message (the caller checked there is room). */
void xvio_enqueue(uint8_t p, uint32_t id, uint16_t from, uint16_t code, const uint8_t *data,
		    uint16_t size)
{
	struct xvio_service *s = xvio_svc_of(p, id);

	HV_ASSERT(s && s->used && s->count < XVIO_DEPTH && size <= MV_XVIO_MAX_DATA);
	struct mv_xvio_message_t *m = xvio_queue_slot(s, s->count);
	hv_memset(m, 0, sizeof(*m));
	m->partition = from;
	m->service = (uint16_t)id;
	m->code = code;
	m->size = size;
	m->seq = ++s->seq;
	hv_memcpy(m->data, data, size);
	s->count++;
	wake(p, s);
}

/* ---- tests ------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001B3ull;
	return h;
}

uint64_t xvio_digest(void)
{
	uint64_t h = mix(0xCBF29CE484222325ull, &xvio_focus_part, 1);

	for (uint8_t p = 1; p < XVIO_PARTS; p++) {
		const struct xvio_part *x = &xvio_parts[p];
		h = mix(h, &x->held, sizeof(x->held));
		h = mix(h, &x->vmid, sizeof(x->vmid));
		for (uint32_t id = 0; id < XVIO_SERVICES; id++) {
			const struct xvio_service *s = &x->svc[id];
			h = mix(h, s, sizeof(*s));
			if (s->used)
				for (uint32_t i = 0; i < s->count; i++)
					h = mix(h, xvio_queue_slot(s, i), sizeof(struct mv_xvio_message_t));
		}
	}
	return h;
}

uint32_t xvio_queue_pages(void)
{
	uint32_t n = 0;

	for (uint8_t p = 1; p < XVIO_PARTS; p++)
		for (uint32_t id = 0; id < XVIO_SERVICES; id++)
			n += xvio_parts[p].svc[id].used;
	return n;
}
