/*
 * xvio: XVIO inter-partition communication (docs/xvio.md) in all three
 * partitions: this probe is HostOS (the root VM, partition 1); two guest
 * agents (module guest-agent.elf) become SystemOS (2) and GameOS (3).
 *
 * The seed's example end to end: SystemOS's VM control service (0xF) asks
 * HostOS's VM manager (0xF) to create a VM; HostOS receives the request,
 * calls mv_vm_op_create_vm and answers with the VMID; SystemOS is woken by
 * its interrupt and receives the answer.  Two wake-ups with different
 * vectors before SystemOS runs both arrive, the higher first.  GameOS tries set_focus and is
 * refused.  A ring buffer moves 1 MiB from SystemOS to HostOS with a
 * checksum.  Every error path with its exact status, the registers
 * unchanged and (where the state is visible) nothing changed.  Destroying
 * SystemOS frees its partition and unmaps its ring from HostOS.
 *
 * Oracle: EXP_ values of the generated expect_abi.h; the ring and message
 * layout by hand (guest_abi.h), checked against the generated offsets.
 */
#include "xvio.h"

PROBE_TITLE("XVIO: partitions, services, messages, rings, focus (HostOS root, SystemOS, GameOS)");

#define SVC_BULK 0x10
#define VEC_SYS 0x40
#define VEC_GAME 0x41

/* The example's own protocol between the VM control and the VM manager
 * services (probe level, not ABI). */
#define CODE_CREATE_VM 0x0001
#define CODE_VM_CREATED 0x0002
#define REQ_MAGIC 0x4D5645544145524Bull /* "KREATEVM" */

#define RING_SEND 16
#define RING_RECV 1
#define RING_BYTES (1ull << 20)
#define RING_SEED 0x5A

static struct guest sys, game;
static uint64_t sys_h, game_h;
static uint64_t sys_shared, root_buf;

static uint64_t r_recv(uint64_t svc, uint64_t *left)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_XVIO_RECEIVE_MESSAGE, HC_LOAD(&o, vmm_handle, svc, root_buf));
	if (left)
		*left = o.r[0];
	return st;
}

/* ---- setup and layout ------------------------------------------------------- */

static void setup(void)
{
	vmm_init(true);
	vmm_guest_new(&sys, "systemos");
	vmm_guest_new(&game, "gameos");
	sys_h = xg_open(&sys, "systemos");
	game_h = xg_open(&game, "gameos");
	root_buf = vmm_alloc(1);
	/* SystemOS: a receive page the root can read (shared), 2 pages of its own */
	sys_shared = vmm_alloc(1);
	if (vmm_map_range(sys.vmid, sys_shared, XG_SHARED, XPAGE, EXP_GPA_RW) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(sys.vmid, vmm_alloc(2), XG_OWN, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE) !=
		    EXP_STATUS_SUCCESS ||
	    vmm_map_range(game.vmid, vmm_alloc(2), XG_OWN, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE) !=
		    EXP_STATUS_SUCCESS)
		probe_error("cannot give the guests their XVIO pages");
}

