/*
 * Internals of XVIO, shared by the hypercalls (api_xvio.c) and the state
 * they act on (xvio.c: partitions, services, messages, focus; xvio_ring.c:
 * ring buffers).  Everything here runs under the hypercall lock.
 */
#ifndef HV_XVIO_INT_H
#define HV_XVIO_INT_H

#include <microv/mv_abi.h>

#include <hv/types.h>
#include <hv/xvio.h>

#define XVIO_PARTS 4 /* 0 (any / the hypervisor) and 1-3 */
#define XVIO_SERVICES ((uint32_t)MV_XVIO_MAX_SERVICES)
#define XVIO_DEPTH ((uint32_t)MV_XVIO_QUEUE_DEPTH)

_Static_assert(MV_XVIO_QUEUE_DEPTH * sizeof(struct mv_xvio_message_t) <= HV_PAGE_SIZE,
	       "a service's queue fits one pool page");

/* The ring a service created (its pages are the creator's). */
struct xvio_ring {
	bool used;
	bool attached;          /* the peer mapped it (attach_ring) */
	uint8_t peer;           /* the peer partition */
	uint32_t send_pages;    /* creator -> peer direction, first */
	uint32_t recv_pages;    /* peer -> creator direction, after it */
	uint64_t gpa;           /* the creator's GPA of the first page */
	uint64_t peer_gpa;      /* attached: the peer's GPA of the first page */
	uint16_t peer_vmid;     /* attached: the VM the pages are mapped in */
};

struct xvio_service {
	bool used;
	uint8_t target;         /* who may send: 0 any, 1-3 */
	uint8_t vector;         /* wake-up interrupt, 0 none */
	uint8_t head, count;    /* the FIFO in `queue` */
	uint8_t peer_of;        /* attached to the ring of this partition's same ID, 0 none */
	uint64_t queue;         /* SPA of the pool page: XVIO_DEPTH mv_xvio_message_t */
	uint64_t seq;           /* messages queued since initialize */
	struct xvio_ring ring;  /* the ring this service created */
};

struct xvio_part {
	bool held;              /* 2/3: a guest VM holds it (1: always the root) */
	uint16_t vmid;
	struct xvio_service svc[MV_XVIO_MAX_SERVICES];
};

extern struct xvio_part xvio_parts[XVIO_PARTS];

/* The VM holding partition p (1-3), or NULL. */
struct hv_vm *xvio_holder(uint8_t p);

/* Service `id` of partition p (1-3), or NULL for an ID out of range. */
struct xvio_service *xvio_svc_of(uint8_t p, uint64_t id);
/* Free service `id` of partition p: its rings go (unmapped from the peer),
 * its queue and pending messages are dropped. */
void xvio_svc_cleanup(uint8_t p, uint32_t id);
/* The i-th queued message of service s (0 = the oldest). */
struct mv_xvio_message_t *xvio_queue_slot(const struct xvio_service *s, uint32_t i);
/* Queue a message (the caller checked there is room) and raise the
 * service's wake-up interrupt. */
void xvio_enqueue(uint8_t p, uint32_t id, uint16_t from, uint16_t code, const uint8_t *data,
		  uint16_t size);
/* Give the focus to partition `part` (2 or 3). */
void xvio_focus_set(uint8_t part);

/* Share `pages` pages of src at src_gpa into dst at dst_gpa, read/write
 * (the ring's MDL share): an mdl_map status. */
uint64_t xvio_ring_map(struct hv_vm *src, uint64_t src_gpa, struct hv_vm *dst, uint64_t dst_gpa,
		       uint64_t pages);

/* Take those pages out of dst again, page by page (a page whose mapping
 * the root already removed with unmap_mdl is skipped). */
void xvio_ring_unmap(struct hv_vm *src, uint64_t src_gpa, struct hv_vm *dst, uint64_t dst_gpa,
		     uint64_t pages);

#endif /* HV_XVIO_INT_H */
