/*
 * vpbusy: the hypercalls on a VP that runs on another PP (E-16, E-21,
 * docs/vps-abi.md).  The root starts its APs (smproot's trampoline); the
 * first AP runs the guest agent's G_READ_SPIN, which reads its mailbox in a
 * loop and counts the reads.  Meanwhile the BSP calls, on that VP and its
 * VPS, every hypercall that needs the VP stopped: run_vp, destroy_vp,
 * destroy_vps and each VPS op that reads or writes the VPS's state.  Each
 * must be refused with MV_STATUS_INVALID_PERM_DENIED (the IDs are valid,
 * the state is refused), the ops that do not need a stopped VP succeed, and
 * the guest keeps running until the root tells it to stop.  Without the
 * check, destroy_vps would free the VMCB/VMCS of a guest running on the AP.
 */
#include "../smproot/ap_guest.h"

PROBE_TITLE("A VP running on another PP: run_vp, destroy and the VPS state ops are refused");

#define READS_FIRST 1000u
#define MSR_LSTAR 0xC0000082u
#define N_CALLS 16u

static struct guest g;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint64_t ap_done, ap_status, ap_reason;
/* The AP's run number: bumped each time its run_vp returned at a time
 * slice's end (external_interrupt), before it enters the VP again.  The VP
 * is not running in that gap, and a call made there may rightly succeed. */
static volatile uint64_t ap_seq;

/* The first AP (smproot's trampoline calls it on ap_stack): vmm_guest_run's
 * loop, with each re-entry counted in ap_seq. */
static void ap_main(uint32_t slot)
{
	uint64_t r = 0, a = 0, st;

	(void)slot;
	st = vmm_guest_run_once(&g, G_READ_SPIN, (uint64_t[]){ GUEST_MBOX_GPA, 0 }, 2, &r, &a);
	/* A re-entry refused as "running" means the BSP's run_vp took the VP in
	 * the gap (which it may): enter again once that run has ended. */
	for (unsigned n = 0; ((st == EXP_STATUS_SUCCESS && r == EXP_EXIT_EXTERNAL_INTERRUPT) ||
			      st == EXP_STATUS_INVALID_PERM_DENIED) &&
			     n < GUEST_MAX_PREEMPTIONS;
	     n++) {
		__atomic_add_fetch(&ap_seq, 1, __ATOMIC_SEQ_CST);
		st = vmm_run_vp(g.vpid, &r, &a);
	}
	ap_status = st;
	ap_reason = r;
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
}

/* True once the guest has made progress in run number `seq` (its read count
 * moved while ap_seq still reads seq).  The guest reads only while its VP is
 * entered, and the AP moves ap_seq before it enters again, so progress seen
 * with the same seq on both sides of a call means the VP ran throughout. */
static bool progressed_in(uint64_t seq)
{
	uint64_t r0 = g.mb->res[0];

	return ap_guest_reads_past(&g, r0, &ap_done) != r0 &&
	       __atomic_load_n(&ap_seq, __ATOMIC_SEQ_CST) == seq;
}

/* One call made while the guest runs on the AP: checked after its run. */
struct busy_call {
	const char *id, *items, *desc;
	uint64_t rax, r1, r2, r3, want, got;
	/* After a try that succeeded in the gap: put back what it changed
	 * (and set the next try's arguments), or NULL when it changed nothing
	 * the next tries depend on. */
	void (*put_back)(struct busy_call *c);
};

static struct busy_call calls[N_CALLS];
static unsigned n_calls;

#define CALL_TRIES 1000u

/* One call on the VP that runs on the AP, made right after the guest was
 * seen making progress in the AP's current run.  The expected status is
 * taken as it comes; any other result counts only when the guest then
 * progresses in the same run again, so the VP ran throughout the call.  A
 * call that the run's end may have overlapped is made again: the VP is not
 * running in that gap, so a call made there may rightly succeed (making the
 * call only right after seen progress keeps that rare: a run lasts a time
 * slice, the gap microseconds).  So that a call made there harms nothing,
 * destroy_vps names a spare VPS of the VP (made again when one went),
 * set_identity_map a GPA that a stopped VP's call refuses (PARAMS2), and the
 * AP enters again after a run_vp of the BSP's. */