static void layout(void)
{
	static const struct {
		const char *name;
		uint64_t mine, gen;
	} l[] = {
		{ "ring-head", XVIO_RING_OFF_HEAD, EXP_OFF_MV_XVIO_RING_T_HEAD },
		{ "ring-tail", XVIO_RING_OFF_TAIL, EXP_OFF_MV_XVIO_RING_T_TAIL },
		{ "ring-size", XVIO_RING_OFF_SIZE, EXP_OFF_MV_XVIO_RING_T_SIZE },
		{ "ring-service", XVIO_RING_OFF_SERVICE, EXP_OFF_MV_XVIO_RING_T_SERVICE },
		{ "ring-writer", XVIO_RING_OFF_WRITER, EXP_OFF_MV_XVIO_RING_T_WRITER },
		{ "ring-reader", XVIO_RING_OFF_READER, EXP_OFF_MV_XVIO_RING_T_READER },
		{ "ring-hdr", XVIO_RING_HDR, EXP_SIZEOF_MV_XVIO_RING_T },
		{ "ring-hdr-const", XVIO_RING_HDR, EXP_XVIO_RING_HEADER_SIZE },
		{ "msg-partition", XVIO_MSG_OFF_PARTITION, EXP_OFF_MV_XVIO_MESSAGE_T_PARTITION },
		{ "msg-service", XVIO_MSG_OFF_SERVICE, EXP_OFF_MV_XVIO_MESSAGE_T_SERVICE },
		{ "msg-code", XVIO_MSG_OFF_CODE, EXP_OFF_MV_XVIO_MESSAGE_T_CODE },
		{ "msg-size", XVIO_MSG_OFF_SIZE, EXP_OFF_MV_XVIO_MESSAGE_T_SIZE },
		{ "msg-seq", XVIO_MSG_OFF_SEQ, EXP_OFF_MV_XVIO_MESSAGE_T_SEQ },
		{ "msg-data", XVIO_MSG_OFF_DATA, EXP_OFF_MV_XVIO_MESSAGE_T_DATA },
		{ "msg-sizeof", XVIO_MSG_SIZE, EXP_SIZEOF_MV_XVIO_MESSAGE_T },
	};
	for (unsigned i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		check_eq(rt_fmt("layout-%s", l[i].name), "none", l[i].mine, l[i].gen,
			 "the hand-written layout (guest_abi.h) agrees with the description (%s)",
			 l[i].name);
}

/* ---- partitions ---------------------------------------------------------------- */

static void partitions(void)
{
	struct hc_regs o;
	uint64_t st;

	st = hc_call(EXP_HC_XVIO_GET_PARTITION, HC_LOAD(&o, vmm_handle));
	xst("root-get", I_GET, EXP_STATUS_SUCCESS, st, "the root asks for its partition");
	check_eq("root-is-hostos", I_GET, HOST, o.r[0], "the root VM is HostOS from boot");
	st = xg_hc(&sys, EXP_HC_XVIO_GET_PARTITION, sys_h, 0, 0, 0, 0, 0, &o);
	check_eq("guest-none", I_GET, 0, st == EXP_STATUS_SUCCESS ? o.r[0] : st,
		 "a guest VM holds no partition until the root assigns one");
	gfail("unassigned-init", &sys, I_INIT, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_INITIALIZE,
	      sys_h, 1, 0, 0, 0, 0, "a guest without a partition cannot initialize a service");
	gfail("unassigned-create-ring", &sys, I_CREATE, EXP_STATUS_INVALID_PERM_DENIED,
	      EXP_HC_XVIO_CREATE_RING, sys_h, 1, HOST, 1, 1, XG_RING,
	      "a guest without a partition cannot create a ring");
	gfail("unassigned-attach", &sys, I_ATTACH, EXP_STATUS_INVALID_PERM_DENIED,
	      EXP_HC_XVIO_ATTACH_RING, sys_h, 1, HOST, XG_RING, 0, 0,
	      "a guest without a partition cannot attach a ring");
	gfail("setp-guest", &sys, I_SETP, EXP_STATUS_INVALID_PERM_EXT, EXP_HC_XVIO_SET_PARTITION,
	      sys_h, sys.vmid, SYS, 0, 0, 0, "a guest cannot claim a partition (root only)");
	rfail("setp-handle", I_SETP, EXP_STATUS_FAILURE_INVALID_HANDLE, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle ^ 0x10, sys.vmid, SYS, 0, 0, 0, "a wrong handle");
	rfail("setp-root", I_SETP, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle, EXP_ROOT_VMID, SYS, 0, 0, 0, "the root VM is HostOS: not assignable");
	rfail("setp-missing", I_SETP, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle, 0xFFF0, SYS, 0, 0, 0, "a VMID that does not exist");
	rfail("setp-hostos", I_SETP, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle, sys.vmid, HOST, 0, 0, 0, "HostOS cannot be given to a guest");
	rfail("setp-any", I_SETP, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_SET_PARTITION, vmm_handle,
	      sys.vmid, 0, 0, 0, 0, "partition 0 (any) cannot be given");
	rfail("setp-4", I_SETP, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_SET_PARTITION, vmm_handle,
	      sys.vmid, 4, 0, 0, 0, "no partition 4");
	st = hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, sys.vmid, SYS));
	xst("setp-sys", I_SETP, EXP_STATUS_SUCCESS, st, "the root makes the first guest SystemOS");
	rfail("setp-twice", I_SETP, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle, sys.vmid, GAME, 0, 0, 0, "a VM holds one partition");
	rfail("setp-taken", I_SETP, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_SET_PARTITION,
	      vmm_handle, game.vmid, SYS, 0, 0, 0, "a partition is held by one VM");

	/* before GameOS exists: NO_PARTITION */
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVM_, SYS));
	xst("root-init-vmm", I_INIT, EXP_STATUS_SUCCESS, st,
	    "HostOS's VM manager service 0xF, accepting SystemOS only, no interrupt");
	rfail("post-no-partition", I_POST, EXP_STATUS_XVIO_NO_PARTITION, EXP_HC_XVIO_POST_MESSAGE,
	      vmm_handle, SVM_, GAME, 1, 0, 0, "a message to GameOS while nobody holds it");

	st = hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, game.vmid, GAME));
	xst("setp-game", I_SETP, EXP_STATUS_SUCCESS, st, "the root makes the second guest GameOS");
	st = xg_hc(&sys, EXP_HC_XVIO_GET_PARTITION, sys_h, 0, 0, 0, 0, 0, &o);
	check_eq("sys-get", I_GET, SYS, st == EXP_STATUS_SUCCESS ? o.r[0] : st,
		 "SystemOS learns its partition from the hypervisor");
	st = xg_hc(&game, EXP_HC_XVIO_GET_PARTITION, game_h, 0, 0, 0, 0, 0, &o);
	check_eq("game-get", I_GET, GAME, st == EXP_STATUS_SUCCESS ? o.r[0] : st,
		 "GameOS learns its partition from the hypervisor");
	rfail("get-handle", I_GET, EXP_STATUS_FAILURE_INVALID_HANDLE, EXP_HC_XVIO_GET_PARTITION,
	      vmm_handle + 1, 0, 0, 0, 0, 0, "a wrong handle");
}

/* ---- services ------------------------------------------------------------------- */

static void services(void)
{
	uint64_t st;

	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVM_, HOST, VEC_SYS, 0, 0, NULL);
	xst("sys-init-vmctrl", I_INIT, EXP_STATUS_SUCCESS, st,
	    "SystemOS's VM control service 0xF, from HostOS only, wake-up vector 0x40");
	gfail("init-in-use", &sys, I_INIT, EXP_STATUS_XVIO_SERVICE_IN_USE, EXP_HC_XVIO_INITIALIZE,
	      sys_h, SVM_, 0, 0, 0, 0, "the service ID is initialized already");
	gfail("init-id-32", &sys, I_INIT, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_INITIALIZE, sys_h,
	      EXP_XVIO_MAX_SERVICES, 0, 0, 0, 0, "service IDs are 0-31");
	gfail("init-target-4", &sys, I_INIT, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_INITIALIZE,
	      sys_h, 1, 4, 0, 0, 0, "target partitions are 0-3");
	gfail("init-vector-16", &sys, I_INIT, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_INITIALIZE,
	      sys_h, 1, 0, 16, 0, 0, "vectors below 32 are exceptions");
	gfail("init-vector-256", &sys, I_INIT, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_INITIALIZE,
	      sys_h, 1, 0, 256, 0, 0, "vectors are 8 bits");
	gfail("init-wrong-handle", &sys, I_INIT, EXP_STATUS_FAILURE_INVALID_HANDLE,
	      EXP_HC_XVIO_INITIALIZE, game_h, 1, 0, 0, 0, 0, "another VM's handle");
	/* The edges that are accepted: target GameOS (3), vectors 32 and 0xFF. */
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, 2, GAME, 0xFF, 0, 0, NULL);
	xst("init-target-3-vector-255", I_INIT, EXP_STATUS_SUCCESS, st,
	    "service 2 towards GameOS (the last partition), wake-up vector 0xFF");
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, 3, 0, EXP_XVIO_FIRST_VECTOR, 0, 0, NULL);
	xst("init-vector-32", I_INIT, EXP_STATUS_SUCCESS, st,
	    "service 3, wake-up vector 32 (the first that is no exception)");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, 2, 0, 0, 0, 0, NULL) |
	     xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, 3, 0, 0, 0, 0, NULL);
	xst("init-edges-cleanup", I_CLEAN, EXP_STATUS_SUCCESS, st, "services 2 and 3 again");
	st = xg_hc(&game, EXP_HC_XVIO_INITIALIZE, game_h, SVM_, 0, VEC_GAME, 0, 0, NULL);
	xst("game-init", I_INIT, EXP_STATUS_SUCCESS, st, "GameOS's service 0xF (same ID, its own)");
}

