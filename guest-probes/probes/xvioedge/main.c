/*
 * xvioedge: the XVIO edges the xvio probe does not reach, each with its
 * exact documented outcome (docs/xvio.md, E-46, E-76).  The root is HostOS,
 * one guest agent (module guest-agent.elf) SystemOS.
 *
 *   - receive_message into a GPA at or above 2^47 (and one whose bits 46:0
 *     name the root's buffer) is PARAMS2; nothing is consumed or written;
 *   - set_focus when the VM manager's queue has one slot left succeeds (its
 *     message takes the slot); when the queue is full it is QUEUE_FULL and
 *     the focus stays where it was;
 *   - create_ring on pages the creator owns read-only (donated without
 *     WRITE) is PARAMS5, all of them or only the second direction's, and
 *     the first page keeps its content;
 *   - attach_ring to a ring whose pages the root took back from the
 *     creator is PERM_DENIED;
 *   - a ring may end exactly at 2^47; one page more, a ring at 2^47, and
 *     one whose GPA's bits 46:0 name pages the caller owns are PARAMS5;
 *   - a wake-up for a VM that has no VPS only queues the message, and a
 *     wake-up pending for a VPS that is destroyed dies with it: the VPS that
 *     gets its VPSID next takes no interrupt (the next wake-up reaches it);
 *   - set_focus from a guest without a partition is PERM_DENIED;
 *   - create_ring's parameters at their edges: service 32 (the next
 *     partition's memory would answer), 0 receive pages, peer 4 are refused;
 *     peer 3 (GameOS) is valid even while nobody holds it; attach_ring
 *     names creators 1-3 (HostOS too), and a service that has a ring of its
 *     own cannot attach another, nor one attached to another partition's
 *     ring (GameOS, a second guest agent); the other calls name services
 *     0-31.
 *
 * Oracle: EXP_ values of the generated expect_abi.h; the message layout by
 * hand (guest_abi.h), checked against the generated offsets by xvio.
 */
#include "xvio.h"

PROBE_TITLE("XVIO edges: GPA limit, a full VM manager queue, read-only ring pages, "
	    "wake-ups without or across VPSs");

#define SVC_RO 0x10   /* SystemOS: rings on read-only pages */
#define SVC_GONE 0x11 /* SystemOS: a ring whose pages the root takes back */
#define SVC_TOP 0x12  /* both: rings at the top of the GPA space */
#define SVC_ARGS 0x13 /* HostOS: create_ring's parameters at their edges */
#define VEC_SYS 0x40
#define GPA_LIMIT (1ull << 47)
#define PATTERN 0x5EED5EED5EED5EEDull

#define G_RO (XG_RING)                /* 2 pages donated read-only */
#define G_MIXED (XG_RING + 0x10000)   /* a page donated RW, then one read-only */
#define G_GONE (XG_RING + 0x20000)    /* 2 pages donated RW, taken back later */
#define G_TOP (GPA_LIMIT - 2 * XPAGE) /* the last 2 pages below 2^47, donated RW */

static struct guest sys, game;
static uint64_t sys_h, game_h, root_buf, sys_shared;

static uint64_t r_recv(uint64_t gpa, uint64_t *left)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_XVIO_RECEIVE_MESSAGE, HC_LOAD(&o, vmm_handle, SVM_, gpa));
	if (left)
		*left = o.r[0];
	return st;
}

static uint64_t r_post(uint64_t part, uint64_t svc, uint64_t code)
{
	struct hc_regs o;
	return hc_call(EXP_HC_XVIO_POST_MESSAGE, HC_LOAD(&o, vmm_handle, svc, part, code, 0, 0));
}