static void call_put_back(const char *id, const char *items, uint64_t rax, uint64_t r1,
			  uint64_t r2, uint64_t r3, uint64_t want, const char *desc,
			  void (*put_back)(struct busy_call *c))
{
	struct hc_regs o;
	struct busy_call *c = &calls[n_calls++];

	*c = (struct busy_call){ id, items, desc, rax, r1, r2, r3, want, 0, put_back };
	for (unsigned t = 0; t < CALL_TRIES; t++) {
		uint64_t seq = __atomic_load_n(&ap_seq, __ATOMIC_SEQ_CST);

		if (!progressed_in(seq))
			continue;
		c->got = hc_call(rax, HC_LOAD(&o, vmm_handle, r1, r2, r3));
		if (c->got == want || progressed_in(seq))
			return;
		if (c->got == EXP_STATUS_SUCCESS && c->put_back)
			c->put_back(c);
	}
	probe_error("%s: 0x%llx, and the guest's run on the AP was not shown to span any of %u "
		    "tries (AP runs %llu, %llu reads, AP run %s: status 0x%llx, %s)", id,
		    (unsigned long long)c->got, CALL_TRIES, (unsigned long long)ap_seq,
		    (unsigned long long)g.mb->res[0], ap_done ? "ended" : "going on",
		    (unsigned long long)ap_status, vmm_exit_name(ap_reason));
}

static void call(const char *id, const char *items, uint64_t rax, uint64_t r1, uint64_t r2,
		 uint64_t r3, uint64_t want, const char *desc)
{
	call_put_back(id, items, rax, r1, r2, r3, want, desc, NULL);
}

/* destroy_vps of the spare VPS succeeded in the gap: a new spare. */
static void spare_again(struct busy_call *c)
{
	uint64_t st = vmm_vps_create(g.vpid, &c->r1);

	if (st != EXP_STATUS_SUCCESS)
		probe_error("create_vps of a new spare VPS fails (0x%llx)", (unsigned long long)st);
}

