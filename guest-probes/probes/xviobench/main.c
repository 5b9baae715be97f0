/*
 * xviobench: an XVIO workload for scripts/bench, not a conformance check.
 * HostOS (this root probe) and SystemOS (a guest agent): `msgs=N` messages
 * of 64 bytes from SystemOS's service 1 to HostOS's service 1 (the guest
 * posts until the queue is full, HostOS drains it, again), then `bytes=B`
 * bytes through a ring of 16 + 1 pages from SystemOS to HostOS (B a
 * multiple of 8: the stream moves in whole words, guest_abi.h).
 * scripts/bench times runs with 0 and with large N and B and divides:
 * messages per second and ring bytes per second, whatever the backend.
 *
 * Its checks only guard that the work really happened (every message and
 * byte arrived, in order, with the right checksum); they name no ABI item.
 */
#include "xvio.h"

PROBE_TITLE("benchmark workload: XVIO messages and ring bytes between SystemOS and HostOS");

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static uint64_t arg_u64(const char *key)
{
	char buf[32];
	return mb_cmdline_get(key, buf, sizeof(buf)) ? parse_u64(buf) : 0;
}

void probe_main(void)
{
	struct guest g;
	struct hc_regs o;
	uint64_t n = arg_u64("msgs"), bytes = arg_u64("bytes"), root_buf, gh;
	uint64_t sent = 0, recvd = 0, bad = 0;

	if (bytes % 8)
		probe_error("bytes=%llu is not a multiple of 8", (unsigned long long)bytes);
	vmm_init(true);
	vmm_guest_new(&g, "systemos");
	gh = xg_open(&g, "systemos");
	root_buf = vmm_alloc(1);
	if (hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, g.vmid, EXP_XVIO_PARTITION_SYSTEMOS)) != EXP_STATUS_SUCCESS ||
	    hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, 1)) != EXP_STATUS_SUCCESS ||
	    xg_hc(&g, EXP_HC_XVIO_INITIALIZE, gh, 1, 0, 0, 0, 0, &o) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(g.vmid, vmm_alloc(18), XG_RING, 18 * XPAGE,
		      EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot set up XVIO between HostOS and SystemOS");

	/* messages: 64 bytes of data from the guest's page after the ring */
	while (sent < n) {
		uint64_t k = n - sent < EXP_XVIO_QUEUE_DEPTH ? n - sent : EXP_XVIO_QUEUE_DEPTH;
		uint64_t a[8] = { EXP_HC_XVIO_POST_MESSAGE, gh, 1, EXP_XVIO_PARTITION_HOSTOS,
				  sent & 0xFFFF, 64, XG_RING + 17 * XPAGE, k };
		xg_run(&g, G_XVIO_POST, a, 8);
		if (g.mb->res[0] == 0)
			break;
		sent += g.mb->res[0];
		while (hc_call(EXP_HC_XVIO_RECEIVE_MESSAGE, HC_LOAD(&o, vmm_handle, 1, root_buf)) ==
		       EXP_STATUS_SUCCESS) {
			bad += xrd16(root_buf + XVIO_MSG_OFF_CODE) != (recvd & 0xFFFF);
			recvd++;
		}
	}
	check_eq("messages", "none", n, recvd, "%llu messages SystemOS -> HostOS arrived",
		 (unsigned long long)n);
	check_eq("messages-order", "none", 0, bad, "in order");

	/* ring bytes */
	uint64_t produced = 0, got = 0, sum_g = XVIO_FNV_INIT, sum_r = XVIO_FNV_INIT, mism = 0;
	if (bytes) {
		if (xg_hc(&g, EXP_HC_XVIO_CREATE_RING, gh, 1, EXP_XVIO_PARTITION_HOSTOS, 16, 1,
			  XG_RING, &o) != EXP_STATUS_SUCCESS ||
		    hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, 1, EXP_XVIO_PARTITION_SYSTEMOS, XR_RING)) != EXP_STATUS_SUCCESS)
			probe_error("cannot set up the ring");
		while (produced < bytes) {
			uint64_t a[5] = { XG_RING, bytes, produced, 7, sum_g };
			xg_run(&g, G_XVIO_RING_WRITE, a, 5);
			if (g.mb->res[2] || g.mb->res[0] == 0)
				break;
			produced += g.mb->res[0];
			sum_g = g.mb->res[1];
			xr_ring_read(XR_RING, 7, &got, &sum_r, &mism);
		}
	}
	check_eq("ring-bytes", "none", bytes, got, "%llu bytes through the ring",
		 (unsigned long long)bytes);
	check_eq("ring-checksum", "none", sum_g, sum_r, "with the writer's checksum");
	check_eq("ring-content", "none", 0, mism, "every byte as written");
}
