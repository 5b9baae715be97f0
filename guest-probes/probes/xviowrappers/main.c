/*
 * xviowrappers: include/microv/mv_xvio.h (the XVIO client library) against
 * the running hypervisor.  Like `wrappers`, this probe deliberately uses
 * the ABI's headers; its expectations still come from the oracle (EXP_,
 * the hand-written layout of guest_abi.h).  HostOS is this root probe
 * (through the library); SystemOS is a guest agent (raw hypercalls).
 *
 * Checked: XvioGetCurrentPartitionId, mv_xvio_op_set_partition,
 * XvioInitialize, XvioPostMessage / XvioReceiveMessage / XvioPollMessage,
 * XvioAttachRingBuffer, XvioReadRingBuffer (odd chunks over three laps of a
 * one-page ring: wrap-around), XvioWriteRingBuffer (read back through the
 * same direction), XvioSetFocus, XvioCleanup; the library's struct layouts
 * against the oracle.
 */
#include "xvio.h"

#include <microv/mv.h>
#include <microv/mv_xvio.h>

PROBE_TITLE("include/microv/mv_xvio.h: the XVIO client library vs. the oracle");

MV_HYPERCALL_DEFINE_VENDOR;

#define SVC 3

static struct mv_xvio_message_t msg __attribute__((aligned(4096)));
static uint8_t buf[4096], out[4096];

