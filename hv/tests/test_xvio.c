/*
 * Unit tests of XVIO (hv/xvio.h, hv/core/xvio*.c, docs/xvio.md) on the fake
 * arch.  One process per test: `test_xvio NAME`; CTest lists them all.
 *
 * The root makes its calls through the full hypercall path (decode, handle,
 * dispatch); guests call the api_xvio_* functions with their own caller
 * (the handle check is hypercall.c's, tested with the root).  "Nothing
 * changed" is xvio_digest() (all XVIO state), the pool's free count and
 * the memory maps of the VMs involved, before == after.  evq_raise is
 * wrapped to record the wake-up interrupts queued for a VPS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microv/mv.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>
#include <hv/xvio.h>

#include "fake_arch.h"
#include "test_main.h"

/* ---- wake-up interrupts ---------------------------------------------------- */

void __real_evq_raise(struct hv_vps *vps, const struct hv_event *event);
void __wrap_evq_raise(struct hv_vps *vps, const struct hv_event *event);
static struct {
	uint16_t vpsid;
	uint8_t vector;
} injected[64];
static unsigned n_injected;

void __wrap_evq_raise(struct hv_vps *vps, const struct hv_event *event)
{
	if (n_injected < 64) {
		injected[n_injected].vpsid = vps->id;
		injected[n_injected].vector = event->vector;
	}
	n_injected++;
	__real_evq_raise(vps, event);
}

/* ---- the machine ------------------------------------------------------------ */

#define MDL_A 0x400000ull
#define MDL_B 0x401000ull
#define SRC 0x1000000ull    /* root pages given to guests */
#define RBUF 0x600000ull    /* root data / receive pages */
#define RRING 0x700000ull   /* root ring pages */
#define RATT 0x5000000ull   /* free root GPAs: 80 MiB, past the fake RAM */
#define GMEM 0x100000ull    /* guest GPAs of their donated pages */
#define GATT 0x800000ull    /* guest GPAs where rings get attached */

static struct hv_vps *root_vps;
static uint64_t handle;

struct guest {
	uint16_t vmid;
	struct hv_caller c;
};
static struct guest sys_g, game_g;

static uint64_t hc6(uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		    uint64_t r5, uint64_t *out0)
{
	uint64_t regs[6] = { r0, r1, r2, r3, r4, r5 };
	uint64_t st = fake_hypercall(root_vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	if (st != MV_STATUS_SUCCESS) { /* a failed call changes no register */
		EXPECT_EQ(regs[0], r0);
		EXPECT_EQ(regs[1], r1);
		EXPECT_EQ(regs[5], r5);
	}
	return st;
}

#define XV(idx) (MV_XVIO_OP_VAL | (idx))

static uint64_t state(void)
{
	uint64_t h = xvio_digest() ^ (page_free_count() << 40);
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		h = h * 31 + (vm ? vm->state * 7 + mm_page_count(vm) + vm->partition * 1000003ull : 0);
	}
	return h;
}

#define EXPECT_FAIL(call, status)                                              \
	do {                                                                   \
		uint64_t _d = state();                                         \
		unsigned _n = n_injected;                                      \
		EXPECT_EQ(call, status);                                       \
		EXPECT_EQ(state(), _d);                                        \
		EXPECT_EQ(n_injected, _n);                                     \
	} while (0)

/* Root pages [src, src + n pages) -> vmid's [dst, ...), donated or shared. */
static uint64_t give(uint16_t vmid, uint64_t src, uint64_t dst, uint64_t pages, uint64_t flags)
{
	fake_mdl1(MDL_A, src, pages * 0x1000);
	fake_mdl1(MDL_B, dst, pages * 0x1000);
	return hc6(MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, handle, 0, MDL_A, vmid, MDL_B, flags,
		   NULL);
}

#define RW (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS)

