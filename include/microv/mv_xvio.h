/*
 * include/microv/mv_xvio.h -- a client library for XVIO, the inter-partition
 * communication extension (opcode MV_XVIO_OP_VAL, docs/xvio.md), for guest
 * software: HostOS (the root VM), SystemOS and GameOS.
 *
 * Two layers, both header-only and freestanding (C11, no libc):
 *   mv_xvio_op_*   one inline wrapper per hypercall, generated from
 *                  abi/mv-abi.toml like all others (<microv/mv_wrappers.h>,
 *                  through mv_hypercall.h);
 *   Xvio*          the XVIO driver's API (xvio.sys as publicly documented):
 *                  XvioInitialize, XvioPostMessage, XvioReceiveMessage /
 *                  XvioPollMessage, XvioCreateRingBuffer /
 *                  XvioAttachRingBuffer / XvioReadRingBuffer /
 *                  XvioWriteRingBuffer (wrap-around), XvioCleanup,
 *                  XvioGetCurrentPartitionId, XvioSetFocus.
 *
 * Addresses: the hypercalls take guest-physical addresses.  The Xvio* layer
 * takes pointers and converts them with MV_XVIO_VA_TO_GPA(p); the default
 * is the identity (GVA == GPA, as in the probes).  Define it before
 * including this header for another mapping.  Buffers given to
 * XvioReceiveMessage must be page aligned (the hypercall writes a page's
 * first 256 bytes); ring pages must be physically contiguous.
 *
 * Include <microv/mv.h> first, or define the vendor as mv_hypercall.h says.
 */
#ifndef MICROV_MV_XVIO_H
#define MICROV_MV_XVIO_H

#include <microv/mv_abi.h>
#include <microv/mv_hypercall.h>

#ifndef MV_XVIO_VA_TO_GPA
#define MV_XVIO_VA_TO_GPA(p) ((uint64_t)(uintptr_t)(p))
#endif

/* ---- the XVIO driver's API ----------------------------------------------------- */

typedef uint64_t XVIO_PARTITION_ID; /* MV_XVIO_PARTITION_ANY, _HOSTOS, _SYSTEMOS, _GAMEOS */

/* Both directions of a ring, as this side sees them: it writes `tx` and
 * reads `rx` (each a struct mv_xvio_ring_t followed by its data). */
struct xvio_ring_ctx {
	volatile struct mv_xvio_ring_t *tx;
	volatile struct mv_xvio_ring_t *rx;
	uint64_t service;
	XVIO_PARTITION_ID peer;
};

static inline mv_status_t XvioGetCurrentPartitionId(struct mv_handle_t const *const h,
						    XVIO_PARTITION_ID *const id)
{
	return mv_xvio_op_get_partition(h, id);
}

/* `target`: the partition that may send to the service (0: any);
 * `vector`: the interrupt raised in this VM's first VPS when a message
 * arrives (32-255), 0 for none (poll). */
static inline mv_status_t XvioInitialize(struct mv_handle_t const *const h, uint64_t const service,
					 XVIO_PARTITION_ID const target, uint64_t const vector)
{
	return mv_xvio_op_initialize(h, service, target, vector);
}

static inline mv_status_t XvioCleanup(struct mv_handle_t const *const h, uint64_t const service)
{
	return mv_xvio_op_cleanup(h, service);
}

/* Asynchronous: the hypervisor copies the data before the call returns.
 * size <= MV_XVIO_MAX_DATA; data may be NULL when size is 0. */
static inline mv_status_t XvioPostMessage(struct mv_handle_t const *const h,
					  uint64_t const service, XVIO_PARTITION_ID const target,
					  uint16_t const code, uint16_t const size,
					  void const *const data)
{
	return mv_xvio_op_post_message(h, service, target, code, size,
				       size ? MV_XVIO_VA_TO_GPA(data) : 0);
}

/* The oldest message of the service into *msg (page aligned);
 * MV_STATUS_XVIO_NO_MESSAGE when none waits.  *left (may be NULL): how
 * many still wait. */
static inline mv_status_t XvioReceiveMessage(struct mv_handle_t const *const h,
					     uint64_t const service,
					     struct mv_xvio_message_t *const msg, uint64_t *const left)
{
	if (MV_NULL == msg || (MV_XVIO_VA_TO_GPA(msg) & 0xFFFu))
		return MV_STATUS_INVALID_PARAMS2;
	return mv_xvio_op_receive_message(h, service, MV_XVIO_VA_TO_GPA(msg), left);
}

/* XvioReceiveMessage up to `tries` times while the queue is empty, running
 * `idle` (may be NULL: a PAUSE) between tries. */
static inline mv_status_t XvioPollMessage(struct mv_handle_t const *const h,
					  uint64_t const service,
					  struct mv_xvio_message_t *const msg, uint64_t tries,
					  void (*idle)(void))
{
	mv_status_t st = MV_STATUS_XVIO_NO_MESSAGE;

	while (tries--) {
		st = XvioReceiveMessage(h, service, msg, MV_NULL);
		if (st != MV_STATUS_XVIO_NO_MESSAGE)
			break;
		if (idle)
			idle();
		else
			__asm__ volatile("pause" ::: "memory");
	}
	return st;
}