static void setup(void)
{
	struct hc_regs o;

	vmm_init(true);
	vmm_guest_new(&sys, "systemos");
	sys_h = xg_open(&sys, "systemos");
	root_buf = vmm_alloc(1);
	sys_shared = vmm_alloc(1);
	if (vmm_map_range(sys.vmid, sys_shared, XG_SHARED, XPAGE, EXP_GPA_RW) != EXP_STATUS_SUCCESS)
		probe_error("cannot share SystemOS's receive page");
	/* Before it holds a partition (the focus it would move is checked in
	 * focus_full: still SystemOS). */
	gfail("unassigned-focus", &sys, I_FOCUS, EXP_STATUS_INVALID_PERM_DENIED,
	      EXP_HC_XVIO_SET_FOCUS, sys_h, GAME, 0, 0, 0, 0,
	      "a guest without a partition cannot move the focus");
	if (hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, sys.vmid, SYS)) !=
		    EXP_STATUS_SUCCESS ||
	    hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVM_, 0, 0)) !=
		    EXP_STATUS_SUCCESS)
		probe_error("cannot make the guest SystemOS or initialize HostOS's VM manager");
}

/* ---- receive_message at the GPA limit ----------------------------------------- */

static void gpa_limit(void)
{
	volatile uint64_t *b = vmm_gpa_ptr(root_buf);

	xst("limit-post", I_POST, EXP_STATUS_SUCCESS, r_post(HOST, SVM_, 0x77),
	    "HostOS queues one message to its own VM manager");
	b[0] = PATTERN;
	rfail("recv-at-gpa-limit", I_RECV, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, GPA_LIMIT, 0, 0, 0, "GPA 2^47: past every guest-physical address");
	rfail("recv-alias-of-buffer", I_RECV, EXP_STATUS_INVALID_PARAMS2,
	      EXP_HC_XVIO_RECEIVE_MESSAGE, vmm_handle, SVM_, GPA_LIMIT | root_buf, 0, 0, 0,
	      "2^47 + the root's buffer: bits 46:0 name a page the root may write");
	rfail("recv-gpa-top-bit", I_RECV, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, (1ull << 63) | root_buf, 0, 0, 0, "bit 63 set");
	check_eq("recv-limit-buffer-kept", I_RECV, PATTERN, b[0],
		 "the refused receives wrote nothing into the page their low bits name");
	uint64_t left = ~0ull, st = r_recv(root_buf, &left);
	xst("recv-limit-nothing-taken", I_RECV, EXP_STATUS_SUCCESS, st,
	    "the message is still there for a valid page");
	check_eq("recv-limit-code", I_RECV, 0x77,
		 st == EXP_STATUS_SUCCESS ? xrd16(root_buf + XVIO_MSG_OFF_CODE) : st,
		 "and it is the one queued");
	check_eq("recv-limit-left", I_RECV, 0, left, "REG0: nothing else waits");
}

/* ---- set_focus and the VM manager's queue -------------------------------------- */

static uint64_t focus_data(void)
{
	return xrd64(root_buf + XVIO_MSG_OFF_DATA) & 0xFFFFFFFFFFFFull;
}

