/*
 * Internals of XVIO (xvio.c: partitions, services, messages, focus;
 * xvio_ring.c: ring buffers).  Everything here runs under hc_lock.
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

/* Destroy the ring service `id` of partition `creator` created: unmapped
 * from the peer (page by page, so a mapping the root already removed
 * with unmap_mdl is skipped), both services forget it. */
void xvio_ring_destroy(uint8_t creator, uint32_t id);

#endif /* HV_XVIO_INT_H */
