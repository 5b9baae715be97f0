/*
 * XVIO: inter-partition communication between HostOS (1, the root VM),
 * SystemOS (2) and GameOS (3) -- a project extension of the ABI (opcode
 * MV_XVIO_OP_VAL, docs/xvio.md).
 *
 * Model: the root assigns SystemOS/GameOS to guest VMs (set_partition); a
 * partition is held by at most one VM and its identity is only ever the
 * hypervisor's record (every message carries the sender partition the
 * hypervisor knows).  Each partition has 32 services; a service has a
 * bounded FIFO of MV_XVIO_QUEUE_DEPTH messages (one pool page) and at most
 * one ring buffer (pages of the creator shared RW into the peer through the
 * MDL share path, mdl_ops.c).  Everything runs under hc_lock.
 *
 * The hypercalls are the api_xvio_* functions (hv/api.h, api_xvio.c); this
 * header is the XVIO state the rest of the core asks about.
 */
#ifndef HV_XVIO_H
#define HV_XVIO_H

#include <hv/types.h>

struct hv_vm;

/* The partition `vm` holds: 1 for the root, 2/3 for a guest the root
 * assigned, 0 for none. */
uint8_t xvio_partition_of(const struct hv_vm *vm);
/* The partition that has the focus (2 SystemOS at boot). */
uint8_t xvio_focus(void);

/*
 * A guest VM is being destroyed (api_vm_destroy, first call, after every
 * refusal): every service of its partition is cleaned up (pending messages
 * dropped, rings unmapped from both sides) and the partition is free again.
 */
void xvio_vm_destroy(struct hv_vm *vm);

/* Unit tests: a digest of all XVIO state (partitions, services, queues,
 * rings, focus); "nothing changed" is digest before == digest after. */
uint64_t xvio_digest(void);
/* Unit tests: pool pages the message queues use. */
uint32_t xvio_queue_pages(void);

#endif /* HV_XVIO_H */