void probe_main(void)
{
	struct mv_handle_t h;
	struct guest g;
	struct hc_regs o;
	struct xvio_ring_ctx ctx = { 0 };
	uint64_t part = 0, st, gh, sys_shared;

	mv_hypercall_detect();
	vmm_init(true);
	h.hndl = vmm_handle;
	vmm_guest_new(&g, "systemos");
	gh = xg_open(&g, "systemos");
	sys_shared = vmm_alloc(1);
	if (vmm_map_range(g.vmid, sys_shared, XG_SHARED, XPAGE, EXP_GPA_RW) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(g.vmid, vmm_alloc(2), XG_RING, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE) !=
		    EXP_STATUS_SUCCESS)
		probe_error("cannot give SystemOS its pages");

	check_eq("layout-msg", "none", EXP_SIZEOF_MV_XVIO_MESSAGE_T, sizeof(struct mv_xvio_message_t),
		 "struct mv_xvio_message_t is the oracle's size");
	check_eq("layout-ring", "none", XVIO_RING_HDR, sizeof(struct mv_xvio_ring_t),
		 "struct mv_xvio_ring_t is the header the oracle describes");
	check_eq("layout-msg-data", "none", XVIO_MSG_OFF_DATA,
		 __builtin_offsetof(struct mv_xvio_message_t, data), "data at 0x18");

	st = XvioGetCurrentPartitionId(&h, &part);
	check_eq("get-partition", "mv_xvio_op_get_partition,MV_STATUS_SUCCESS", EXP_XVIO_PARTITION_HOSTOS,
		 st == EXP_STATUS_SUCCESS ? part : st, "XvioGetCurrentPartitionId: HostOS");
	st = mv_xvio_op_set_partition(&h, (uint16_t)g.vmid, MV_XVIO_PARTITION_SYSTEMOS);
	check_eq("set-partition", "mv_xvio_op_set_partition,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "mv_xvio_op_set_partition makes the guest SystemOS");
	st = XvioInitialize(&h, SVC, MV_XVIO_PARTITION_ANY, 0);
	check_eq("initialize", "mv_xvio_op_initialize,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioInitialize");
	st = XvioInitialize(&h, SVC, MV_XVIO_PARTITION_ANY, 0);
	check_eq("initialize-twice", "mv_xvio_op_initialize,MV_STATUS_XVIO_SERVICE_IN_USE",
		 EXP_STATUS_XVIO_SERVICE_IN_USE, st, "XvioInitialize of a service in use");
	xg_hc(&g, EXP_HC_XVIO_INITIALIZE, gh, SVC, 0, 0, 0, 0, &o);

	/* messages both ways */
	memcpy(buf, "xvio", 4);
	st = XvioPostMessage(&h, SVC, MV_XVIO_PARTITION_SYSTEMOS, 0x51, 4, buf);
	check_eq("post", "mv_xvio_op_post_message,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioPostMessage to SystemOS");
	st = xg_hc(&g, EXP_HC_XVIO_RECEIVE_MESSAGE, gh, SVC, XG_SHARED, 0, 0, 0, &o);
	check_eq("post-arrived", "mv_xvio_op_post_message", 0x0004005100030001ull,
		 st == EXP_STATUS_SUCCESS ? xrd64(sys_shared) : st,
		 "SystemOS got it: HostOS, service 3, code 0x51, 4 bytes");
	check_eq("post-data", "mv_xvio_op_post_message", 0x6F697678ull,
		 xrd64(sys_shared + XVIO_MSG_OFF_DATA), "'xvio'");
	st = XvioReceiveMessage(&h, SVC, &msg, MV_NULL);
	check_eq("receive-empty", "mv_xvio_op_receive_message,MV_STATUS_XVIO_NO_MESSAGE",
		 EXP_STATUS_XVIO_NO_MESSAGE, st, "XvioReceiveMessage on an empty queue");
	xg_hc(&g, EXP_HC_XVIO_POST_MESSAGE, gh, SVC, EXP_XVIO_PARTITION_HOSTOS, 0x52, 0, 0, &o);
	xg_hc(&g, EXP_HC_XVIO_POST_MESSAGE, gh, SVC, EXP_XVIO_PARTITION_HOSTOS, 0x53, 0, 0, &o);
	uint64_t left = 9;
	st = XvioReceiveMessage(&h, SVC, &msg, &left);
	check_eq("receive", "mv_xvio_op_receive_message,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioReceiveMessage");
	check_eq("receive-msg", "mv_xvio_op_receive_message",
		 (uint64_t)EXP_XVIO_PARTITION_SYSTEMOS << 32 | 0x52u << 16 | 1u,
		 (uint64_t)msg.partition << 32 | (uint64_t)msg.code << 16 | left,
		 "from SystemOS, code 0x52, one more waiting");
	st = XvioPollMessage(&h, SVC, &msg, 10, MV_NULL);
	check_eq("poll", "mv_xvio_op_receive_message,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 st == EXP_STATUS_SUCCESS && msg.code == 0x53 ? st : ~0ull, "XvioPollMessage gets 0x53");
	st = XvioPollMessage(&h, SVC, &msg, 3, MV_NULL);
	check_eq("poll-empty", "mv_xvio_op_receive_message,MV_STATUS_XVIO_NO_MESSAGE",
		 EXP_STATUS_XVIO_NO_MESSAGE, st, "XvioPollMessage gives up on an empty queue");

	/* the ring: SystemOS creates 1 + 1 pages, HostOS attaches with the library */
	st = xg_hc(&g, EXP_HC_XVIO_CREATE_RING, gh, SVC, EXP_XVIO_PARTITION_HOSTOS, 1, 1, XG_RING, &o);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("SystemOS cannot create the ring (0x%llx)", (unsigned long long)st);
	st = XvioAttachRingBuffer(&h, SVC, MV_XVIO_PARTITION_SYSTEMOS, vmm_gpa_ptr(XR_RING), &ctx);
	check_eq("attach", "mv_xvio_op_attach_ring,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioAttachRingBuffer");
	check_eq("attach-ctx", "mv_xvio_op_attach_ring", XR_RING + XPAGE,
		 (uint64_t)(uintptr_t)ctx.tx, "its tx is the creator's receive direction (page 2)");
	/* SystemOS writes 3 laps of the 4032-byte direction; HostOS reads with
	 * XvioReadRingBuffer in 1000-byte chunks */
	uint64_t total = 3 * (XPAGE - XVIO_RING_HDR), produced = 0, got = 0, bad = 0;
	uint64_t sum_g = XVIO_FNV_INIT;
	for (unsigned runs = 0; produced < total && runs < 100; runs++) {
		uint64_t a[5] = { XG_RING, total, produced, 9, sum_g };
		xg_run(&g, G_XVIO_RING_WRITE, a, 5);
		if (g.mb->res[0] == 0)
			break;
		produced += g.mb->res[0];
		sum_g = g.mb->res[1];
		uint64_t n;
		while ((n = XvioReadRingBuffer(&ctx, out, 1000)) != 0) {
			for (uint64_t i = 0; i < n; i++)
				bad += out[i] != xvio_pattern(got + i, 9);
			got += n;
		}
	}
	check_eq("ring-read", "mv_xvio_op_attach_ring", total, got,
		 "XvioReadRingBuffer read three laps (wrap-around)");
	check_eq("ring-read-bytes", "mv_xvio_op_attach_ring", 0, bad, "every byte in order");
	/* XvioWriteRingBuffer into tx, read back through the same direction */
	struct xvio_ring_ctx loop = { .tx = ctx.tx, .rx = ctx.tx };
	uint64_t wrote = 0, back = 0, wbad = 0;
	for (int lap = 0; lap < 9; lap++) {
		for (unsigned i = 0; i < 1500; i++)
			buf[i] = (uint8_t)(lap * 31 + i);
		uint64_t n = XvioWriteRingBuffer(&loop, buf, 1500), m = XvioReadRingBuffer(&loop, out, 1500);
		wrote += n;
		back += m;
		for (unsigned i = 0; i < m && i < n; i++)
			wbad += out[i] != buf[i];
	}
	check_eq("ring-write", "mv_xvio_op_attach_ring", 9 * 1500, wrote,
		 "XvioWriteRingBuffer wrote 9 x 1500 bytes through a 4032-byte direction");
	check_eq("ring-write-back", "mv_xvio_op_attach_ring", 9 * 1500, back,
		 "XvioReadRingBuffer got them all back (wrap-around on both sides)");
	check_eq("ring-write-bytes", "mv_xvio_op_attach_ring", 0, wbad, "and read them back");
	memset(buf, 0, sizeof(buf));
	check_eq("ring-full", "mv_xvio_op_attach_ring", XPAGE - XVIO_RING_HDR,
		 XvioWriteRingBuffer(&loop, buf, sizeof(buf)) + XvioWriteRingBuffer(&loop, buf, 1),
		 "a full direction takes no more");

	st = XvioSetFocus(&h, MV_XVIO_PARTITION_GAMEOS);
	check_eq("focus", "mv_xvio_op_set_focus,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioSetFocus from HostOS");
	st = XvioCleanup(&h, SVC);
	check_eq("cleanup", "mv_xvio_op_cleanup,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "XvioCleanup (the ring goes too)");
	st = XvioCleanup(&h, SVC);
	check_eq("cleanup-twice", "mv_xvio_op_cleanup,MV_STATUS_INVALID_PARAMS1",
		 EXP_STATUS_INVALID_PARAMS1, st, "XvioCleanup of a free service");
	st = vmm_guest_free(&g);
	check_eq("destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "SystemOS's VM goes");
}