static void focus_full(void)
{
	struct hc_regs o;
	uint64_t posted = 0, st;

	for (uint64_t i = 0; i + 1 < EXP_XVIO_QUEUE_DEPTH; i++)
		posted += r_post(HOST, SVM_, 0x100 + i) == EXP_STATUS_SUCCESS;
	check_eq("focus-fill-15", I_POST, EXP_XVIO_QUEUE_DEPTH - 1, posted,
		 "15 messages in the VM manager's queue: one slot left");
	st = hc_call(EXP_HC_XVIO_SET_FOCUS, HC_LOAD(&o, vmm_handle, GAME));
	xst("focus-last-slot", I_FOCUS, EXP_STATUS_SUCCESS, st,
	    "HostOS gives the focus to GameOS: its message takes the 16th slot");
	rfail("focus-queue-full", I_FOCUS, EXP_STATUS_XVIO_QUEUE_FULL, EXP_HC_XVIO_SET_FOCUS,
	      vmm_handle, SYS, 0, 0, 0, 0,
	      "the VM manager's queue is full: set_focus fails like a post (docs/xvio.md)");
	uint64_t n = 0, ok = 0;
	for (; n < EXP_XVIO_QUEUE_DEPTH && r_recv(root_buf, NULL) == EXP_STATUS_SUCCESS; n++)
		ok += xrd16(root_buf + XVIO_MSG_OFF_CODE) ==
		      (n + 1 < EXP_XVIO_QUEUE_DEPTH ? 0x100 + n : EXP_XVIO_CODE_FOCUS);
	check_eq("focus-full-16", I_RECV, EXP_XVIO_QUEUE_DEPTH, ok,
		 "the 15 messages, then the one focus message (%llu received)",
		 (unsigned long long)n);
	check_eq("focus-full-message", I_FOCUS,
		 (uint64_t)HOST | (uint64_t)GAME << 16 | (uint64_t)SYS << 32, focus_data(),
		 "requester HostOS, new focus GameOS, previous SystemOS");
	xst("focus-full-drained", I_RECV, EXP_STATUS_XVIO_NO_MESSAGE, r_recv(root_buf, NULL),
	    "the refused set_focus queued nothing");
	st = hc_call(EXP_HC_XVIO_SET_FOCUS, HC_LOAD(&o, vmm_handle, SYS));
	xst("focus-after-full", I_FOCUS, EXP_STATUS_SUCCESS, st, "with room, the focus moves back");
	st = r_recv(root_buf, NULL);
	check_eq("focus-full-unchanged", I_FOCUS,
		 (uint64_t)HOST | (uint64_t)SYS << 16 | (uint64_t)GAME << 32,
		 st == EXP_STATUS_SUCCESS ? focus_data() : st,
		 "its previous focus is GameOS: the refused call changed nothing");
}

/* ---- create_ring on read-only pages, attach after the pages went back --------- */

static uint64_t g_read(uint64_t gpa)
{
	uint64_t a[1] = { gpa };
	sys.mb->res[0] = ~0ull;
	xg_run(&sys, G_READ, a, 1);
	return sys.mb->res[0];
}

static void rings(void)
{
	uint64_t ro = vmm_alloc(2), mixed = vmm_alloc(2), gone = vmm_alloc(2), st;
	struct hc_regs o;

	*(volatile uint64_t *)vmm_gpa_ptr(mixed) = PATTERN;
	st = vmm_map_range(sys.vmid, ro, G_RO, 2 * XPAGE,
			   EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_DONATE) |
	     vmm_map_range(sys.vmid, mixed, G_MIXED, XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE) |
	     vmm_map_range(sys.vmid, mixed + XPAGE, G_MIXED + XPAGE, XPAGE,
			   EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_DONATE) |
	     vmm_map_range(sys.vmid, gone, G_GONE, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE);
	xst("ring-pages-donated", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st,
	    "the root donates SystemOS 2 read-only pages, a RW and a read-only page, 2 RW pages");
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_RO, 0, 0, 0, 0, NULL) |
	     xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_GONE, 0, 0, 0, 0, NULL);
	xst("ring-services", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS services 0x10 and 0x11");
	gfail("create-read-only", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_CREATE_RING,
	      sys_h, SVC_RO, HOST, 1, 1, G_RO,
	      "ring pages the creator owns read-only: the hypervisor would write their headers");
	gfail("create-recv-read-only", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_RO, HOST, 1, 1, G_MIXED,
	      "the send page writable, the receive page read-only");
	check_eq("create-read-only-kept", I_CREATE, PATTERN, g_read(G_MIXED),
		 "the writable first page keeps its content (no header written)");
	st = xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_RO, HOST, 1, 1, G_GONE, NULL);
	xst("create-rw", I_CREATE, EXP_STATUS_SUCCESS, st,
	    "the same service on 2 writable pages: the refusals were the pages'");

	/* the root takes the ring's pages back before HostOS attaches */
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_RO, 0, 0));
	xst("gone-host-init", I_INIT, EXP_STATUS_SUCCESS, st, "HostOS service 0x10");
	st = vmm_unmap_range(sys.vmid, gone, G_GONE, 2 * XPAGE);
	xst("gone-taken-back", "mv_vm_op_unmap_mdl", EXP_STATUS_SUCCESS, st,
	    "the root takes the 2 donated pages of the ring back");
	rfail("attach-pages-gone", I_ATTACH, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_RO, SYS, XR_RING, 0, 0,
	      "the ring's memory is gone: attach is refused (docs/xvio.md)");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_RO, 0, 0, 0, 0, NULL);
	xst("gone-cleanup", "mv_xvio_op_cleanup", EXP_STATUS_SUCCESS, st,
	    "SystemOS cleans the service with the lost ring up");
}