/* ---- the seed's example: SystemOS asks HostOS to create a VM ----------------- */

static void create_vm_example(void)
{
	struct hc_regs o;
	uint64_t st, left = ~0ull, vmid = ~0ull;
	uint64_t w1[2] = { XG_OWN, REQ_MAGIC }, w2[2] = { XG_OWN + 8, 0x42 };

	xg_run(&sys, G_WRITE, w1, 2);
	xg_run(&sys, G_WRITE, w2, 2);
	st = xg_hc(&sys, EXP_HC_XVIO_POST_MESSAGE, sys_h, SVM_, HOST, CODE_CREATE_VM, 16, XG_OWN,
		   &o);
	xst("example-request", I_POST, EXP_STATUS_SUCCESS, st,
	    "SystemOS's VM control (0xF) posts 'create VM' to HostOS's VM manager (0xF)");
	st = r_recv(SVM_, &left);
	xst("example-receive", I_RECV, EXP_STATUS_SUCCESS, st, "HostOS receives the request");
	check_eq("example-left", I_RECV, 0, left, "REG0: no other message waits");
	check_eq("example-sender", I_RECV, SYS, xrd16(root_buf + XVIO_MSG_OFF_PARTITION),
		 "the sender partition the hypervisor knows: SystemOS");
	check_eq("example-service", I_RECV, SVM_, xrd16(root_buf + XVIO_MSG_OFF_SERVICE),
		 "from service 0xF");
	check_eq("example-code", I_RECV, CODE_CREATE_VM, xrd16(root_buf + XVIO_MSG_OFF_CODE),
		 "the message code");
	check_eq("example-size", I_RECV, 16, xrd16(root_buf + XVIO_MSG_OFF_SIZE), "the data size");
	check_eq("example-seq", I_RECV, 1, xrd64(root_buf + XVIO_MSG_OFF_SEQ),
		 "the first message of the service");
	check_eq("example-data", I_RECV, REQ_MAGIC, xrd64(root_buf + XVIO_MSG_OFF_DATA),
		 "the data SystemOS wrote (copied by the hypervisor)");
	check_eq("example-data2", I_RECV, 0x42, xrd64(root_buf + XVIO_MSG_OFF_DATA + 8),
		 "the request number");
	check_eq("example-zero", I_RECV, 0, xrd64(root_buf + XVIO_MSG_OFF_DATA + 16),
		 "data bytes past the size are 0");

	st = vmm_vm_create(&vmid);
	xst("example-create-vm", "mv_vm_op_create_vm", EXP_STATUS_SUCCESS, st,
	    "HostOS's VM manager creates the VM");
	*(volatile uint64_t *)vmm_gpa_ptr(root_buf) = vmid | 0x42ull << 16;
	st = hc_call(EXP_HC_XVIO_POST_MESSAGE, HC_LOAD(&o, vmm_handle, SVM_, SYS, CODE_VM_CREATED, 8, root_buf));
	xst("example-reply", I_POST, EXP_STATUS_SUCCESS, st, "HostOS answers with the VMID");

	/* the wake-up: vector 0x40 into SystemOS's first VPS */
	uint64_t a[2] = { VEC_SYS, 2000000 };
	xg_run(&sys, G_IRQ, a, 2);
	check_eq("example-irq", I_POST, 1, sys.mb->res[0] ? 1 : 0,
		 "the answer raises SystemOS's interrupt (%llu taken)",
		 (unsigned long long)sys.mb->res[0]);
	check_eq("example-irq-vector", I_INIT, VEC_SYS, sys.mb->res[1],
		 "the vector the service registered");
	st = xg_hc(&sys, EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVM_, XG_SHARED, 0, 0, 0, &o);
	xst("example-answer", I_RECV, EXP_STATUS_SUCCESS, st, "SystemOS receives the answer");
	check_eq("example-answer-sender", I_RECV, HOST, xrd16(sys_shared + XVIO_MSG_OFF_PARTITION),
		 "from HostOS");
	check_eq("example-answer-code", I_RECV, CODE_VM_CREATED,
		 xrd16(sys_shared + XVIO_MSG_OFF_CODE), "the answer's code");
	check_eq("example-answer-vmid", I_RECV, vmid | 0x42ull << 16,
		 xrd64(sys_shared + XVIO_MSG_OFF_DATA), "the VMID of the new VM (and the request)");
	if (vmid <= 0xFFFF)
		vmm_vm_destroy(vmid);
	gfail("example-empty", &sys, I_RECV, EXP_STATUS_XVIO_NO_MESSAGE,
	      EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVM_, XG_SHARED, 0, 0, 0,
	      "nothing more: NO_MESSAGE");
}

/* ---- two wake-up vectors into one VPS (issue 11: none lost) ------------------ */

#define SVC_SECOND 6
#define VEC_SECOND 0x48