void probe_main(void)
{
	const uint64_t deny = EXP_STATUS_INVALID_PERM_DENIED, ok = EXP_STATUS_SUCCESS;
	uint64_t page, cpuid_page, reads_before;

	vmm_init(true);
	vmm_guest_new(&g, "vpbusy guest");
	page = vmm_alloc(1);
	cpuid_page = vmm_alloc(1);
	if (vmm_guest_run(&g, G_NOP, 0, 0, 0, 0) != EXP_STATUS_SUCCESS)
		probe_error("the guest agent does not run to its first HLT");
	/* A valid FXSAVE image for set_fpu/set_xsave: the VPS's own. */
	struct hc_regs o;
	uint64_t st0 = hc_call(EXP_HC_VPS(EXP_IDX_GET_XSAVE), HC_LOAD(&o, vmm_handle, g.vpsid, page));
	if (st0 != ok)
		probe_error("get_xsave of the stopped VPS fails (0x%llx)", (unsigned long long)st0);
	/* A second VPS of the VP, not its active one: destroy_vps names it. */
	uint64_t spare = EXP_INVALID_ID;
	st0 = vmm_vps_create(g.vpid, &spare);
	if (st0 != ok)
		probe_error("create_vps of a spare VPS fails (0x%llx)", (unsigned long long)st0);

	ap_guest_start(&g, ap_main, ap_stack + sizeof(ap_stack), READS_FIRST, &ap_done, &ap_status,
		       &ap_reason);

	/* Nothing is printed while the AP runs (one UART, two CPUs): collect. */
	call("run-vp", "mv_vp_run_vp", EXP_HC_RUN_VP, g.vpid, 0, 0, deny,
	     "run_vp of the VP running on the AP (E-21: already running)");
	call("destroy-vp", "mv_vp_op_destroy_vp", EXP_HC_DESTROY_VP, g.vpid, 0, 0, deny,
	     "destroy_vp of the VP running on the AP (E-16)");
	call_put_back("destroy-vps", "mv_vps_op_destroy_vps", EXP_HC_DESTROY_VPS, spare, 0, 0, deny,
		      "destroy_vps of a (spare) VPS of the VP running on the AP (E-16)", spare_again);
	spare = calls[n_calls - 1].r1;
	call("get-reg", "mv_vps_op_get_reg", EXP_HC_VPS(EXP_IDX_GET_REG), g.vpsid, EXP_REG_RAX, 0,
	     deny, "get_reg RAX of the running VPS");
	call("set-reg", "mv_vps_op_set_reg", EXP_HC_VPS(EXP_IDX_SET_REG), g.vpsid, EXP_REG_RAX, 1,
	     deny, "set_reg RAX of the running VPS");
	call("get-msr", "mv_vps_op_get_msr", EXP_HC_VPS(EXP_IDX_GET_MSR), g.vpsid, MSR_LSTAR, 0,
	     deny, "get_msr LSTAR of the running VPS");
	call("set-msr", "mv_vps_op_set_msr", EXP_HC_VPS(EXP_IDX_SET_MSR), g.vpsid, MSR_LSTAR,
	     0xFFFFFFFF81000000ull, deny, "set_msr LSTAR of the running VPS");
	call("set-cpuid", "mv_vps_op_set_cpuid", EXP_HC_VPS(EXP_IDX_SET_CPUID), g.vpsid, cpuid_page,
	     0, deny, "set_cpuid of the running VPS");
	call("get-fpu", "mv_vps_op_get_fpu", EXP_HC_VPS(EXP_IDX_GET_FPU), g.vpsid, page, 0, deny,
	     "get_fpu of the running VPS");
	call("set-fpu", "mv_vps_op_set_fpu", EXP_HC_VPS(EXP_IDX_SET_FPU), g.vpsid, page, 0, deny,
	     "set_fpu of the running VPS (a valid image)");
	call("get-xsave", "mv_vps_op_get_xsave", EXP_HC_VPS(EXP_IDX_GET_XSAVE), g.vpsid, page, 0,
	     deny, "get_xsave of the running VPS");
	call("set-xsave", "mv_vps_op_set_xsave", EXP_HC_VPS(EXP_IDX_SET_XSAVE), g.vpsid, page, 0,
	     deny, "set_xsave of the running VPS (a valid area)");
	call("virt-to-phys", "mv_vps_op_virt_to_phys", EXP_HC_VPS(EXP_IDX_VIRT_TO_PHYS), g.vpsid,
	     GUEST_IMAGE_GPA, 0, deny, "virt_to_phys through the running VPS's page tables");
	call("set-identity-map", "mv_vps_op_set_identity_map", EXP_HC_VPS(EXP_IDX_SET_IDENTITY_MAP),
	     g.vpsid, GUEST_PT_GPA + 8, 0, deny,
	     "set_identity_map of the running VPS (at an unaligned GPA: the state check comes first)");
	call("get-tsc-khz", "mv_vps_op_get_tsc_khz", EXP_HC_VPS(EXP_IDX_GET_TSC_KHZ), g.vpsid, 0, 0,
	     ok, "get_tsc_khz of the running VPS (no VPS state: allowed)");
	call("get-cpuid", "mv_vps_op_get_cpuid", EXP_HC_VPS(EXP_IDX_GET_CPUID), g.vpsid, 1, 0, ok,
	     "get_cpuid leaf 1 of the running VPS (the VM's CPUID policy: allowed)");
	/* The guest still runs: its count moves on (bounded wait: a loaded host
	 * may not schedule the AP for a while). */
	reads_before = g.mb->res[0];
	uint64_t reads_after = ap_guest_reads_past(&g, reads_before, &ap_done);

	g.mb->arg[1] = 1; /* the guest leaves its loop: HLT */
	ap_guest_wait_done(&ap_done);

	for (unsigned i = 0; i < n_calls; i++) {
		const struct busy_call *c = &calls[i];
		vmm_check_st(c->id, c->items, c->want, c->got, "%s", c->desc);
	}
	check_tok("guest-ran-on", "mv_vp_run_vp", "reading",
		  reads_after > reads_before ? "reading" : "stopped", reads_after > reads_before,
		  "after the refused calls the guest still runs on the AP (%llu -> %llu reads)",
		  (unsigned long long)reads_before, (unsigned long long)reads_after);
	check_eq("ap-run-ends-hlt", "mv_vp_run_vp,mv_vp_exit_t_hlt", EXP_EXIT_HLT,
		 ap_done && ap_status == ok ? ap_reason : ~0ull,
		 "told to stop, the guest's run on the AP ends with its HLT (status 0x%llx)",
		 (unsigned long long)ap_status);
	uint64_t r = ~0ull, st = vmm_vps_get_reg(g.vpsid, EXP_REG_RAX, &r);
	vmm_check_st("get-reg-stopped", "mv_vps_op_get_reg", ok, st,
		     "get_reg of the same VPS once its run has ended");
	st = vmm_guest_run(&g, G_NOP, 0, 0, &r, 0);
	check_eq("run-again", "mv_vp_run_vp,mv_vp_exit_t_hlt", EXP_EXIT_HLT,
		 st == ok ? r : ~0ull, "the BSP runs the VP again: it was left intact");
	vmm_check_st("spare-destroyed", "mv_vps_op_destroy_vps", ok, vmm_vps_destroy(spare),
		     "the spare VPS is destroyed once the VP has stopped");
	vmm_check_st("guest-destroy", "mv_vm_op_destroy_vm", ok, vmm_guest_free(&g),
		     "the guest is destroyed");
}