/* SystemOS and HostOS both free service `svc` (its rings go with it). */
static void cleanup_both(const char *id, uint64_t svc)
{
	struct hc_regs o;
	uint64_t st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, svc, 0, 0, 0, 0, NULL);

	st |= hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, svc));
	xst(id, "mv_xvio_op_cleanup", EXP_STATUS_SUCCESS, st, "SystemOS and HostOS free the service");
}

static void ring_top(void)
{
	struct hc_regs o;
	uint64_t st, mine = vmm_alloc(2);

	st = vmm_map_range(sys.vmid, vmm_alloc(2), G_TOP, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE) |
	     xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_TOP, 0, 0, 0, 0, NULL) |
	     hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_TOP, 0, 0));
	xst("top-setup", I_INIT, EXP_STATUS_SUCCESS, st,
	    "SystemOS owns the last 2 pages below 2^47; both initialize service 0x12");
	gfail("create-past-top", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_CREATE_RING,
	      sys_h, SVC_TOP, HOST, 2, 1, G_TOP, "3 pages from 2^47 - 8 KiB: the last is past 2^47");
	gfail("create-at-gpa-limit", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_TOP, HOST, 1, 1, GPA_LIMIT, "a ring at 2^47");
	rfail("create-alias-root", I_CREATE, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, SVC_TOP, SYS, 1, 1, GPA_LIMIT | mine,
	      "HostOS: 2^47 + 2 pages of its own (bits 46:0 name them)");
	rfail("create-top-bit", I_CREATE, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, SVC_TOP, SYS, 1, 1, (1ull << 63) | mine, "bit 63 set");
	st = xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_TOP, HOST, 1, 1, G_TOP, NULL);
	xst("create-at-top", I_CREATE, EXP_STATUS_SUCCESS, st,
	    "a ring of 2 pages that ends exactly at 2^47");
	cleanup_both("top-cleanup", SVC_TOP);
}