static void two_wakeups(void)
{
	struct hc_regs o;
	uint64_t st;

	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_SECOND, HOST, VEC_SECOND, 0, 0, NULL);
	xst("two-init-sys", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS service 6, vector 0x48");
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_SECOND, SYS));
	xst("two-init-host", I_INIT, EXP_STATUS_SUCCESS, st, "HostOS service 6 towards SystemOS");
	st = hc_call(EXP_HC_XVIO_POST_MESSAGE, HC_LOAD(&o, vmm_handle, SVM_, SYS, 3, 0, 0));
	xst("two-post-f", I_POST, EXP_STATUS_SUCCESS, st, "HostOS posts on service 0xF (vector 0x40)");
	st = hc_call(EXP_HC_XVIO_POST_MESSAGE, HC_LOAD(&o, vmm_handle, SVC_SECOND, SYS, 3, 0, 0));
	xst("two-post-6", I_POST, EXP_STATUS_SUCCESS, st, "and on service 6 (vector 0x48)");

	/* SystemOS runs only now: both wake-ups wait for it */
	xg_run(&sys, G_IRQ_WINDOW, (uint64_t[]){ 0, 2000000, 2 }, 3);
	check_eq("two-wakeups", I_POST, 2, sys.mb->res[1],
		 "two wake-ups with different vectors before SystemOS runs: both are taken");
	check_eq("two-wakeups-order", I_POST, (VEC_SECOND << 8) | VEC_SYS,
		 (sys.mb->res[2] << 8) | sys.mb->res[3],
		 "higher vector first: 0x48, then 0x40 (got 0x%llx, 0x%llx)",
		 (unsigned long long)sys.mb->res[2], (unsigned long long)sys.mb->res[3]);

	st = xg_hc(&sys, EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVM_, XG_SHARED, 0, 0, 0, &o);
	xst("two-recv-f", I_RECV, EXP_STATUS_SUCCESS, st, "SystemOS receives the message of 0xF");
	st = xg_hc(&sys, EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVC_SECOND, XG_SHARED, 0, 0, 0, &o);
	xst("two-recv-6", I_RECV, EXP_STATUS_SUCCESS, st, "and the one of service 6");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_SECOND, 0, 0, 0, 0, NULL);
	xst("two-cleanup-sys", I_CLEAN, EXP_STATUS_SUCCESS, st, "SystemOS cleans service 6 up");
	st = hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, SVC_SECOND));
	xst("two-cleanup-host", I_CLEAN, EXP_STATUS_SUCCESS, st, "HostOS cleans service 6 up");
}

/* ---- message errors, the bound, the order ------------------------------------- */

static void message_errors(void)
{
	uint64_t st, left;

	gfail("post-filter", &game, I_POST, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_POST_MESSAGE,
	      game_h, SVM_, HOST, 7, 0, 0, "HostOS's 0xF accepts SystemOS only: GameOS is refused");
	rfail("post-filter-nothing", I_RECV, EXP_STATUS_XVIO_NO_MESSAGE, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, root_buf, 0, 0, 0, "nothing was queued by the refused message");
	gfail("post-own-uninit", &sys, I_POST, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_POST_MESSAGE,
	      sys_h, 3, HOST, 1, 0, 0, "the sender's own service 3 is not initialized");
	gfail("post-part-any", &sys, I_POST, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_POST_MESSAGE,
	      sys_h, SVM_, 0, 1, 0, 0, "a message needs a target partition (not Any)");
	gfail("post-part-4", &sys, I_POST, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_POST_MESSAGE,
	      sys_h, SVM_, 4, 1, 0, 0, "no partition 4");
	gfail("post-code", &sys, I_POST, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_POST_MESSAGE, sys_h,
	      SVM_, HOST, 0x10000, 0, 0, "message codes are 16 bits");
	gfail("post-size", &sys, I_POST, EXP_STATUS_INVALID_PARAMS4, EXP_HC_XVIO_POST_MESSAGE, sys_h,
	      SVM_, HOST, 1, EXP_XVIO_MAX_DATA + 1, XG_OWN, "at most 232 data bytes");
	gfail("post-gpa", &sys, I_POST, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_POST_MESSAGE, sys_h,
	      SVM_, HOST, 1, 8, 0x3F000000, "data at a GPA the sender has no memory at");
	gfail("post-gpa-cross", &sys, I_POST, EXP_STATUS_INVALID_PARAMS5, EXP_HC_XVIO_POST_MESSAGE,
	      sys_h, SVM_, HOST, 1, 200, XG_OWN + 2 * XPAGE - 100,
	      "data running past the sender's memory");
	rfail("post-errors-nothing", I_RECV, EXP_STATUS_XVIO_NO_MESSAGE, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, root_buf, 0, 0, 0, "no refused message was queued");
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, 5, 0, 0, 0, 0, NULL);
	xst("init-5", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS service 5");
	gfail("post-target-uninit", &sys, I_POST, EXP_STATUS_XVIO_NOT_INITIALIZED,
	      EXP_HC_XVIO_POST_MESSAGE, sys_h, 5, HOST, 1, 0, 0,
	      "HostOS has no service 5: not initialized on the target");
	rfail("recv-uninit", I_RECV, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, 5, root_buf, 0, 0, 0, "receive on a service the root did not initialize");
	rfail("recv-unaligned", I_RECV, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, root_buf + 8, 0, 0, 0, "the receive buffer is a page");
	gfail("recv-unmapped", &sys, I_RECV, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      sys_h, SVM_, 0x3F000000, 0, 0, 0, "a receive page the guest has no memory at");

	/* the bound: 16 queue, the 17th is QUEUE_FULL to the sender */
	uint64_t a[8] = { EXP_HC_XVIO_POST_MESSAGE, sys_h, SVM_, HOST, 0x100, 0, 0,
			  EXP_XVIO_QUEUE_DEPTH + 1 };
	xg_run(&sys, G_XVIO_POST, a, 8);
	check_eq("queue-16", I_POST, EXP_XVIO_QUEUE_DEPTH, sys.mb->res[0],
		 "16 messages fit the VM manager's queue");
	xst("queue-full", I_POST, EXP_STATUS_XVIO_QUEUE_FULL, sys.mb->res[1],
	    "the 17th is refused with QUEUE_FULL, never dropped silently");
	gfail("queue-full-again", &sys, I_POST, EXP_STATUS_XVIO_QUEUE_FULL, EXP_HC_XVIO_POST_MESSAGE,
	      sys_h, SVM_, HOST, 0x999, 0, 0, "still full");
	uint64_t in_order = 0, seq_ok = 0, from_sys = 0;
	for (uint64_t i = 0; i < EXP_XVIO_QUEUE_DEPTH; i++) {
		st = r_recv(SVM_, &left);
		if (st != EXP_STATUS_SUCCESS)
			break;
		in_order += xrd16(root_buf + XVIO_MSG_OFF_CODE) == 0x100 + i &&
			    left == EXP_XVIO_QUEUE_DEPTH - 1 - i;
		seq_ok += xrd64(root_buf + XVIO_MSG_OFF_SEQ) == 2 + i;
		from_sys += xrd16(root_buf + XVIO_MSG_OFF_PARTITION) == SYS;
	}
	check_eq("queue-fifo", I_RECV, EXP_XVIO_QUEUE_DEPTH, in_order,
		 "the 16 come out in the order they were posted, REG0 counting down");
	check_eq("queue-seq", I_RECV, EXP_XVIO_QUEUE_DEPTH, seq_ok,
		 "numbered 2..17 after the example's request");
	check_eq("queue-sender", I_RECV, EXP_XVIO_QUEUE_DEPTH, from_sys, "all from SystemOS");
	rfail("queue-drained", I_RECV, EXP_STATUS_XVIO_NO_MESSAGE, EXP_HC_XVIO_RECEIVE_MESSAGE,
	      vmm_handle, SVM_, root_buf, 0, 0, 0, "exactly 16: the refused ones never arrived");
	/* The largest code and size: REG3 = 0xFFFF has no bit above the 16,
	 * REG4 = 232 data bytes fill the message. */
	st = xg_hc(&sys, EXP_HC_XVIO_POST_MESSAGE, sys_h, SVM_, HOST, 0xFFFF, EXP_XVIO_MAX_DATA,
		   XG_OWN, NULL);
	xst("post-largest", I_POST, EXP_STATUS_SUCCESS, st,
	    "message code 0xFFFF and 232 data bytes (both the largest)");
	st = r_recv(SVM_, &left);
	check_eq("post-largest-code", I_RECV, 0xFFFF,
		 st == EXP_STATUS_SUCCESS ? xrd16(root_buf + XVIO_MSG_OFF_CODE) : st,
		 "HostOS receives it with code 0xFFFF");
	check_eq("post-largest-size", I_RECV, EXP_XVIO_MAX_DATA,
		 st == EXP_STATUS_SUCCESS ? xrd16(root_buf + XVIO_MSG_OFF_SIZE) : st,
		 "and with its 232 data bytes");

	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, 5, 0, 0, 0, 0, NULL);
	xst("cleanup-5", I_CLEAN, EXP_STATUS_SUCCESS, st, "SystemOS frees service 5");
	gfail("cleanup-again", &sys, I_CLEAN, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_CLEANUP, sys_h,
	      5, 0, 0, 0, 0, "service 5 is free: nothing to clean up");
	gfail("cleanup-32", &sys, I_CLEAN, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_CLEANUP, sys_h,
	      32, 0, 0, 0, 0, "no service 32");
	(void)left;
}