static void new_guest(struct guest *g, uint64_t part, uint64_t src)
{
	uint64_t id = 0;
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, handle, 0, 0, 0, 0, 0, &id),
		  MV_STATUS_SUCCESS);
	g->vmid = (uint16_t)id;
	struct hv_vp *vp = vp_alloc(g->vmid, NULL);
	struct hv_vps *vps = vp ? vps_alloc(vp->id, NULL) : NULL;
	if (!vps) {
		fprintf(stderr, "cannot create a guest\n");
		exit(1);
	}
	g->c.vm = vm_get(g->vmid);
	g->c.vp = vp;
	g->c.vps = vps;
	/* 16 pages of its own at GMEM (donated RW) */
	EXPECT_EQ(give(g->vmid, src, GMEM, 16, RW | MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	if (part)
		EXPECT_EQ(hc6(XV(MV_XVIO_OP_SET_PARTITION_IDX_VAL), handle, g->vmid, part, 0, 0, 0,
			      NULL),
			  MV_STATUS_SUCCESS);
}

static void boot(void)
{
	root_vps = fake_boot_default();
	EXPECT_EQ(hc6(MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, MV_SPEC_ID1_VAL, 0, 0, 0,
		      0, 0, &handle),
		  MV_STATUS_SUCCESS);
}

/* boot + SystemOS (sys_g) and GameOS (game_g) guests */
static void boot3(void)
{
	boot();
	new_guest(&sys_g, MV_XVIO_PARTITION_SYSTEMOS, SRC);
	new_guest(&game_g, MV_XVIO_PARTITION_GAMEOS, SRC + 0x10000);
}

/* Guest memory, through the core's map. */
static uint64_t g_rd64(const struct guest *g, uint64_t gpa)
{
	uint64_t v = 0;
	EXPECT_EQ(mm_read(g->c.vm, gpa, &v, 8), 0);
	return v;
}

static void g_wr(const struct guest *g, uint64_t gpa, const void *p, size_t n)
{
	EXPECT_EQ(mm_write(g->c.vm, gpa, p, n), 0);
}

/* ---- root calls ------------------------------------------------------------- */

static uint64_t r_init(uint64_t id, uint64_t target, uint64_t vector)
{
	return hc6(XV(MV_XVIO_OP_INITIALIZE_IDX_VAL), handle, id, target, vector, 0, 0, NULL);
}

static uint64_t r_post(uint64_t id, uint64_t part, uint64_t code, uint64_t size, uint64_t gpa)
{
	return hc6(XV(MV_XVIO_OP_POST_MESSAGE_IDX_VAL), handle, id, part, code, size, gpa, NULL);
}

static uint64_t r_recv(uint64_t id, uint64_t gpa, uint64_t *left)
{
	return hc6(XV(MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL), handle, id, gpa, 0, 0, 0, left);
}

static const struct mv_xvio_message_t *rmsg(uint64_t gpa)
{
	return (const struct mv_xvio_message_t *)(fake_mem + gpa);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_partitions(void)
{
	uint64_t p = 99;

	boot();
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_GET_PARTITION_IDX_VAL), handle, 0, 0, 0, 0, 0, &p),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(p, MV_XVIO_PARTITION_HOSTOS);
	EXPECT_EQ(xvio_focus(), MV_XVIO_PARTITION_SYSTEMOS);
	new_guest(&sys_g, 0, SRC);
	new_guest(&game_g, 0, SRC + 0x10000);
	EXPECT_EQ(api_xvio_get_partition(&sys_g.c).out[0], 0); /* none yet */
	/* a guest without a partition can do nothing but ask */
	EXPECT_FAIL(api_xvio_initialize(&sys_g.c, 1, 0, 0).status, MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_FAIL(api_xvio_set_focus(&sys_g.c, 3).status, MV_STATUS_INVALID_PERM_DENIED);
	/* set_partition: root only, REG1 a live guest VM, REG2 2|3 */
	EXPECT_FAIL(api_xvio_set_partition(&sys_g.c, sys_g.vmid, 2).status,
		    MV_STATUS_INVALID_PERM_EXT);
	uint64_t sp = XV(MV_XVIO_OP_SET_PARTITION_IDX_VAL);
	EXPECT_FAIL(hc6(sp, handle + 1, sys_g.vmid, 2, 0, 0, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_FAIL(hc6(sp, handle, 0, 2, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS1);   /* root */
	EXPECT_FAIL(hc6(sp, handle, 9, 2, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS1);   /* missing */
	EXPECT_FAIL(hc6(sp, handle, 0x10000 | sys_g.vmid, 2, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS1);
	for (uint64_t bad = 0; bad < 6; bad++)
		if (bad != 2 && bad != 3)
			EXPECT_FAIL(hc6(sp, handle, sys_g.vmid, bad, 0, 0, 0, NULL),
				    MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(hc6(sp, handle, sys_g.vmid, 2, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_get_partition(&sys_g.c).out[0], 2);
	/* one partition per VM, one VM per partition */
	EXPECT_FAIL(hc6(sp, handle, sys_g.vmid, 3, 0, 0, 0, NULL), MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_FAIL(hc6(sp, handle, game_g.vmid, 2, 0, 0, 0, NULL), MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(hc6(sp, handle, game_g.vmid, 3, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_get_partition(&game_g.c).out[0], 3);
}

/* The page pool run out: initialize is FAILURE_UNKNOWN (E-30) and sets up
 * nothing; with one page back it succeeds. */
static void test_initialize_pool_empty(void)
{
	uint64_t last = 0, pg;

	boot3();
	while ((pg = page_alloc()) != 0)
		last = pg;
	EXPECT_FAIL(api_xvio_initialize(&sys_g.c, 1, 0, 0).status, MV_STATUS_FAILURE_UNKNOWN);
	EXPECT_EQ(xvio_queue_pages(), 0);
	page_free(last);
	EXPECT_EQ(api_xvio_initialize(&sys_g.c, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(xvio_queue_pages(), 1);
}

static void test_initialize_cleanup(void)
{
	boot3();
	uint64_t free0 = page_free_count();
	const struct hv_caller *s = &sys_g.c;

	EXPECT_FAIL(api_xvio_initialize(s, 32, 0, 0).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(api_xvio_initialize(s, ~0ull, 0, 0).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(api_xvio_initialize(s, 1, 4, 0).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_initialize(s, 1, 0, 31).status, MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(api_xvio_initialize(s, 1, 0, 256).status, MV_STATUS_INVALID_PARAMS3);
	EXPECT_EQ(api_xvio_initialize(s, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(s, 31, 1, 255).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(xvio_queue_pages(), 2);
	EXPECT_EQ(page_free_count(), free0 - 2);
	EXPECT_FAIL(api_xvio_initialize(s, 1, 0, 0).status, MV_STATUS_XVIO_SERVICE_IN_USE);
	/* the same ID in another partition is another service */
	EXPECT_EQ(api_xvio_initialize(&game_g.c, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_init(1, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(r_init(1, 0, 0), MV_STATUS_XVIO_SERVICE_IN_USE);
	/* cleanup */
	EXPECT_FAIL(api_xvio_cleanup(s, 2).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(api_xvio_cleanup(s, 32).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_cleanup(s, 1).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_cleanup(s, 1).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_cleanup(s, 31).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_cleanup(&game_g.c, 1).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, 1, 0, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(xvio_queue_pages(), 0);
	/* initialize again after cleanup */
	EXPECT_EQ(api_xvio_initialize(s, 1, 0, 0).status, MV_STATUS_SUCCESS);
}

static void test_post_receive(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c, *gm = &game_g.c;
	uint8_t data[232];
	uint64_t left = 0;

	for (int i = 0; i < 232; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	g_wr(&sys_g, GMEM + 0x100, data, sizeof(data));
	EXPECT_EQ(r_init(0xF, MV_XVIO_PARTITION_SYSTEMOS, 0), MV_STATUS_SUCCESS);

	/* the sender's own service must be initialized: PARAMS1 */
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 1, 1, 0, 0).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(api_xvio_post_message(s, 32, 1, 1, 0, 0).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_initialize(s, 0xF, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 0, 1, 0, 0).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 4, 1, 0, 0).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 1, 0x10000, 0, 0).status, MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 1, 1, 233, GMEM).status, MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 1, 1, 8, 0x40000000).status,
		    MV_STATUS_INVALID_PARAMS5);
	/* data crossing into an unmapped page */
	EXPECT_FAIL(api_xvio_post_message(s, 0xF, 1, 1, 232, GMEM + 16 * 0x1000 - 100).status,
		    MV_STATUS_INVALID_PARAMS5);
	/* HostOS accepts only SystemOS on 0xF: GameOS is refused */
	EXPECT_EQ(api_xvio_initialize(gm, 0xF, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_post_message(gm, 0xF, 1, 1, 0, 0).status, MV_STATUS_INVALID_PERM_DENIED);
	/* target service not initialized */
	EXPECT_EQ(api_xvio_initialize(s, 3, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_post_message(s, 3, 1, 1, 0, 0).status, MV_STATUS_XVIO_NOT_INITIALIZED);

	/* receive: errors and the empty queue */
	EXPECT_FAIL(r_recv(0xE, RBUF, NULL), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(r_recv(0xF, RBUF + 8, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(r_recv(0xF, 0x40000000, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(r_recv(0xF, RBUF, NULL), MV_STATUS_XVIO_NO_MESSAGE);

	/* FIFO, content, zero fill, seq, the sender the hypervisor knows */
	EXPECT_EQ(api_xvio_post_message(s, 0xF, 1, 0x1234, 232, GMEM + 0x100).status,
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_post_message(s, 0xF, 1, 0x2, 3, GMEM + 0x100).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_post_message(s, 0xF, 1, 0x3, 0, 0xDEAD000).status, MV_STATUS_SUCCESS);
	memset(fake_mem + RBUF, 0xEE, 0x1000);
	EXPECT_EQ(r_recv(0xF, RBUF, &left), MV_STATUS_SUCCESS);
	EXPECT_EQ(left, 2);
	EXPECT_EQ(rmsg(RBUF)->partition, MV_XVIO_PARTITION_SYSTEMOS);
	EXPECT_EQ(rmsg(RBUF)->service, 0xF);
	EXPECT_EQ(rmsg(RBUF)->code, 0x1234);
	EXPECT_EQ(rmsg(RBUF)->size, 232);
	EXPECT_EQ(rmsg(RBUF)->seq, 1);
	EXPECT_EQ(rmsg(RBUF)->revz, 0);
	EXPECT_EQ(memcmp(rmsg(RBUF)->data, data, 232), 0);
	EXPECT_EQ(fake_mem[RBUF + 256], 0xEE); /* 256 bytes written, no more */
	EXPECT_EQ(r_recv(0xF, RBUF, &left), MV_STATUS_SUCCESS);
	EXPECT_EQ(left, 1);
	EXPECT_EQ(rmsg(RBUF)->code, 2);
	EXPECT_EQ(rmsg(RBUF)->seq, 2);
	EXPECT_EQ(rmsg(RBUF)->size, 3);
	EXPECT_EQ(memcmp(rmsg(RBUF)->data, data, 3), 0);
	EXPECT_EQ(rmsg(RBUF)->data[3], 0); /* bytes past size are 0 */
	EXPECT_EQ(rmsg(RBUF)->data[231], 0);
	EXPECT_EQ(r_recv(0xF, RBUF, &left), MV_STATUS_SUCCESS);
	EXPECT_EQ(left, 0);
	EXPECT_EQ(rmsg(RBUF)->code, 3);
	EXPECT_EQ(rmsg(RBUF)->size, 0);
	EXPECT_FAIL(r_recv(0xF, RBUF, NULL), MV_STATUS_XVIO_NO_MESSAGE);

	/* root -> SystemOS, received in a guest page; read-only page refused */
	memcpy(fake_mem + RBUF + 0x1000, "hello", 5);
	EXPECT_EQ(r_post(0xF, 2, 0x77, 5, RBUF + 0x1000), MV_STATUS_SUCCESS);
	EXPECT_EQ(give(sys_g.vmid, RBUF + 0x2000, 0x300000, 1, MV_GPA_FLAG_READ_ACCESS),
		  MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_receive_message(s, 0xF, 0x300000).status, MV_STATUS_INVALID_PARAMS2);
	struct hv_ret r = api_xvio_receive_message(s, 0xF, GMEM + 0x2000);
	EXPECT_EQ(r.status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r.out_mask, 1);
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x2000), 0x00050077000F0001ull); /* size 5, code 0x77, svc 0xF, part 1 */
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x2000 + 0x18) & 0xFFFFFFFFFFull, 0x6F6C6C6568ull);
	/* messages to oneself (another service of the same partition) are fine */
	EXPECT_EQ(api_xvio_post_message(s, 3, 2, 9, 0, 0).status, MV_STATUS_SUCCESS);
}

static void test_queue_full_order(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c, *gm = &game_g.c;
	uint64_t left;

	EXPECT_EQ(r_init(5, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(s, 5, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(gm, 5, 0, 0).status, MV_STATUS_SUCCESS);
	/* interleaved senders: one FIFO per service, each message its number */
	for (uint64_t i = 0; i < MV_XVIO_QUEUE_DEPTH; i++) {
		const struct hv_caller *from = (i % 3 == 0) ? gm : s;
		g_wr(from == s ? &sys_g : &game_g, GMEM, &i, 8);
		EXPECT_EQ(api_xvio_post_message(from, 5, 1, (uint16_t)i, 8, GMEM).status,
			  MV_STATUS_SUCCESS);
	}
	/* the 17th: QUEUE_FULL to the sender, nothing dropped or changed */
	EXPECT_FAIL(api_xvio_post_message(s, 5, 1, 99, 0, 0).status, MV_STATUS_XVIO_QUEUE_FULL);
	EXPECT_FAIL(api_xvio_post_message(gm, 5, 1, 99, 0, 0).status, MV_STATUS_XVIO_QUEUE_FULL);
	for (uint64_t i = 0; i < MV_XVIO_QUEUE_DEPTH; i++) {
		EXPECT_EQ(r_recv(5, RBUF, &left), MV_STATUS_SUCCESS);
		EXPECT_EQ(left, MV_XVIO_QUEUE_DEPTH - 1 - i + (i > 4)); /* + the one posted at 4 */
		EXPECT_EQ(rmsg(RBUF)->code, i);
		EXPECT_EQ(rmsg(RBUF)->seq, i + 1);
		EXPECT_EQ(rmsg(RBUF)->partition, i % 3 == 0 ? 3 : 2);
		uint64_t v;
		memcpy(&v, rmsg(RBUF)->data, 8);
		EXPECT_EQ(v, i);
		if (i == 4) /* room again: the queue wraps around its page */
			EXPECT_EQ(api_xvio_post_message(s, 5, 1, 100, 0, 0).status, MV_STATUS_SUCCESS);
	}
	EXPECT_EQ(r_recv(5, RBUF, &left), MV_STATUS_SUCCESS);
	EXPECT_EQ(rmsg(RBUF)->code, 100);
	EXPECT_EQ(rmsg(RBUF)->seq, MV_XVIO_QUEUE_DEPTH + 1);
	/* cleanup drops pending messages; a new service starts empty at seq 1 */
	EXPECT_EQ(api_xvio_post_message(s, 5, 1, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, 5, 0, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_post_message(s, 5, 1, 1, 0, 0).status, MV_STATUS_XVIO_NOT_INITIALIZED);
	EXPECT_EQ(r_init(5, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(r_recv(5, RBUF, NULL), MV_STATUS_XVIO_NO_MESSAGE);
	EXPECT_EQ(api_xvio_post_message(s, 5, 1, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_recv(5, RBUF, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(rmsg(RBUF)->seq, 1);
}

/* No register carries the sender: whatever a guest puts in REG0-REG5 and
 * RAX, the message says the partition the hypervisor assigned it. */
static void test_forged_sender(void)
{
	boot3();
	EXPECT_EQ(r_init(7, MV_XVIO_PARTITION_SYSTEMOS, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(&game_g.c, 7, 0, 0).status, MV_STATUS_SUCCESS);
	/* GameOS cannot pass as SystemOS: the filter sees partition 3 */
	for (uint64_t fake = 0; fake < 4; fake++)
		EXPECT_FAIL(api_xvio_post_message(&game_g.c, 7, 1, fake, 0, fake).status,
			    MV_STATUS_INVALID_PERM_DENIED);
	/* the root's record of a guest is what the message says */
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, 7, 0, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(r_init(7, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_post_message(&game_g.c, 7, 1, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_recv(7, RBUF, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(rmsg(RBUF)->partition, MV_XVIO_PARTITION_GAMEOS);
	/* the data is copied at the call: changing it afterwards changes nothing */
	uint64_t v = 0x1111, w = 0x2222;
	g_wr(&game_g, GMEM, &v, 8);
	EXPECT_EQ(api_xvio_post_message(&game_g.c, 7, 1, 1, 8, GMEM).status, MV_STATUS_SUCCESS);
	g_wr(&game_g, GMEM, &w, 8);
	EXPECT_EQ(r_recv(7, RBUF, NULL), MV_STATUS_SUCCESS);
	memcpy(&v, rmsg(RBUF)->data, 8);
	EXPECT_EQ(v, 0x1111);
}

static void test_interrupts(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c;

	EXPECT_EQ(api_xvio_initialize(s, 2, 0, 0x40).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_init(2, 0, 0x41), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(&game_g.c, 2, 0, 0).status, MV_STATUS_SUCCESS);
	n_injected = 0;
	EXPECT_EQ(r_post(2, 2, 1, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(n_injected, 1);
	EXPECT_EQ(injected[0].vpsid, s->vps->id); /* the guest's first VPS */
	EXPECT_EQ(injected[0].vector, 0x40);
	EXPECT_EQ(api_xvio_post_message(s, 2, 1, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(n_injected, 2);
	EXPECT_EQ(injected[1].vpsid, root_vps->id); /* the root's VPS on the BSP */
	EXPECT_EQ(injected[1].vector, 0x41);
	/* no vector: no interrupt */
	EXPECT_EQ(api_xvio_post_message(s, 2, 3, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(n_injected, 2);
	/* a refused message raises nothing (EXPECT_FAIL checks n_injected) */
	for (int i = 0; i < 15; i++)
		EXPECT_EQ(r_post(2, 2, 1, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(r_post(2, 2, 1, 0, 0), MV_STATUS_XVIO_QUEUE_FULL);
}

/* Wake-ups of two services with different vectors into the same VPS: both
 * stay pending (E-46), the higher vector is delivered first. */
static void test_two_vectors(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c;

	EXPECT_EQ(api_xvio_initialize(s, 2, 0, 0x40).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(s, 3, 0, 0x42).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_init(2, 0, 0), MV_STATUS_SUCCESS); /* the root's sending services */
	EXPECT_EQ(r_init(3, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(r_post(2, 2, 1, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(r_post(3, 2, 1, 0, 0), MV_STATUS_SUCCESS);
	const uint8_t want[2] = { 0x42, 0x40 };
	for (int i = 0; i < 2; i++) {
		fake_held_valid[s->vps->id] = false;
		evq_deliver(s->vps);
		EXPECT_TRUE(fake_held_valid[s->vps->id]);
		EXPECT_EQ(fake_held[s->vps->id].vector, want[i]);
	}
	EXPECT_TRUE(evq_empty(&s->vps->evq));
}

static void test_focus(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c;
	uint64_t sf = XV(MV_XVIO_OP_SET_FOCUS_IDX_VAL);

	/* GameOS is refused: access denied, whatever it asks */
	EXPECT_FAIL(api_xvio_set_focus(&game_g.c, 3).status, MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_FAIL(api_xvio_set_focus(&game_g.c, 2).status, MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_FAIL(api_xvio_set_focus(&game_g.c, 9).status, MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_FAIL(api_xvio_set_focus(s, 1).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(api_xvio_set_focus(s, 0).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(hc6(sf, handle, 4, 0, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS1);
	/* no VM manager service: recorded, no message */
	EXPECT_EQ(api_xvio_set_focus(s, 3).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(xvio_focus(), 3);
	/* the VM manager (HostOS 0xF, SystemOS only) hears of it from partition 0 */
	EXPECT_EQ(r_init(0xF, 2, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(sf, handle, 2, 0, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(xvio_focus(), 2);
	EXPECT_EQ(r_recv(0xF, RBUF, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(rmsg(RBUF)->partition, MV_XVIO_PARTITION_ANY);
	EXPECT_EQ(rmsg(RBUF)->service, 0xF);
	EXPECT_EQ(rmsg(RBUF)->code, MV_XVIO_CODE_FOCUS);
	EXPECT_EQ(rmsg(RBUF)->size, 6);
	const uint16_t *d = (const uint16_t *)rmsg(RBUF)->data;
	EXPECT_EQ(d[0], 1); /* asked by HostOS */
	EXPECT_EQ(d[1], 2); /* new */
	EXPECT_EQ(d[2], 3); /* previous */
	/* a full VM manager queue: QUEUE_FULL, focus unchanged */
	for (uint64_t i = 0; i < MV_XVIO_QUEUE_DEPTH; i++)
		EXPECT_EQ(api_xvio_set_focus(s, 2 + (i & 1)).status, MV_STATUS_SUCCESS);
	uint8_t f = xvio_focus();
	EXPECT_FAIL(api_xvio_set_focus(s, 5 - f).status, MV_STATUS_XVIO_QUEUE_FULL);
	EXPECT_EQ(xvio_focus(), f);
}

/* A guest partition that nobody holds: NO_PARTITION. */
static void test_no_partition(void)
{
	boot();
	new_guest(&sys_g, MV_XVIO_PARTITION_SYSTEMOS, SRC);
	EXPECT_EQ(r_init(1, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(&sys_g.c, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(r_post(1, 3, 1, 0, 0), MV_STATUS_XVIO_NO_PARTITION);
	EXPECT_FAIL(api_xvio_post_message(&sys_g.c, 1, 3, 1, 0, 0).status, MV_STATUS_XVIO_NO_PARTITION);
	EXPECT_FAIL(api_xvio_create_ring(&sys_g.c, 1, 3, 1, 1, GMEM).status,
		    MV_STATUS_XVIO_NO_PARTITION);
	EXPECT_FAIL(hc6(XV(MV_XVIO_OP_ATTACH_RING_IDX_VAL), handle, 1, 3, RATT, 0, 0, NULL),
		    MV_STATUS_XVIO_NO_PARTITION);
}

static bool peer_maps(uint16_t vmid, uint64_t gpa, uint64_t want_spa)
{
	uint64_t spa, flags;
	if (mm_lookup(vm_get(vmid), gpa, &spa, &flags))
		return false;
	EXPECT_EQ(spa, want_spa);
	EXPECT_EQ(flags & RW, RW);
	return true;
}

/* SystemOS creates a ring with HostOS; HostOS attaches it. */
static void test_ring_guest_to_root(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c;
	uint64_t cr = XV(MV_XVIO_OP_CREATE_RING_IDX_VAL), at = XV(MV_XVIO_OP_ATTACH_RING_IDX_VAL);
	uint64_t pages = 0, spa0, spa_last, fl;

	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 2, 2, GMEM).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_initialize(s, 4, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 0, 2, 2, GMEM).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 2, 2, 2, GMEM).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 4, 2, 2, GMEM).status, MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 0, 2, GMEM).status, MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 257, 2, GMEM).status, MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 2, 0, GMEM).status, MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 2, 257, GMEM).status, MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 2, 2, GMEM + 8).status, MV_STATUS_INVALID_PARAMS5);
	/* 16 pages owned: 17 are not */
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 9, 8, GMEM).status, MV_STATUS_INVALID_PARAMS5);
	/* a shared-in (borrowed) page is not the guest's own */
	EXPECT_EQ(give(sys_g.vmid, RBUF, 0x300000, 2, RW), MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 1, 1, 0x300000).status, MV_STATUS_INVALID_PARAMS5);
	EXPECT_EQ(api_xvio_create_ring(s, 4, 1, 3, 2, GMEM + 0x1000).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_create_ring(s, 4, 1, 3, 2, GMEM + 0x1000).status,
		    MV_STATUS_XVIO_SERVICE_IN_USE);
	/* the headers */
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x1000 + 0x10), 3 * 0x1000 - 64);
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x1000 + 0x18), 0x0000000100020004ull);
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x4000 + 0x10), 2 * 0x1000 - 64);
	EXPECT_EQ(g_rd64(&sys_g, GMEM + 0x4000 + 0x18), 0x0000000200010004ull);

	/* attach from HostOS */
	EXPECT_FAIL(hc6(at, handle, 4, 2, RATT, 0, 0, NULL), MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(r_init(4, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(hc6(at, handle, 4, 1, RATT, 0, 0, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(hc6(at, handle, 4, 0, RATT, 0, 0, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(hc6(at, handle, 4, 2, RATT + 4, 0, 0, NULL), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(hc6(at, handle, 4, 2, RBUF, 0, 0, NULL), MV_STATUS_INVALID_PARAMS3); /* root RAM */
	EXPECT_FAIL(hc6(at, handle, 4, 3, RATT, 0, 0, NULL), MV_STATUS_XVIO_NOT_INITIALIZED);
	EXPECT_EQ(r_init(6, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(hc6(at, handle, 6, 2, RATT, 0, 0, NULL), MV_STATUS_XVIO_NOT_INITIALIZED);
	EXPECT_FAIL(api_xvio_attach_ring(&game_g.c, 4, 2, GATT).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_initialize(&game_g.c, 4, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_attach_ring(&game_g.c, 4, 2, GATT).status,
		    MV_STATUS_XVIO_NOT_INITIALIZED); /* the ring is HostOS's */
	EXPECT_EQ(hc6(at, handle, 4, 2, RATT, 0, 0, &pages), MV_STATUS_SUCCESS);
	EXPECT_EQ(pages, 5);
	EXPECT_FAIL(hc6(at, handle, 4, 2, RATT + 0x10000, 0, 0, NULL), MV_STATUS_XVIO_SERVICE_IN_USE);
	/* a service with a ring cannot create another */
	EXPECT_FAIL(hc6(cr, handle, 4, 3, 1, 1, RRING, NULL), MV_STATUS_XVIO_SERVICE_IN_USE);
	/* the same system pages on both sides, RW */
	EXPECT_EQ(mm_lookup(sys_g.c.vm, GMEM + 0x1000, &spa0, &fl), 0);
	EXPECT_EQ(mm_lookup(sys_g.c.vm, GMEM + 0x5000, &spa_last, &fl), 0);
	EXPECT_TRUE(peer_maps(0, RATT, spa0));
	EXPECT_TRUE(peer_maps(0, RATT + 0x4000, spa_last));
	EXPECT_TRUE(!peer_maps(0, RATT + 0x5000, 0));
	uint64_t v = 0xC0FFEE;
	g_wr(&sys_g, GMEM + 0x1000 + 64, &v, 8);
	EXPECT_EQ(mm_read(vm_get(0), RATT + 64, &v, 8), 0);
	EXPECT_EQ(v, 0xC0FFEE);
	/* the root cannot take the ring pages back while HostOS has them mapped */
	fake_mdl1(MDL_A, SRC + 0x1000, 0x1000);
	fake_mdl1(MDL_B, GMEM + 0x1000, 0x1000);
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_UNMAP_MDL_IDX_VAL, handle, 0, MDL_A, sys_g.vmid, MDL_B,
		      0, NULL),
		  MV_STATUS_INVALID_PARAMS4);
	/* cleanup on the creator's side: unmapped from the peer, both forget it */
	uint32_t q0 = xvio_queue_pages();
	EXPECT_EQ(api_xvio_cleanup(s, 4).status, MV_STATUS_SUCCESS);
	EXPECT_TRUE(!peer_maps(0, RATT, 0));
	EXPECT_TRUE(!peer_maps(0, RATT + 0x4000, 0));
	EXPECT_EQ(xvio_queue_pages(), q0 - 1); /* its queue page went back */
	EXPECT_EQ(hc6(cr, handle, 4, 3, 1, 1, RRING, NULL), MV_STATUS_SUCCESS); /* free again */
	/* the guest's pages can be taken back now */
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_UNMAP_MDL_IDX_VAL, handle, 0, MDL_A, sys_g.vmid, MDL_B,
		      0, NULL),
		  MV_STATUS_SUCCESS);
}

/* HostOS creates a ring with GameOS (root pages), GameOS attaches; the
 * peer's cleanup and then the peer VM's destruction. */
static void test_ring_root_to_guest(void)
{
	boot3();
	const struct hv_caller *gm = &game_g.c;
	uint64_t cr = XV(MV_XVIO_OP_CREATE_RING_IDX_VAL);

	EXPECT_EQ(r_init(9, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(hc6(cr, handle, 9, 3, 1, 1, RRING + 1, NULL), MV_STATUS_INVALID_PARAMS5);
	EXPECT_EQ(hc6(cr, handle, 9, 3, 1, 1, RRING, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(*(uint64_t *)(fake_mem + RRING + 0x10), 0x1000 - 64);
	EXPECT_EQ(*(uint64_t *)(fake_mem + RRING + 0x18), 0x0000000300010009ull);
	EXPECT_EQ(api_xvio_initialize(gm, 9, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_attach_ring(gm, 9, 1, GMEM).status, MV_STATUS_INVALID_PARAMS3); /* in use */
	EXPECT_FAIL(api_xvio_attach_ring(&sys_g.c, 9, 1, GATT).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_initialize(&sys_g.c, 9, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_attach_ring(&sys_g.c, 9, 1, GATT).status, MV_STATUS_XVIO_NOT_INITIALIZED);
	/* GameOS's service 9 with a ring of its own cannot attach HostOS's there */
	EXPECT_EQ(api_xvio_create_ring(gm, 9, 1, 1, 1, GMEM + 0x4000).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_attach_ring(gm, 9, 1, GATT).status, MV_STATUS_XVIO_SERVICE_IN_USE);
	EXPECT_EQ(api_xvio_cleanup(gm, 9).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(gm, 9, 0, 0).status, MV_STATUS_SUCCESS);
	/* a target partition up to GameOS, the highest */
	EXPECT_EQ(api_xvio_initialize(&sys_g.c, 10, MV_XVIO_PARTITION_GAMEOS, 0).status,
		  MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_initialize(&sys_g.c, 11, MV_XVIO_PARTITION_GAMEOS + 1, 0).status,
		    MV_STATUS_INVALID_PARAMS2);
	/* the ring's 2 pages from the GPA space's last page: the second is past it */
	EXPECT_FAIL(api_xvio_attach_ring(gm, 9, 1, MM_GPA_LIMIT - 0x1000).status,
		    MV_STATUS_INVALID_PARAMS3);
	struct hv_ret r = api_xvio_attach_ring(gm, 9, 1, GATT);
	EXPECT_EQ(r.status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r.out[0], 2);
	EXPECT_TRUE(peer_maps(game_g.vmid, GATT, RRING));
	EXPECT_TRUE(peer_maps(game_g.vmid, GATT + 0x1000, RRING + 0x1000));
	EXPECT_EQ(g_rd64(&game_g, GATT + 0x1018), 0x0000000100030009ull);
	/* the peer cleans up: its mapping goes, HostOS's service loses the ring */
	EXPECT_EQ(api_xvio_cleanup(gm, 9).status, MV_STATUS_SUCCESS);
	EXPECT_TRUE(!peer_maps(game_g.vmid, GATT, 0));
	EXPECT_EQ(hc6(cr, handle, 9, 3, 1, 1, RRING, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(gm, 9, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_attach_ring(gm, 9, 1, GATT).status, MV_STATUS_SUCCESS);
	EXPECT_TRUE(peer_maps(game_g.vmid, GATT, RRING));
}

/* Guest to guest: SystemOS's pages into GameOS; then destroying SystemOS
 * (the creator) while attached, and destroying a peer. */
static void test_destroy(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c, *gm = &game_g.c;
	uint64_t free_boot = page_free_count();
	uint16_t sys_vmid = sys_g.vmid;

	EXPECT_EQ(api_xvio_initialize(s, 1, 0, 0x30).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(s, 2, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(gm, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_initialize(gm, 2, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(r_init(2, 0, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_create_ring(s, 1, 3, 2, 2, GMEM).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_attach_ring(gm, 1, 2, GATT).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CREATE_RING_IDX_VAL), handle, 2, 2, 1, 1, RRING, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_attach_ring(s, 2, 1, GATT).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_post_message(gm, 1, 2, 1, 0, 0).status, MV_STATUS_SUCCESS);
	uint64_t spa;
	EXPECT_EQ(mm_lookup(s->vm, GMEM, &spa, &(uint64_t){ 0 }), 0);
	EXPECT_TRUE(peer_maps(game_g.vmid, GATT, spa));
	EXPECT_TRUE(peer_maps(sys_vmid, GATT, RRING));

	/* refused while it has VPs: nothing of XVIO changes */
	EXPECT_FAIL(hc6(MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, sys_vmid, 0, 0, 0, 0, NULL),
		    MV_STATUS_INVALID_PERM_DENIED);
	vps_free(s->vps);
	vp_free(s->vp);
	/* refused for a strict share (mm): nothing of XVIO changes either */
	fake_mdl1(MDL_A, GMEM + 0xF000, 0x1000);
	fake_mdl1(MDL_B, 0xA00000, 0x1000);
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, handle, sys_vmid, MDL_A, game_g.vmid,
		      MDL_B, MV_GPA_FLAG_READ_ACCESS, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_FAIL(hc6(MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, sys_vmid, 0, 0, 0, 0, NULL),
		    MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_UNMAP_MDL_IDX_VAL, handle, sys_vmid, MDL_A, game_g.vmid,
		      MDL_B, 0, NULL),
		  MV_STATUS_SUCCESS);
	/* destroyed: partition free, services and queues gone, rings unmapped
	 * from both sides (GameOS's view of SystemOS's pages, SystemOS's view of
	 * HostOS's) */
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, sys_vmid, 0, 0, 0, 0, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_TRUE(vm_get(sys_vmid) == NULL || vm_get(sys_vmid)->state == HV_VM_FREE);
	EXPECT_TRUE(!peer_maps(game_g.vmid, GATT, 0));
	EXPECT_FAIL(api_xvio_post_message(gm, 1, 2, 1, 0, 0).status, MV_STATUS_XVIO_NO_PARTITION);
	EXPECT_FAIL(r_post(2, 2, 1, 0, 0), MV_STATUS_XVIO_NO_PARTITION);
	/* GameOS's service 1 lost its ring; HostOS's service 2 too */
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CREATE_RING_IDX_VAL), handle, 2, 3, 1, 1, RRING, NULL),
		  MV_STATUS_SUCCESS);
	/* the partition can be held again, with no service in it */
	new_guest(&sys_g, MV_XVIO_PARTITION_SYSTEMOS, SRC + 0x20000);
	EXPECT_FAIL(api_xvio_cleanup(&sys_g.c, 1).status, MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(api_xvio_initialize(&sys_g.c, 1, 0, 0).status, MV_STATUS_SUCCESS);
	EXPECT_FAIL(api_xvio_receive_message(&sys_g.c, 1, GMEM).status, MV_STATUS_XVIO_NO_MESSAGE);

	/* destroying the peer (GameOS, attached to HostOS's ring 2) */
	EXPECT_EQ(api_xvio_initialize(gm, 2, 0, 0).status, MV_STATUS_XVIO_SERVICE_IN_USE);
	EXPECT_EQ(api_xvio_attach_ring(gm, 2, 1, GATT + 0x10000).status, MV_STATUS_SUCCESS);
	EXPECT_TRUE(peer_maps(game_g.vmid, GATT + 0x10000, RRING));
	vps_free(gm->vps);
	vp_free(gm->vp);
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, 6, 0, 0, 0, 0, NULL),
		  MV_STATUS_INVALID_PARAMS1);
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, game_g.vmid, 0, 0, 0, 0,
		      NULL),
		  MV_STATUS_SUCCESS);
	/* HostOS's service 2 has no ring any more: it can create one again */
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CREATE_RING_IDX_VAL), handle, 2, 2, 1, 1, RRING, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, 2, 0, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(api_xvio_cleanup(&sys_g.c, 1).status, MV_STATUS_SUCCESS);
	EXPECT_EQ(xvio_queue_pages(), 0);
	(void)free_boot;
}

/* A destroyed VM's partition does not pass to the next VM created in its
 * slot: that VM holds no partition until one is set for it. */
static void test_destroy_partition_reset(void)
{
	boot3();
	uint16_t sys_vmid = sys_g.vmid;
	struct guest next;

	EXPECT_EQ(xvio_partition_of(sys_g.c.vm), MV_XVIO_PARTITION_SYSTEMOS);
	vps_free(sys_g.c.vps);
	vp_free(sys_g.c.vp);
	EXPECT_EQ(hc6(MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, sys_vmid, 0, 0, 0, 0, NULL),
		  MV_STATUS_SUCCESS);
	new_guest(&next, 0, SRC + 0x20000);
	EXPECT_EQ(next.vmid, sys_vmid); /* the lowest free VMID: the same slot */
	EXPECT_EQ(xvio_partition_of(next.c.vm), 0);
	/* a caller that holds no partition: refused (docs/xvio.md) */
	EXPECT_EQ(api_xvio_initialize(&next.c, 1, 0, 0).status, MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(api_xvio_post_message(&next.c, 1, MV_XVIO_PARTITION_GAMEOS, 1, 0, 0).status,
		  MV_STATUS_INVALID_PERM_DENIED);
}

/* Every XVIO call through the full path: a wrong handle is reported
 * first; an index past the last XVIO call is unsupported. */
static void test_dispatch(void)
{
	boot3();
	static const uint64_t idx[] = {
		MV_XVIO_OP_GET_PARTITION_IDX_VAL, MV_XVIO_OP_SET_PARTITION_IDX_VAL,
		MV_XVIO_OP_INITIALIZE_IDX_VAL, MV_XVIO_OP_CLEANUP_IDX_VAL,
		MV_XVIO_OP_POST_MESSAGE_IDX_VAL, MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL,
		MV_XVIO_OP_CREATE_RING_IDX_VAL, MV_XVIO_OP_ATTACH_RING_IDX_VAL,
		MV_XVIO_OP_SET_FOCUS_IDX_VAL,
	};
	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		EXPECT_FAIL(hc6(XV(idx[i]), handle ^ 0x100, 1, 2, 3, 4, 5, NULL),
			    MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_FAIL(hc6(XV(9), handle, 1, 2, 3, 4, 5, NULL), MV_STATUS_FAILURE_UNSUPPORTED);
	/* (guests: api level here; the probes call through their own VMCALLs) */
}

/* Many cycles of everything: the pool and the maps come back. */
static void test_leak(void)
{
	boot3();
	const struct hv_caller *s = &sys_g.c;
	uint64_t d0 = state();

	for (int i = 0; i < 500; i++) {
		EXPECT_EQ(api_xvio_initialize(s, i % 32, 0, 0x20 + (i & 0x1F)).status, MV_STATUS_SUCCESS);
		EXPECT_EQ(r_init(i % 32, 0, 0), MV_STATUS_SUCCESS);
		EXPECT_EQ(api_xvio_create_ring(s, i % 32, 1, 1 + i % 3, 1, GMEM).status,
			  MV_STATUS_SUCCESS);
		EXPECT_EQ(hc6(XV(MV_XVIO_OP_ATTACH_RING_IDX_VAL), handle, i % 32, 2, RATT, 0, 0, NULL),
			  MV_STATUS_SUCCESS);
		EXPECT_EQ(r_post(i % 32, 2, 1, 8, RBUF), MV_STATUS_SUCCESS);
		EXPECT_EQ(hc6(XV(MV_XVIO_OP_CLEANUP_IDX_VAL), handle, i % 32, 0, 0, 0, 0, NULL),
			  MV_STATUS_SUCCESS);
		EXPECT_EQ(api_xvio_cleanup(s, i % 32).status, MV_STATUS_SUCCESS);
	}
	EXPECT_EQ(state(), d0);
}

static const struct test_case tests[] = {
	{ "partitions", test_partitions },
	{ "initialize_cleanup", test_initialize_cleanup },
	{ "initialize_pool_empty", test_initialize_pool_empty },
	{ "post_receive", test_post_receive },
	{ "queue_full_order", test_queue_full_order },
	{ "forged_sender", test_forged_sender },
	{ "interrupts", test_interrupts },
	{ "two_vectors", test_two_vectors },
	{ "focus", test_focus },
	{ "no_partition", test_no_partition },
	{ "ring_guest_to_root", test_ring_guest_to_root },
	{ "ring_root_to_guest", test_ring_root_to_guest },
	{ "destroy", test_destroy },
	{ "destroy_partition_reset", test_destroy_partition_reset },
	{ "dispatch", test_dispatch },
	{ "leak", test_leak },
};

TEST_MAIN("test_xvio", tests)