static void create_args(void)
{
	struct hc_regs o;
	uint64_t st, mine = vmm_alloc(2);
	volatile uint64_t *m = vmm_gpa_ptr(mine);

	m[0] = PATTERN;
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_ARGS, 0, 0));
	xst("args-init", I_INIT, EXP_STATUS_SUCCESS, st, "HostOS service 0x13");
	rfail("create-id-32", I_CREATE, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, EXP_XVIO_MAX_SERVICES, SYS, 1, 1, mine,
	      "service IDs are 0-31 (32 would be SystemOS's state, which it holds)");
	check_eq("create-id-32-kept", I_CREATE, PATTERN, m[0], "no ring header was written");
	rfail("create-recv-0", I_CREATE, EXP_STATUS_INVALID_PARAMS4, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, SVC_ARGS, SYS, 1, 0, mine, "a ring needs a receive page");
	rfail("create-peer-4", I_CREATE, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, SVC_ARGS, 4, 1, 1, mine, "no partition 4");
	rfail("create-peer-gameos", I_CREATE, EXP_STATUS_XVIO_NO_PARTITION, EXP_HC_XVIO_CREATE_RING,
	      vmm_handle, SVC_ARGS, GAME, 1, 1, mine,
	      "GameOS (3) is a valid peer; nobody holds it here");
	rfail("recv-id-32", I_RECV, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, EXP_XVIO_MAX_SERVICES, root_buf, 0, 0, 0, "no service 32");
	rfail("post-id-32", I_POST, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_POST_MESSAGE,
	      vmm_handle, EXP_XVIO_MAX_SERVICES, SYS, 1, 0, 0, "no service 32");
	rfail("cleanup-id-32", "mv_xvio_op_cleanup", EXP_STATUS_INVALID_PARAMS1,
	      EXP_HC_XVIO_CLEANUP, vmm_handle, EXP_XVIO_MAX_SERVICES, 0, 0, 0, 0, "no service 32");

	/* attach_ring from SystemOS: the creator's range, and its own ring */
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_ARGS, 0, 0, 0, 0, NULL);
	xst("args-sys-init", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS service 0x13");
	gfail("attach-creator-hostos", &sys, I_ATTACH, EXP_STATUS_XVIO_NOT_INITIALIZED,
	      EXP_HC_XVIO_ATTACH_RING, sys_h, SVC_ARGS, HOST, G_GONE, 0, 0,
	      "HostOS (1) is a valid creator; it has no ring on 0x13 yet");
	gfail("attach-creator-any", &sys, I_ATTACH, EXP_STATUS_INVALID_PARAMS2,
	      EXP_HC_XVIO_ATTACH_RING, sys_h, SVC_ARGS, 0, G_GONE, 0, 0,
	      "creator 0 (Any) is no partition");
	gfail("attach-creator-4", &sys, I_ATTACH, EXP_STATUS_INVALID_PARAMS2,
	      EXP_HC_XVIO_ATTACH_RING, sys_h, SVC_ARGS, 4, G_GONE, 0, 0, "no partition 4");
	st = hc_call(EXP_HC_XVIO_CREATE_RING, HC_LOAD(&o, vmm_handle, SVC_ARGS, SYS, 1, 1, mine)) |
	     xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_ARGS, HOST, 1, 1, G_TOP, NULL);
	xst("args-two-rings", I_CREATE, EXP_STATUS_SUCCESS, st,
	    "HostOS and SystemOS each create a ring on 0x13 towards the other");
	gfail("attach-own-ring", &sys, I_ATTACH, EXP_STATUS_XVIO_SERVICE_IN_USE,
	      EXP_HC_XVIO_ATTACH_RING, sys_h, SVC_ARGS, HOST, G_GONE, 0, 0,
	      "SystemOS's 0x13 has a ring of its own: one ring per service");
	cleanup_both("args-cleanup", SVC_ARGS);
}

/* HostOS's service attached to SystemOS's ring cannot attach GameOS's too. */
static void attach_twice(void)
{
	struct hc_regs o;
	uint64_t st;

	vmm_guest_new(&game, "gameos");
	game_h = xg_open(&game, "gameos");
	st = hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, game.vmid, GAME));
	st |= hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_ARGS, 0, 0));
	st |= vmm_map_range(game.vmid, vmm_alloc(2), XG_RING, 2 * XPAGE,
			    EXP_GPA_RW | EXP_GPA_FLAG_DONATE) |
	      xg_hc(&game, EXP_HC_XVIO_INITIALIZE, game_h, SVC_ARGS, 0, 0, 0, 0, NULL) |
	      xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_ARGS, 0, 0, 0, 0, NULL);
	xst("twice-setup", I_INIT, EXP_STATUS_SUCCESS, st,
	    "a second guest becomes GameOS; all three initialize service 0x13");
	st = xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_ARGS, HOST, 1, 1, G_TOP, NULL) |
	     hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, SVC_ARGS, SYS, XR_RING)) |
	     xg_hc(&game, EXP_HC_XVIO_CREATE_RING, game_h, SVC_ARGS, HOST, 1, 1, XG_RING, NULL);
	xst("twice-rings", I_ATTACH, EXP_STATUS_SUCCESS, st,
	    "HostOS attaches SystemOS's ring on 0x13; GameOS creates one towards HostOS");
	rfail("attach-second-ring", I_ATTACH, EXP_STATUS_XVIO_SERVICE_IN_USE,
	      EXP_HC_XVIO_ATTACH_RING, vmm_handle, SVC_ARGS, GAME, XR_RING + 0x10000, 0, 0,
	      "HostOS's 0x13 is attached to SystemOS's ring: one ring per service");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_ARGS, 0, 0, 0, 0, NULL) |
	     xg_hc(&game, EXP_HC_XVIO_CLEANUP, game_h, SVC_ARGS, 0, 0, 0, 0, NULL) |
	     hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, SVC_ARGS));
	xst("twice-cleanup", "mv_xvio_op_cleanup", EXP_STATUS_SUCCESS, st, "all three free 0x13");
}

