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
 * Every api_xvio_* validates everything, changes nothing on failure and
 * returns a struct hv_ret (hv/api.h).  Order of checks: (the handle,
 * hypercall.c) the caller holds a partition (INVALID_PERM_DENIED), then the
 * parameters in register order (INVALID_PARAMSn), then the XVIO state
 * statuses (MV_STATUS_XVIO_*).
 */
#ifndef HV_XVIO_H
#define HV_XVIO_H

#include <hv/api.h>
#include <hv/types.h>

struct hv_vm;

struct hv_ret api_xvio_get_partition(const struct hv_caller *c);
struct hv_ret api_xvio_set_partition(const struct hv_caller *c, uint64_t vmid, uint64_t part);
struct hv_ret api_xvio_initialize(const struct hv_caller *c, uint64_t id, uint64_t target,
				  uint64_t vector);
struct hv_ret api_xvio_cleanup(const struct hv_caller *c, uint64_t id);
struct hv_ret api_xvio_post_message(const struct hv_caller *c, uint64_t id, uint64_t part,
				    uint64_t code, uint64_t size, uint64_t gpa);
struct hv_ret api_xvio_receive_message(const struct hv_caller *c, uint64_t id, uint64_t gpa);
struct hv_ret api_xvio_create_ring(const struct hv_caller *c, uint64_t id, uint64_t peer,
				   uint64_t send_pages, uint64_t recv_pages, uint64_t gpa);
struct hv_ret api_xvio_attach_ring(const struct hv_caller *c, uint64_t id, uint64_t creator,
				   uint64_t gpa);
struct hv_ret api_xvio_set_focus(const struct hv_caller *c, uint64_t part);

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
