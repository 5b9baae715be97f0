/*
 * Helpers shared by the XVIO probes (xvio, xvioedge, xviobench,
 * xviowrappers): raw XVIO hypercalls from the root (HostOS) and from guest
 * agents (SystemOS, GameOS), status names for check items, the checks of a
 * refused call (status and registers).  Values from the generated expectations
 * (expect_abi.h through expect.h: EXP_HC_XVIO_*, EXP_STATUS_XVIO_*,
 * EXP_XVIO_*); the ring and message layout by hand in guest_abi.h.
 */
#ifndef PROBE_XVIO_H
#define PROBE_XVIO_H

#include "vmm.h"

#define XPAGE 0x1000ull

/* Check item names of the XVIO hypercalls, and the partitions by name. */
#define I_GET "mv_xvio_op_get_partition"
#define I_SETP "mv_xvio_op_set_partition"
#define I_INIT "mv_xvio_op_initialize"
#define I_CLEAN "mv_xvio_op_cleanup"
#define I_POST "mv_xvio_op_post_message"
#define I_RECV "mv_xvio_op_receive_message"
#define I_CREATE "mv_xvio_op_create_ring"
#define I_ATTACH "mv_xvio_op_attach_ring"
#define I_FOCUS "mv_xvio_op_set_focus"

#define HOST EXP_XVIO_PARTITION_HOSTOS
#define SYS EXP_XVIO_PARTITION_SYSTEMOS
#define GAME EXP_XVIO_PARTITION_GAMEOS
#define SVM_ EXP_XVIO_SERVICE_VM

/* Guest GPAs the XVIO probes use (below the agent's 1 GiB identity map). */
#define XG_SHARED   0x900000ull  /* a root page shared RW: receive buffer the root can read */
#define XG_OWN      0xA00000ull  /* donated pages: message data */
#define XG_RING     0xC00000ull  /* donated pages: ring buffers */
#define XG_STRICT   0xF00000ull  /* GameOS: a page SystemOS shares to it (no ZOMBIE) */
/* A root GPA that is not RAM on any backend (mvsim <= 3 GiB, QEMU 512 MiB):
 * where HostOS attaches rings (inside the probes' 4 GiB identity map). */
#define XR_RING     0xC0000000ull

static inline const char *xvio_status_name(uint64_t st)
{
#define X(name, value) if (st == (value)) return #name;
	EXP_STATUSES(X)
#undef X
	return "MV_STATUS_UNKNOWN_VALUE";
}

/* A guest's hypercall through the agent (G_HC): its RAX, or ~0 when the
 * run did not end in HLT. */
static inline uint64_t xg_hc(struct guest *g, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5, struct hc_regs *o)
{
	uint64_t reason;
	return vmm_guest_hc(g, rax, r0, r1, r2, r3, r4, r5, o, &reason);
}

/* Runs one agent command to its end (preemptions re-run); the exit reason,
 * ~0 when run_vp failed. */
static inline uint64_t xg_run(struct guest *g, uint64_t cmd, const uint64_t *args, unsigned n)
{
	uint64_t reason = ~0ull, arg = 0;
	return vmm_guest_run(g, cmd, args, n, &reason, &arg) == EXP_STATUS_SUCCESS ? reason : ~0ull;
}

/* The guest opens its handle (ERROR if it cannot). */
static inline uint64_t xg_open(struct guest *g, const char *what)
{
	struct hc_regs o;
	if (xg_hc(g, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o) != EXP_STATUS_SUCCESS)
		probe_error("%s: the guest cannot open a handle", what);
	return o.r[0];
}

/* Check items "<hypercall>,<status name>". */
static inline const char *xitems(const char *hc, uint64_t st)
{
	return rt_fmt("%s,%s", hc, xvio_status_name(st));
}

static inline bool xst(const char *id, const char *hc, uint64_t want, uint64_t got,
		       const char *desc)
{
	return check_eq(id, xitems(hc, want), want, got, "%s (got %s)", desc,
			xvio_status_name(got));
}

/* A refused call's checks: the status, and R10-R15 as they went in. */
static inline void xfail_check(const char *id, const char *hc, uint64_t want, uint64_t st,
			       const struct hc_regs *o, const uint64_t in[6], const char *desc)
{
	bool same = true;

	xst(id, hc, want, st, desc);
	for (int i = 0; i < 6; i++)
		same &= o->r[i] == in[i];
	check_tok(rt_fmt("%s-regs", id), xitems(hc, want), "unchanged", same ? "unchanged" : "changed",
		  same, "a failed call writes only RAX (%s)", desc);
}

/* A root call that must fail: the status, and R10-R15 unchanged. */
static inline void rfail(const char *id, const char *hc, uint64_t want, uint64_t rax,
			 uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			 uint64_t r5, const char *desc)
{
	struct hc_regs o;
	uint64_t in[6] = { r0, r1, r2, r3, r4, r5 }, st = hc_call(rax, HC_LOAD(&o, r0, r1, r2, r3, r4, r5));

	xfail_check(id, hc, want, st, &o, in, desc);
}

/* The same from a guest, through its agent. */
static inline void gfail(const char *id, struct guest *g, const char *hc, uint64_t want,
			 uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3,
			 uint64_t r4, uint64_t r5, const char *desc)
{
	struct hc_regs o;
	uint64_t in[6] = { r0, r1, r2, r3, r4, r5 }, st = xg_hc(g, rax, r0, r1, r2, r3, r4, r5, &o);

	xfail_check(id, hc, want, st, &o, in, desc);
}

/* 16-bit and 64-bit reads of root memory. */
static inline uint16_t xrd16(uint64_t gpa)
{
	return *(volatile uint16_t *)vmm_gpa_ptr(gpa);
}

static inline uint64_t xrd64(uint64_t gpa)
{
	return *(volatile uint64_t *)vmm_gpa_ptr(gpa);
}

/* The reader's side of a ring direction in root memory (header at `r`):
 * consumes what is there, a word at a time (guest_abi.h: the stream moves
 * in whole words), checks it against the pattern stream from byte *at on,
 * updates *sum (FNV-1a over the words) and *bad (mismatching words).
 * Returns the bytes consumed; 0 with a header or offsets that are not
 * whole words. */
static inline uint64_t xr_ring_read(uint64_t r, uint64_t seed, uint64_t *at, uint64_t *sum,
				    uint64_t *bad)
{
	volatile uint64_t *head = (volatile uint64_t *)vmm_gpa_ptr(r + XVIO_RING_OFF_HEAD);
	uint64_t tail = xrd64(r + XVIO_RING_OFF_TAIL), size = xrd64(r + XVIO_RING_OFF_SIZE);
	uint64_t h = *head, n = tail - h;
	const volatile uint64_t *data = (const volatile uint64_t *)vmm_gpa_ptr(r + XVIO_RING_HDR);

	if (size == 0 || n > size || ((size | h | n | *at) & 7))
		return 0;
	for (uint64_t i = 0; i < n; i += 8) {
		uint64_t w = data[((h + i) % size) >> 3];
		*bad += w != xvio_pattern_word((*at + i) >> 3, seed);
		*sum = xvio_fnv(*sum, w);
	}
	__asm__ volatile("" ::: "memory");
	*head = h + n;
	*at += n;
	return n;
}

#endif /* PROBE_XVIO_H */