/* ---- wake-ups without a VPS and across a destroyed one ------------------------- */

static uint64_t g_recv(void)
{
	return xg_hc(&sys, EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVM_, XG_SHARED, 0, 0, 0, NULL);
}

static void wakeups(void)
{
	uint64_t st;

	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVM_, HOST, VEC_SYS, 0, 0, NULL);
	xst("wake-init", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS's 0xF, from HostOS, vector 0x40");
	xst("wake-post-pending", I_POST, EXP_STATUS_SUCCESS, r_post(SYS, SVM_, 1),
	    "HostOS posts: vector 0x40 is pending for SystemOS's VPS, which is not running");
	st = vmm_vps_destroy(sys.vpsid);
	xst("wake-vps-destroyed", "mv_vps_op_destroy_vps", EXP_STATUS_SUCCESS, st,
	    "the root destroys that VPS with the wake-up pending");
	xst("wake-no-vps", I_POST, EXP_STATUS_SUCCESS, r_post(SYS, SVM_, 2),
	    "a message to a VM without a VPS: queued, nobody to wake (docs/xvio.md)");
	st = vmm_vps_create(sys.vpid, &sys.vpsid);
	xst("wake-vps-new", "mv_vps_op_create_vps", EXP_STATUS_SUCCESS, st,
	    "a new VPS for SystemOS's VP");
	vmm_guest_boot(&sys, "systemos");
	xg_run(&sys, G_IRQ_WINDOW, (uint64_t[]){ 0, 200000, 1 }, 3);
	check_eq("wake-not-inherited", I_POST, 0, sys.mb->res[1],
		 "the new VPS takes no interrupt: a destroyed VPS's pending events die with it "
		 "(E-76; vector 0x%llx taken)", (unsigned long long)sys.mb->res[2]);
	st = g_recv();
	xst("wake-messages-1", I_RECV, EXP_STATUS_SUCCESS, st, "both messages wait: the first");
	st = g_recv();
	xst("wake-messages-2", I_RECV, EXP_STATUS_SUCCESS, st, "and the second");
	check_eq("wake-messages-order", I_RECV, 2, xrd16(sys_shared + XVIO_MSG_OFF_CODE),
		 "the one posted while SystemOS had no VPS");
	xst("wake-post-new", I_POST, EXP_STATUS_SUCCESS, r_post(SYS, SVM_, 3),
	    "HostOS posts again");
	xg_run(&sys, G_IRQ, (uint64_t[]){ VEC_SYS, 2000000 }, 2);
	check_eq("wake-new-vps", I_POST, VEC_SYS, sys.mb->res[0] == 1 ? sys.mb->res[1] : 0,
		 "the next wake-up reaches the new VPS once (%llu taken)",
		 (unsigned long long)sys.mb->res[0]);
}

void probe_main(void)
{
	setup();
	gpa_limit();
	focus_full();
	rings();
	ring_top();
	create_args();
	wakeups();
	attach_twice();
}