/* ---- focus ------------------------------------------------------------------------ */

static void focus(void)
{
	uint64_t st, left;

	gfail("focus-gameos", &game, I_FOCUS, EXP_STATUS_INVALID_PERM_DENIED, EXP_HC_XVIO_SET_FOCUS,
	      game_h, GAME, 0, 0, 0, 0, "GameOS may not take the focus: access denied");
	gfail("focus-gameos-sys", &game, I_FOCUS, EXP_STATUS_INVALID_PERM_DENIED,
	      EXP_HC_XVIO_SET_FOCUS, game_h, SYS, 0, 0, 0, 0, "nor give it to SystemOS");
	rfail("focus-refused-nothing", I_RECV, EXP_STATUS_XVIO_NO_MESSAGE,
	      EXP_HC_XVIO_RECEIVE_MESSAGE, vmm_handle, SVM_, root_buf, 0, 0, 0,
	      "the VM manager heard nothing of the refused requests");
	gfail("focus-param", &sys, I_FOCUS, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_SET_FOCUS, sys_h,
	      HOST, 0, 0, 0, 0, "the focus goes to SystemOS or GameOS");
	st = xg_hc(&sys, EXP_HC_XVIO_SET_FOCUS, sys_h, GAME, 0, 0, 0, 0, NULL);
	xst("focus-sys", I_FOCUS, EXP_STATUS_SUCCESS, st, "SystemOS gives the focus to GameOS");
	st = r_recv(SVM_, &left);
	xst("focus-message", I_RECV, EXP_STATUS_SUCCESS, st, "the VM manager gets a system message");
	check_eq("focus-from-hv", I_FOCUS, EXP_XVIO_PARTITION_ANY,
		 xrd16(root_buf + XVIO_MSG_OFF_PARTITION), "from partition 0: the hypervisor");
	check_eq("focus-code", I_FOCUS, EXP_XVIO_CODE_FOCUS, xrd16(root_buf + XVIO_MSG_OFF_CODE),
		 "MV_XVIO_CODE_FOCUS");
	check_eq("focus-data", I_FOCUS, (uint64_t)SYS | (uint64_t)GAME << 16 | (uint64_t)SYS << 32,
		 xrd64(root_buf + XVIO_MSG_OFF_DATA) & 0xFFFFFFFFFFFFull,
		 "requester SystemOS, new focus GameOS, previous SystemOS");
}

/* ---- ring buffer: 1 MiB from SystemOS to HostOS --------------------------------- */

