/*
 * XVIO (docs/xvio.md): partitions, services, messages, focus.  Rings:
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

#include <hv/arch.h>
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

static struct xvio_service *svc_of(uint8_t p, uint64_t id)
{
	if (p == 0 || p >= XVIO_PARTS || id >= XVIO_SERVICES)
		return NULL;
	return &xvio_parts[p].svc[id];
}

/* The caller's partition (INVALID_PERM_DENIED when it holds none) and, when
 * `id` is not NULL, its initialized service REG1 (INVALID_PARAMS1). */
static uint64_t caller_svc(const struct hv_caller *c, uint64_t id, uint8_t *p,
			   struct xvio_service **s)
{
	*p = xvio_partition_of(c->vm);
	if (*p == 0)
		return MV_STATUS_INVALID_PERM_DENIED;
	if (s) {
		*s = svc_of(*p, id);
		if (!*s || !(*s)->used)
			return MV_STATUS_INVALID_PARAMS1;
	}
	return MV_STATUS_SUCCESS;
}

static bool part_valid(uint64_t p)
{
	return p >= MV_XVIO_PARTITION_HOSTOS && p <= MV_XVIO_PARTITION_GAMEOS;
}

/* ---- partitions ------------------------------------------------------------ */

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

/* ---- services ---------------------------------------------------------------- */

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
	struct xvio_service *s = svc_of(p, id);
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

static void svc_cleanup(uint8_t p, uint32_t id)
{
	struct xvio_service *s = svc_of(p, id);

	HV_ASSERT(s && s->used);
	if (s->ring.used)
		xvio_ring_destroy(p, id);
	if (s->peer_of)
		xvio_ring_destroy(s->peer_of, id);
	HV_ASSERT(!s->ring.used && !s->peer_of);
	page_free(s->queue); /* pending messages are dropped with it */
	hv_memset(s, 0, sizeof(*s));
}

struct hv_ret api_xvio_cleanup(const struct hv_caller *c, uint64_t id)
{
	struct xvio_service *s;
	uint8_t p;
	uint64_t st = caller_svc(c, id, &p, &s);

	if (st)
		return hv_ret_status(st);
	svc_cleanup(p, (uint32_t)id);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

void xvio_vm_destroy(struct hv_vm *vm)
{
	uint8_t p = vm_is_root(vm) ? 0 : vm->partition;

	if (p == 0)
		return;
	for (uint32_t id = 0; id < XVIO_SERVICES; id++)
		if (xvio_parts[p].svc[id].used)
			svc_cleanup(p, id);
	xvio_parts[p].held = false;
	xvio_parts[p].vmid = 0;
	vm->partition = 0;
}

/* ---- messages ---------------------------------------------------------------- */

static struct mv_xvio_message_t *queue_slot(const struct xvio_service *s, uint32_t i)
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
		struct hv_pp *pp = pp_get(MV_BS_PPID);
		vps = pp ? pp->root_vps : NULL;
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
	arch_vps_inject(vps, &ev);
}

/* Queue a message (the caller checked there is room). */
static void enqueue(uint8_t p, uint32_t id, uint16_t from, uint16_t code, const uint8_t *data,
		    uint16_t size)
{
	struct xvio_service *s = svc_of(p, id);

	HV_ASSERT(s && s->used && s->count < XVIO_DEPTH && size <= MV_XVIO_MAX_DATA);
	struct mv_xvio_message_t *m = queue_slot(s, s->count);
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
	struct xvio_service *t = svc_of((uint8_t)part, id);
	if (!t->used)
		return hv_ret_status(MV_STATUS_XVIO_NOT_INITIALIZED);
	if (t->target != MV_XVIO_PARTITION_ANY && t->target != p)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED);
	if (t->count >= XVIO_DEPTH)
		return hv_ret_status(MV_STATUS_XVIO_QUEUE_FULL);
	enqueue((uint8_t)part, (uint32_t)id, p, (uint16_t)code, data, (uint16_t)size);
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
	if (mm_write(c->vm, gpa, queue_slot(s, 0), sizeof(struct mv_xvio_message_t)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2); /* not reached: translated above */
	hv_memset(queue_slot(s, 0), 0, sizeof(struct mv_xvio_message_t));
	s->head = (uint8_t)((s->head + 1) % XVIO_DEPTH);
	s->count--;
	return hv_ret_out1(MV_STATUS_SUCCESS, s->count);
}

/* ---- focus ------------------------------------------------------------------- */

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
	struct xvio_service *vmm = svc_of((uint8_t)MV_XVIO_PARTITION_HOSTOS, MV_XVIO_SERVICE_VM);
	if (vmm->used) {
		if (vmm->count >= XVIO_DEPTH)
			return hv_ret_status(MV_STATUS_XVIO_QUEUE_FULL);
		uint16_t d[3] = { p, (uint16_t)part, xvio_focus_part };
		enqueue((uint8_t)MV_XVIO_PARTITION_HOSTOS, (uint32_t)MV_XVIO_SERVICE_VM,
			(uint16_t)MV_XVIO_PARTITION_ANY, (uint16_t)MV_XVIO_CODE_FOCUS,
			(const uint8_t *)d, sizeof(d));
	}
	xvio_focus_part = (uint8_t)part;
	return hv_ret_status(MV_STATUS_SUCCESS);
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
					h = mix(h, queue_slot(s, i), sizeof(struct mv_xvio_message_t));
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