/* The creator's side: `pages` are send_pages + recv_pages contiguous pages
 * this VM owns; the hypervisor writes both headers.  ctx->tx is the send
 * direction (first), ctx->rx the receive direction. */
static inline mv_status_t XvioCreateRingBuffer(struct mv_handle_t const *const h,
					       uint64_t const service,
					       XVIO_PARTITION_ID const peer,
					       uint64_t const send_pages,
					       uint64_t const recv_pages, void *const pages,
					       struct xvio_ring_ctx *const ctx)
{
	if (MV_NULL == ctx)
		return MV_STATUS_INVALID_PARAMS0;
	mv_status_t st = mv_xvio_op_create_ring(h, service, peer, send_pages, recv_pages,
						MV_XVIO_VA_TO_GPA(pages));
	if (st == MV_STATUS_SUCCESS) {
		ctx->tx = (volatile struct mv_xvio_ring_t *)pages;
		ctx->rx = (volatile struct mv_xvio_ring_t *)((uint8_t *)pages + send_pages * 4096u);
		ctx->service = service;
		ctx->peer = peer;
	}
	return st;
}

/* The peer's side: the creator's pages are mapped at `at` (free GPAs of
 * this VM).  The creator's send direction is this side's rx. */
static inline mv_status_t XvioAttachRingBuffer(struct mv_handle_t const *const h,
					       uint64_t const service,
					       XVIO_PARTITION_ID const creator, void *const at,
					       struct xvio_ring_ctx *const ctx)
{
	uint64_t pages = 0;

	if (MV_NULL == ctx)
		return MV_STATUS_INVALID_PARAMS0;
	mv_status_t st = mv_xvio_op_attach_ring(h, service, creator, MV_XVIO_VA_TO_GPA(at), &pages);
	if (st == MV_STATUS_SUCCESS) {
		ctx->rx = (volatile struct mv_xvio_ring_t *)at;
		ctx->tx = (volatile struct mv_xvio_ring_t *)((uint8_t *)at + ctx->rx->size +
							     MV_XVIO_RING_HEADER_SIZE);
		ctx->service = service;
		ctx->peer = creator;
	}
	return st;
}

static inline void _xvio_barrier(void)
{
	__asm__ volatile("" ::: "memory"); /* x86: stores are not reordered with stores */
}

/* Writes up to `len` bytes into the direction `r` (wrap-around); returns
 * how many fitted (0 when full, or when the header is inconsistent). */
static inline uint64_t xvio_ring_write(volatile struct mv_xvio_ring_t *const r,
				       void const *const buf, uint64_t const len)
{
	uint64_t size = r->size, tail = r->tail, used = tail - r->head, n, pos;
	volatile uint8_t *data = (volatile uint8_t *)r + MV_XVIO_RING_HEADER_SIZE;
	uint8_t const *src = (uint8_t const *)buf;

	if (size == 0 || used > size)
		return 0;
	n = size - used < len ? size - used : len;
	pos = tail % size;
	for (uint64_t i = 0; i < n; i++) {
		data[pos] = src[i];
		if (++pos == size)
			pos = 0;
	}
	_xvio_barrier();
	r->tail = tail + n;
	return n;
}

/* Reads up to `len` bytes from the direction `r` (wrap-around); returns how
 * many there were. */
static inline uint64_t xvio_ring_read(volatile struct mv_xvio_ring_t *const r, void *const buf,
				      uint64_t const len)
{
	uint64_t size = r->size, head = r->head, avail = r->tail - head, n, pos;
	volatile uint8_t const *data = (volatile uint8_t const *)r + MV_XVIO_RING_HEADER_SIZE;
	uint8_t *dst = (uint8_t *)buf;

	if (size == 0 || avail > size)
		return 0;
	_xvio_barrier();
	n = avail < len ? avail : len;
	pos = head % size;
	for (uint64_t i = 0; i < n; i++) {
		dst[i] = data[pos];
		if (++pos == size)
			pos = 0;
	}
	_xvio_barrier();
	r->head = head + n;
	return n;
}

static inline uint64_t XvioWriteRingBuffer(struct xvio_ring_ctx const *const ctx,
					   void const *const buf, uint64_t const len)
{
	return xvio_ring_write(ctx->tx, buf, len);
}

static inline uint64_t XvioReadRingBuffer(struct xvio_ring_ctx const *const ctx, void *const buf,
					  uint64_t const len)
{
	return xvio_ring_read(ctx->rx, buf, len);
}

/* Asks for the focus to go to SystemOS or GameOS; from GameOS the answer is
 * MV_STATUS_INVALID_PERM_DENIED (access denied). */
static inline mv_status_t XvioSetFocus(struct mv_handle_t const *const h,
				       XVIO_PARTITION_ID const partition)
{
	return mv_xvio_op_set_focus(h, partition);
}

#endif /* MICROV_MV_XVIO_H */