static void ring(void)
{
	struct hc_regs o;
	uint64_t st, pages = RING_SEND + RING_RECV;

	if (vmm_map_range(sys.vmid, vmm_alloc(pages), XG_RING, pages * XPAGE,
		      EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot donate the ring pages to SystemOS");
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_BULK, HOST, 0, 0, 0, NULL);
	xst("ring-sys-init", I_INIT, EXP_STATUS_SUCCESS, st, "SystemOS's bulk service 0x10");
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_BULK, SYS));
	xst("ring-root-init", I_INIT, EXP_STATUS_SUCCESS, st, "HostOS's bulk service 0x10");
	/* A service without a wake-up vector: the message waits, no interrupt. */
	st = hc_call(EXP_HC_XVIO_POST_MESSAGE, HC_LOAD(&o, vmm_handle, SVC_BULK, SYS, 7, 0, 0));
	xst("novector-post", I_POST, EXP_STATUS_SUCCESS, st,
	    "HostOS posts on SystemOS's service 0x10, which has no wake-up vector");
	uint64_t why = xg_run(&sys, G_IRQ_WINDOW, (uint64_t[]){ 0, 200000, 1 }, 3);
	check_eq("novector-no-irq", I_POST, 0, why == EXP_EXIT_HLT ? sys.mb->res[1] : ~0ull,
		 "SystemOS then runs with interrupts open and takes none (its run ends in HLT)");
	st = xg_hc(&sys, EXP_HC_XVIO_RECEIVE_MESSAGE, sys_h, SVC_BULK, XG_SHARED, 0, 0, 0, NULL);
	xst("novector-receive", I_RECV, EXP_STATUS_SUCCESS, st, "the message waited for it");

	gfail("create-uninit", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_CREATE_RING,
	      sys_h, 0x11, HOST, RING_SEND, RING_RECV, XG_RING, "service 0x11 is not initialized");
	gfail("create-self", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_CREATE_RING,
	      sys_h, SVC_BULK, SYS, RING_SEND, RING_RECV, XG_RING, "a ring with oneself");
	gfail("create-peer-any", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_CREATE_RING,
	      sys_h, SVC_BULK, 0, RING_SEND, RING_RECV, XG_RING, "a ring's peer is a partition (not Any)");
	gfail("create-send-0", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_CREATE_RING,
	      sys_h, SVC_BULK, HOST, 0, RING_RECV, XG_RING, "no send pages");
	gfail("create-send-257", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS3,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, EXP_XVIO_RING_MAX_PAGES + 1, RING_RECV,
	      XG_RING, "more send pages than a direction may have");
	gfail("create-recv-257", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS4,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND,
	      EXP_XVIO_RING_MAX_PAGES + 1, XG_RING, "more receive pages than a direction may have");
	gfail("create-borrowed", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, 1, 0 + 1, XG_SHARED - XPAGE,
	      "pages the caller does not own (unmapped, and a page borrowed from the root)");
	/* Two pages the root shares RW (mapped, writable, but not SystemOS's own). */
	uint64_t lent = vmm_alloc(1);
	if (vmm_map_range(sys.vmid, lent, XG_SHARED + XPAGE, XPAGE, EXP_GPA_RW) != EXP_STATUS_SUCCESS)
		probe_error("cannot share a second page to SystemOS");
	gfail("create-shared-pages", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, 1, 1, XG_SHARED,
	      "two pages the root shares RW with the caller: mapped and writable, not its own");
	vmm_unmap_range(sys.vmid, lent, XG_SHARED + XPAGE, XPAGE);
	/* 256 pages a direction are allowed: REG3/REG4 pass, the pages (REG5) do not. */
	gfail("create-send-256", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, EXP_XVIO_RING_MAX_PAGES, RING_RECV,
	      XG_RING, "256 send pages (the most) are valid; the caller owns fewer pages");
	gfail("create-recv-256", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND, EXP_XVIO_RING_MAX_PAGES,
	      XG_RING, "256 receive pages (the most) are valid; the caller owns fewer pages");
	gfail("create-unaligned", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND, RING_RECV, XG_RING + 8,
	      "REG5[11:0] != 0: the ring's GPA is a page (its pages are the caller's own)");
	gfail("create-too-long", &sys, I_CREATE, EXP_STATUS_INVALID_PARAMS5,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND, RING_RECV + 1, XG_RING,
	      "one page more than the caller owns");
	rfail("attach-before", I_ATTACH, EXP_STATUS_XVIO_NOT_INITIALIZED, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, XR_RING, 0, 0, "no ring was created yet");
	/* REG3 is checked before the ring: PARAMS3 although there is none yet. */
	rfail("attach-at-gpa-limit", I_ATTACH, EXP_STATUS_INVALID_PARAMS3,
	      EXP_HC_XVIO_ATTACH_RING, vmm_handle, SVC_BULK, SYS, EXP_GPA_LIMIT, 0, 0,
	      "GPA 2^47 is past the GPA space (no ring was created yet)");
	st = xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND, RING_RECV,
		   XG_RING, NULL);
	xst("create", I_CREATE, EXP_STATUS_SUCCESS, st,
	    "SystemOS creates a ring with HostOS: 16 send pages, 1 receive page");
	gfail("create-twice", &sys, I_CREATE, EXP_STATUS_XVIO_SERVICE_IN_USE,
	      EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, RING_SEND, RING_RECV, XG_RING,
	      "the service has a ring already");
	rfail("attach-id-32", I_ATTACH, EXP_STATUS_INVALID_PARAMS1, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, EXP_XVIO_MAX_SERVICES, SYS, XR_RING, 0, 0, "service IDs are 0-31");
	rfail("attach-creator-self", I_ATTACH, EXP_STATUS_INVALID_PARAMS2, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, HOST, XR_RING, 0, 0, "the creator is another partition");
	rfail("attach-unaligned", I_ATTACH, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, XR_RING + 8, 0, 0, "the GPA is a page");
	rfail("attach-ram", I_ATTACH, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, root_buf, 0, 0, "GPAs the root already uses (its RAM)");
	rfail("attach-past-gpa-limit", I_ATTACH, EXP_STATUS_INVALID_PARAMS3,
	      EXP_HC_XVIO_ATTACH_RING, vmm_handle, SVC_BULK, SYS, EXP_GPA_LIMIT - XPAGE, 0, 0,
	      "the last page below 2^47: the ring's 17 pages would run past the GPA space");
	rfail("attach-wrong-creator", I_ATTACH, EXP_STATUS_XVIO_NOT_INITIALIZED,
	      EXP_HC_XVIO_ATTACH_RING, vmm_handle, SVC_BULK, GAME, XR_RING, 0, 0,
	      "GameOS created no ring on 0x10");
	gfail("attach-not-peer", &game, I_ATTACH, EXP_STATUS_INVALID_PARAMS1,
	      EXP_HC_XVIO_ATTACH_RING, game_h, SVC_BULK, SYS, XG_RING, 0, 0,
	      "GameOS has no service 0x10");
	/* With a service 0x10 of its own, GameOS is still not the ring's peer. */
	st = xg_hc(&game, EXP_HC_XVIO_INITIALIZE, game_h, SVC_BULK, HOST, 0, 0, 0, NULL);
	xst("ring-game-init", I_INIT, EXP_STATUS_SUCCESS, st, "GameOS's own bulk service 0x10");
	gfail("attach-other-peer", &game, I_ATTACH, EXP_STATUS_XVIO_NOT_INITIALIZED,
	      EXP_HC_XVIO_ATTACH_RING, game_h, SVC_BULK, SYS, XG_RING, 0, 0,
	      "SystemOS's ring on 0x10 has HostOS as its peer, not GameOS");
	st = xg_hc(&game, EXP_HC_XVIO_CLEANUP, game_h, SVC_BULK, 0, 0, 0, 0, NULL);
	xst("ring-game-cleanup", I_CLEAN, EXP_STATUS_SUCCESS, st, "GameOS's service 0x10 again");
	st = hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, SVC_BULK, SYS, XR_RING));
	xst("attach", I_ATTACH, EXP_STATUS_SUCCESS, st, "HostOS attaches the ring at a free GPA");
	check_eq("attach-pages", I_ATTACH, pages, o.r[0], "REG0: the ring's pages");
	rfail("attach-twice", I_ATTACH, EXP_STATUS_XVIO_SERVICE_IN_USE, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, XR_RING + 0x100000, 0, 0, "attached already");
	rfail("create-while-attached", I_CREATE, EXP_STATUS_XVIO_SERVICE_IN_USE,
	      EXP_HC_XVIO_CREATE_RING, vmm_handle, SVC_BULK, SYS, 1, 1, vmm_alloc(2),
	      "HostOS's 0x10 has SystemOS's ring attached: it cannot create one of its own");

	uint64_t rx = XR_RING + RING_SEND * XPAGE;
	check_eq("hdr-size", I_CREATE, RING_SEND * XPAGE - XVIO_RING_HDR,
		 xrd64(XR_RING + XVIO_RING_OFF_SIZE), "send direction: 16 pages less the header");
	check_eq("hdr-ids", I_CREATE, SVC_BULK | SYS << 16 | (uint64_t)HOST << 32,
		 xrd64(XR_RING + XVIO_RING_OFF_SERVICE) & 0xFFFFFFFFFFFFull,
		 "service 0x10, written by SystemOS, read by HostOS");
	check_eq("hdr-rx-size", I_CREATE, RING_RECV * XPAGE - XVIO_RING_HDR,
		 xrd64(rx + XVIO_RING_OFF_SIZE), "receive direction after it");
	check_eq("hdr-rx-ids", I_CREATE, SVC_BULK | HOST << 16 | (uint64_t)SYS << 32,
		 xrd64(rx + XVIO_RING_OFF_SERVICE) & 0xFFFFFFFFFFFFull,
		 "written by HostOS, read by SystemOS");
	check_eq("hdr-empty", I_CREATE, 0,
		 xrd64(XR_RING + XVIO_RING_OFF_HEAD) | xrd64(XR_RING + XVIO_RING_OFF_TAIL),
		 "head = tail = 0");

	/* 1 MiB: SystemOS writes what fits, HostOS reads it, again */
	uint64_t produced = 0, got = 0, sum_g = XVIO_FNV_INIT, sum_r = XVIO_FNV_INIT, bad = 0;
	unsigned runs = 0;
	while (produced < RING_BYTES && runs < 1000) {
		uint64_t a[5] = { XG_RING, RING_BYTES, produced, RING_SEED, sum_g };
		xg_run(&sys, G_XVIO_RING_WRITE, a, 5);
		runs++;
		if (sys.mb->res[2] || sys.mb->res[0] == 0)
			break;
		produced += sys.mb->res[0];
		sum_g = sys.mb->res[1];
		xr_ring_read(XR_RING, RING_SEED, &got, &sum_r, &bad);
	}
	uint64_t want = XVIO_FNV_INIT;
	for (uint64_t j = 0; j < RING_BYTES / 8; j++)
		want = xvio_fnv(want, xvio_pattern_word(j, RING_SEED));
	check_eq("ring-1mib-sent", I_ATTACH, RING_BYTES, produced,
		 "SystemOS wrote 1 MiB through the ring (%u runs, wrap-around)", runs);
	check_eq("ring-1mib-received", I_ATTACH, RING_BYTES, got, "HostOS read 1 MiB");
	check_eq("ring-1mib-bytes", I_ATTACH, 0, bad, "every byte as SystemOS wrote it");
	check_eq("ring-1mib-checksum", I_ATTACH, want, sum_r,
		 "HostOS's checksum is the stream's (FNV-1a)");
	check_eq("ring-1mib-checksum-sender", I_ATTACH, sum_g, sum_r,
		 "and SystemOS's for what it wrote");

	/* cleanup on the creator's side: HostOS's mapping goes (the GPA is
	 * free again: a new ring attaches there) */
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_BULK, 0, 0, 0, 0, NULL);
	xst("ring-cleanup", I_CLEAN, EXP_STATUS_SUCCESS, st,
	    "SystemOS cleans up the service: the ring goes from both sides");
	rfail("ring-gone", I_ATTACH, EXP_STATUS_XVIO_NOT_INITIALIZED, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, XR_RING + 0x100000, 0, 0,
	      "HostOS's service lost the ring: nothing to attach");
	/* The GPA space's edge: a ring of 3 pages ending exactly at 2^47 attaches;
	 * one page higher it would run past the GPA space. */
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_BULK, HOST, 0, 0, 0, NULL);
	st |= xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, 2, 1, XG_RING, NULL);
	xst("ring-top", I_CREATE, EXP_STATUS_SUCCESS, st, "a ring of 3 pages on the same pages");
	rfail("attach-top-past", I_ATTACH, EXP_STATUS_INVALID_PARAMS3, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, EXP_GPA_LIMIT - 2 * XPAGE, 0, 0,
	      "2^47 - 2 pages: the ring's third page would be at 2^47, past the GPA space");
	st = hc_call(EXP_HC_XVIO_ATTACH_RING,
		     HC_LOAD(&o, vmm_handle, SVC_BULK, SYS, EXP_GPA_LIMIT - 3 * XPAGE));
	xst("attach-top", I_ATTACH, EXP_STATUS_SUCCESS, st,
	    "HostOS attaches the 3 pages at 2^47 - 3 pages: they end exactly at the GPA limit");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_BULK, 0, 0, 0, 0, NULL);
	xst("ring-top-cleanup", I_CLEAN, EXP_STATUS_SUCCESS, st, "SystemOS cleans up that ring");
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_BULK, HOST, 0, 0, 0, NULL);
	st |= xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK, HOST, 2, 1, XG_RING, NULL);
	xst("ring-again", I_CREATE, EXP_STATUS_SUCCESS, st, "a new ring on the same pages");
	st = hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, SVC_BULK, SYS, XR_RING));
	xst("ring-same-gpa", I_ATTACH, EXP_STATUS_SUCCESS, st,
	    "attaches at the GPA the old ring had: it was unmapped (no dangling mapping)");

	/* A second ring (service 0x11, 2 pages of SystemOS's after the first
	 * ring's 3) attached right after the first in HostOS's GPA space: the
	 * first one's cleanup unmaps its own 3 pages and not one more. */
	const uint64_t xr_b = XR_RING + 3 * XPAGE;
	st = xg_hc(&sys, EXP_HC_XVIO_INITIALIZE, sys_h, SVC_BULK + 1, HOST, 0, 0, 0, NULL);
	st |= hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, SVC_BULK + 1, SYS));
	st |= xg_hc(&sys, EXP_HC_XVIO_CREATE_RING, sys_h, SVC_BULK + 1, HOST, 1, 1, XG_RING + 3 * XPAGE,
		    NULL);
	st |= hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, SVC_BULK + 1, SYS, xr_b));
	xst("ring-next", I_ATTACH, EXP_STATUS_SUCCESS, st,
	    "a second ring of SystemOS, attached by HostOS right after the first");
	st = xg_hc(&sys, EXP_HC_XVIO_CLEANUP, sys_h, SVC_BULK, 0, 0, 0, 0, NULL);
	xst("ring-first-cleanup", I_CLEAN, EXP_STATUS_SUCCESS, st, "SystemOS cleans up the first ring");
	check_eq("ring-next-kept", I_CLEAN, (SVC_BULK + 1) | SYS << 16 | (uint64_t)HOST << 32,
		 xrd64(xr_b + XVIO_RING_OFF_SERVICE) & 0xFFFFFFFFFFFFull,
		 "HostOS still reads the second ring's header: only the first ring's pages went");
}

/* Destroying SystemOS: its partition is free, its services and ring gone
 * (unmapped from HostOS), another ring can take the GPA. */
static void destroy(void)
{
	struct hc_regs o;
	uint64_t st, vmid = sys.vmid;

	/* A refused destroy_vm changes nothing: SystemOS, without VPs now,
	 * shares one of its own pages to GameOS without ZOMBIE, so destroying it
	 * is refused, and it still holds its partition (another VM cannot get
	 * SystemOS).  Then the share goes and the destroy succeeds. */
	uint64_t own = vmm_mdl_one(XG_OWN, XPAGE), there = vmm_mdl_one(XG_STRICT, XPAGE), v;
	st = vmm_vps_destroy(sys.vpsid) | vmm_vp_destroy(sys.vpid) |
	     vmm_map_mdl(sys.vmid, own, game.vmid, there, EXP_GPA_FLAG_READ_ACCESS);
	xst("destroy-refused-setup", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st,
	    "SystemOS's VPS and VP are destroyed; it shares a page of its own to GameOS");
	st = vmm_vm_destroy(sys.vmid);
	xst("destroy-refused", "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PERM_DENIED, st,
	    "GameOS borrows a page of SystemOS without ZOMBIE: destroying SystemOS is refused");
	if (vmm_vm_create(&v) != EXP_STATUS_SUCCESS)
		probe_error("cannot create a VM");
	rfail("destroy-refused-keeps-partition", I_SETP, EXP_STATUS_INVALID_PERM_DENIED,
	      EXP_HC_XVIO_SET_PARTITION, vmm_handle, v, SYS, 0, 0, 0,
	      "after the refused destroy SystemOS is still held: another VM cannot get it");
	vmm_vm_destroy(v);
	st = vmm_unmap_mdl(sys.vmid, own, game.vmid, there) | vmm_vm_destroy(sys.vmid);
	xst("destroy-sys", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, st,
	    "SystemOS's VM is destroyed with services, a queued message and an attached ring");
	rfail("destroy-no-partition", I_POST, EXP_STATUS_XVIO_NO_PARTITION, EXP_HC_XVIO_POST_MESSAGE,
	      vmm_handle, SVM_, SYS, 1, 0, 0, "nobody holds SystemOS any more");
	rfail("destroy-ring-gone", I_ATTACH, EXP_STATUS_XVIO_NO_PARTITION, EXP_HC_XVIO_ATTACH_RING,
	      vmm_handle, SVC_BULK, SYS, XR_RING + 0x100000, 0, 0, "its ring is gone with it");
	/* GameOS creates a ring with HostOS; HostOS attaches where SystemOS's was */
	if (vmm_map_range(game.vmid, vmm_alloc(2), XG_RING, 2 * XPAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE))
		probe_error("cannot donate ring pages to GameOS");
	st = xg_hc(&game, EXP_HC_XVIO_INITIALIZE, game_h, SVC_BULK, 0, 0, 0, 0, NULL);
	st |= xg_hc(&game, EXP_HC_XVIO_CREATE_RING, game_h, SVC_BULK, HOST, 1, 1, XG_RING, NULL);
	xst("destroy-game-ring", I_CREATE, EXP_STATUS_SUCCESS, st, "GameOS creates a ring with HostOS");
	st = hc_call(EXP_HC_XVIO_ATTACH_RING, HC_LOAD(&o, vmm_handle, SVC_BULK, GAME, XR_RING + 3 * XPAGE));
	xst("destroy-gpa-free", I_ATTACH, EXP_STATUS_SUCCESS, st,
	    "HostOS attaches it where SystemOS's ring was: destroying SystemOS unmapped that");
	st = hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, SVC_BULK));
	xst("destroy-cleanup-peer", I_CLEAN, EXP_STATUS_SUCCESS, st,
	    "HostOS (the peer) cleans up: the ring goes");
	rfail("destroy-after-peer-cleanup", I_CREATE, EXP_STATUS_INVALID_PARAMS1,
	      EXP_HC_XVIO_CREATE_RING, vmm_handle, SVC_BULK, GAME, 1, 1, root_buf, "HostOS's 0x10 is free");
	st = xg_hc(&game, EXP_HC_XVIO_CREATE_RING, game_h, SVC_BULK, HOST, 1, 1, XG_RING, NULL);
	xst("destroy-recreate", I_CREATE, EXP_STATUS_SUCCESS, st,
	    "GameOS's service lost its ring with HostOS's cleanup: it can create one again");
	gfail("destroy-ring-to-nobody", &game, I_CREATE, EXP_STATUS_XVIO_NO_PARTITION,
	      EXP_HC_XVIO_CREATE_RING, game_h, SVC_BULK, SYS, 1, 1, XG_RING,
	      "a ring with SystemOS, which nobody holds any more");
	(void)vmid;
	(void)o;
}

void probe_main(void)
{
	setup();
	layout();
	partitions();
	services();
	create_vm_example();
	two_wakeups();
	message_errors();
	focus();
	ring();
	destroy();
}
