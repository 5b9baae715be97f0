/*
 * run: mv_vp_run_vp (spec 6.13.3, E-04, E-21) and the seven exit reasons
 * with their REG1 as docs/exit-reasons.md defines the triggers.  One guest
 * (the agent, module guest-agent.elf) does one command per run.
 */
#include "vmm.h"

PROBE_TITLE("mv_vp_run_vp: parameters, and all seven exit reasons with REG1");

#define I_RUN "mv_vp_run_vp"
#define SPIN_FOREVER (~0ull)
#define TSC_VALUE 0x0000001234567890ull
#define FAULT_GPA 0x3000000ull

static struct guest g;

static const char *items2(const char *reason)
{
	return rt_fmt(I_RUN ",%s", reason);
}

/* Runs cmd once; checks the reason and REG1; returns whether both matched. */
static bool run_expect(const char *id, uint64_t cmd, const uint64_t *args, unsigned nargs,
		       uint64_t want_reason, uint64_t want_arg, const char *what)
{
	uint64_t reason = ~0ull, arg = ~0ull;
	uint64_t st = vmm_guest_run(&g, cmd, args, nargs, &reason, &arg);
	bool ok;

	vmm_check_st(rt_fmt("%s-status", id), I_RUN, EXP_STATUS_SUCCESS, st, "run_vp for %s", what);
	ok = check_eq(rt_fmt("%s-reason", id), items2(vmm_exit_name(want_reason)), want_reason,
		      reason, "%s ends the run with %s (got %s)", what, vmm_exit_name(want_reason),
		      vmm_exit_name(reason));
	ok &= check_eq(rt_fmt("%s-reg1", id), items2(vmm_exit_name(want_reason)), want_arg, arg,
		       "REG1 of %s (docs/exit-reasons.md)", vmm_exit_name(want_reason));
	return ok;
}

/* After an exit that lets the guest continue: running again finishes the
 * command (hlt) with res[0] = 1. */
static void continue_expect(const char *id, uint64_t reason, uint64_t res0)
{
	uint64_t r = ~0ull, a = ~0ull, done = g.mb->done;
	uint64_t st = vmm_run_vp(g.vpid, &r, &a);

	check_eq(rt_fmt("%s-continue", id), items2(vmm_exit_name(reason)), EXP_EXIT_HLT,
		 st == EXP_STATUS_SUCCESS ? r : st,
		 "running again after %s continues the guest to its HLT", vmm_exit_name(reason));
	check_eq(rt_fmt("%s-continued", id), items2(vmm_exit_name(reason)), res0,
		 g.mb->res[0], "the guest went on past the instruction that exited");
	check_eq(rt_fmt("%s-done", id), items2(vmm_exit_name(reason)), done + 1, g.mb->done,
		 "the command completed exactly once");
}

static void reset_alive(const char *id, uint64_t reason)
{
	uint64_t r = ~0ull, a = ~0ull;

	vmm_guest_reset(&g);
	uint64_t st = vmm_guest_run(&g, G_NOP, 0, 0, &r, &a);
	check_eq(rt_fmt("%s-rerun", id), items2(vmm_exit_name(reason)), EXP_EXIT_HLT,
		 st == EXP_STATUS_SUCCESS ? r : st,
		 "after %s and RIP/RSP reset by set_reg, the guest runs again", vmm_exit_name(reason));
}

void probe_main(void)
{
	struct hc_regs o;
	uint64_t st, r, a, vm2, vp2;

	vmm_init(true);
	vmm_guest_new(&g, "run guest");

	/* ---- parameters ---- */
	st = vmm_run_vp(EXP_ROOT_VPID, &r, &a);
	vmm_check_st("root-vp", I_RUN, EXP_STATUS_INVALID_PARAMS1, st, "run_vp of a root VP (E-21)");
	st = vmm_run_vp(0x10000ull | g.vpid, &r, &a);
	vmm_check_st("vpid-above-16bit", I_RUN, EXP_STATUS_INVALID_PARAMS1, st,
		 "run_vp with REG1 = 0x10000 | the guest's VPID (REG1 is 63:0; IDs are 16-bit, E-21)");
	st = vmm_run_vp(EXP_INVALID_ID, &r, &a);
	vmm_check_st("vpid-invalid", I_RUN, EXP_STATUS_INVALID_PARAMS1, st, "run_vp of VPID 0xFFFF");
	st = hc_call(EXP_HC_RUN_VP, HC_LOAD(&o, vmm_handle ^ 1, g.vpid));
	vmm_check_st("bad-handle", I_RUN, EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "run_vp with a wrong handle");
	if (vmm_vm_create(&vm2) != EXP_STATUS_SUCCESS || vmm_vp_create(vm2, &vp2) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the VPS-less VP");
	st = vmm_run_vp(vp2, &r, &a);
	vmm_check_st("vp-without-vps", I_RUN, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "run_vp of a VP that has no VPS (E-21: a state refused)");
	vmm_vp_destroy(vp2);
	vmm_vm_destroy(vm2);

	/* ---- the guest starts: hlt ---- */
	run_expect("hlt", G_NOP, 0, 0, EXP_EXIT_HLT, 0, "cli; hlt");
	check_eq("hlt-magic", items2("mv_vp_exit_t_hlt"), GUEST_MAGIC, g.mb->magic,
		 "the guest ran from the RIP/RSP set with set_reg and wrote the shared mailbox");
	check_eq("hlt-done", items2("mv_vp_exit_t_hlt"), 1, g.mb->done,
		 "one command completed before the HLT");
	st = vmm_guest_hc(&g, EXP_HC_RUN_VP, 0, g.vpid, 0, 0, 0, 0, &o, &r);
	vmm_check_st("from-guest", I_RUN, EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "run_vp from a guest without a handle: the handle is checked first (E-17)");
	st = vmm_guest_hc(&g, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("the guest cannot open a handle: 0x%llx", (unsigned long long)st);
	st = vmm_guest_hc(&g, EXP_HC_RUN_VP, o.r[0], g.vpid, 0, 0, 0, 0, &o, &r);
	vmm_check_st("from-guest-perm", I_RUN, EXP_STATUS_INVALID_PERM_EXT, st,
		 "run_vp from a guest with its handle is root-only (E-18)");

	/* ---- yield: sti; hlt ---- */
	if (run_expect("yield", G_YIELD, 0, 0, EXP_EXIT_YIELD, 0, "sti; hlt"))
		continue_expect("yield", EXP_EXIT_YIELD, 1);

	/* ---- retry: pause, REG1 = its RIP ---- */
	{
		uint64_t rr = ~0ull, ra = ~0ull;
		st = vmm_guest_run(&g, G_PAUSE, 0, 0, &rr, &ra);
		vmm_check_st("retry-status", I_RUN, EXP_STATUS_SUCCESS, st, "run_vp for pause");
		check_eq("retry-reason", items2("mv_vp_exit_t_retry"), EXP_EXIT_RETRY, rr,
			 "PAUSE ends the run with mv_vp_exit_t_retry (got %s)", vmm_exit_name(rr));
		check_eq("retry-reg1", items2("mv_vp_exit_t_retry"), g.mb->res[1], ra,
			 "REG1 of retry is the RIP of the PAUSE (the guest wrote it to the mailbox)");
		if (rr == EXP_EXIT_RETRY)
			continue_expect("retry", EXP_EXIT_RETRY, 1);
	}

	/* ---- external interrupt: the time slice of a spinning guest ----
	 * The guest spins until the root tells it to stop through the shared
	 * mailbox, which the root can only do after a preemption handed the PP
	 * back: whatever the slice length (instructions in mvsim, a timer on
	 * hardware), the first exit must be external_interrupt. */
	{
		uint64_t args[2] = { SPIN_FOREVER, 0 }, rr = ~0ull, ra = ~0ull;
		st = vmm_guest_run_once(&g, G_SPIN, args, 2, &rr, &ra);
		uint64_t first = g.mb->res[0];
		vmm_check_st("extint-status", I_RUN, EXP_STATUS_SUCCESS, st, "run_vp of a spinning guest");
		check_eq("extint-reason", items2("mv_vp_exit_t_external_interrupt"),
			 EXP_EXIT_EXTERNAL_INTERRUPT, rr,
			 "a guest spinning without end is preempted: mv_vp_exit_t_external_interrupt (got %s)",
			 vmm_exit_name(rr));
		check_eq("extint-reg1", items2("mv_vp_exit_t_external_interrupt"), 0, ra,
			 "REG1 of external_interrupt is 0");
		check_tok("extint-progress", items2("mv_vp_exit_t_external_interrupt"), "n>0",
			  rt_hex(first), first > 0, "the guest ran before it was preempted");
		/* Run it again untouched: it continues where it was.  A slice is a
		 * timer on hardware and under QEMU (host time): on a loaded host it
		 * can end before the guest ran an instruction, so allow a few
		 * slices without progress; the counter must never go back. */
		uint64_t second = first;
		for (unsigned n = 0; n < 8 && second == first && st == EXP_STATUS_SUCCESS &&
				     rr == EXP_EXIT_EXTERNAL_INTERRUPT; n++) {
			st = vmm_run_vp(g.vpid, &rr, &ra);
			second = g.mb->res[0];
		}
		check_tok("extint-continued", items2("mv_vp_exit_t_external_interrupt"), "n2>n1",
			  rt_hex(second), st == EXP_STATUS_SUCCESS && second > first,
			  "running again after a preemption continues the same loop (%llu -> %llu)",
			  (unsigned long long)first, (unsigned long long)second);
		/* Now stop it: the next run ends at its HLT. */
		g.mb->arg[1] = 1;
		unsigned preempts = 0;
		while (st == EXP_STATUS_SUCCESS && rr == EXP_EXIT_EXTERNAL_INTERRUPT &&
		       preempts++ < GUEST_MAX_PREEMPTIONS)
			st = vmm_run_vp(g.vpid, &rr, &ra);
		check_eq("extint-continue", items2("mv_vp_exit_t_external_interrupt"), EXP_EXIT_HLT,
			 rr, "told to stop, the guest reaches its HLT (%u more preemptions)", preempts);
	}

	/* ---- sync_tsc: wrmsr IA32_TSC ---- */
	{
		uint64_t args[2] = { EXP_MSR_IA32_TSC, TSC_VALUE };
		if (run_expect("sync-tsc", G_WRMSR, args, 2, EXP_EXIT_SYNC_TSC, TSC_VALUE,
			       "wrmsr IA32_TSC (0x10)"))
			continue_expect("sync-tsc", EXP_EXIT_SYNC_TSC, 1);
	}

	/* ---- reading IA32_TSC is not intercepted: only a write asks for a
	 * resync (docs/exit-reasons.md), as RDTSC, it just runs ---- */
	{
		uint64_t args[1] = { EXP_MSR_IA32_TSC };
		if (run_expect("rdmsr-tsc", G_RDMSR, args, 1, EXP_EXIT_HLT, 0,
			       "rdmsr IA32_TSC (0x10)"))
			check_eq("rdmsr-tsc-ran", items2("mv_vp_exit_t_sync_tsc"), 1, g.mb->res[1],
				 "the guest read its TSC (0x%llx) and went on: no exit, no #GP",
				 (unsigned long long)g.mb->res[0]);
	}

	/* ---- suspend: out PM1a_CNT with SLP_EN and SLP_TYP 5 ---- */
	{
		uint64_t args[2] = { EXP_PM1A_CNT_PORT, EXP_PM1_SLP_EN | (5u << EXP_PM1_SLP_TYP_SHIFT) };
		if (run_expect("suspend", G_OUTW, args, 2, EXP_EXIT_SUSPEND, 5,
			       "outw 0x604 = SLP_EN | SLP_TYP 5"))
			continue_expect("suspend", EXP_EXIT_SUSPEND, 1);
	}

	/* ---- fault: port I/O other than the suspend (no SLP_EN) ---- */
	{
		uint64_t args[2] = { EXP_PM1A_CNT_PORT, 5u << EXP_PM1_SLP_TYP_SHIFT };
		if (run_expect("fault-io", G_OUTW, args, 2, EXP_EXIT_FAULT,
			       EXP_FAULT(EXP_VP_FAULT_IO, EXP_PM1A_CNT_PORT | (2u << 16)),
			       "outw 0x604 without SLP_EN"))
			reset_alive("fault-io", EXP_EXIT_FAULT);
	}

	/* ---- fault: an unmapped GPA ---- */
	{
		uint64_t args[1] = { FAULT_GPA };
		run_expect("fault-read", G_READ, args, 1, EXP_EXIT_FAULT,
			   EXP_FAULT(EXP_VP_FAULT_SLPT, FAULT_GPA), "a read of an unmapped GPA");
		check_eq("fault-read-stopped", items2("mv_vp_exit_t_fault"), 0, g.mb->res[1],
			 "the guest did not get past the faulting read");
		reset_alive("fault-read", EXP_EXIT_FAULT);
		args[0] = FAULT_GPA + 0x1238;
		run_expect("fault-write", G_WRITE, (uint64_t[]){ FAULT_GPA + 0x1238, 1 }, 2,
			   EXP_EXIT_FAULT, EXP_FAULT(EXP_VP_FAULT_SLPT, FAULT_GPA + 0x1238),
			   "a write to an unmapped GPA");
		reset_alive("fault-write", EXP_EXIT_FAULT);
	}

	/* The triple-fault case is its own probe, `triple`: Bochs' SVM ends the
	 * whole emulator on a guest's triple fault instead of a shutdown exit,
	 * so that one case cannot run on bochs-amd (its needs "triple-fault-exit"). */

	/* ---- E-21: the active VPS destroyed, the VP runs its other VPS ---- */
	{
		uint64_t b = 0, rip = 0;
		st = vmm_vps_create(g.vpid, &b);
		if (st != EXP_STATUS_SUCCESS ||
		    hc_call(EXP_HC_VPS(EXP_IDX_SET_IDENTITY_MAP), HC_REGS(vmm_handle, b, GUEST_PT_GPA)) !=
			    EXP_STATUS_SUCCESS ||
		    vmm_vps_set_reg(b, EXP_REG_RIP, g.entry) != EXP_STATUS_SUCCESS ||
		    vmm_vps_set_reg(b, EXP_REG_RSP, GUEST_STACK_TOP) != EXP_STATUS_SUCCESS)
			probe_error("cannot set up a second VPS for the guest's VP");
		st = vmm_vps_destroy(g.vpsid);
		vmm_check_st("active-vps-destroyed", "mv_vps_op_destroy_vps", EXP_STATUS_SUCCESS, st,
			 "destroy_vps of the VP's active VPS while the VP has another");
		g.vpsid = b;
		run_expect("other-vps", G_NOP, 0, 0, EXP_EXIT_HLT, 0,
			   "the VP with its second VPS only (E-21: not PERM_DENIED)");
		st = vmm_vps_get_reg(b, EXP_REG_RIP, &rip);
		check_tok("other-vps-ran", items2("mv_vp_exit_t_hlt"), "moved", rt_hex(rip),
			  st == EXP_STATUS_SUCCESS && rip != g.entry,
			  "it was the second VPS that ran: its RIP moved from the entry 0x%llx",
			  (unsigned long long)g.entry);
	}

	/* ---- destroy while it is stopped ---- */
	vmm_check_st("guest-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_guest_free(&g),
		 "the guest is destroyed after its runs");
	st = vmm_run_vp(g.vpid, &r, &a);
	vmm_check_st("destroyed-vp", I_RUN, EXP_STATUS_INVALID_PARAMS1, st, "run_vp of a destroyed VP");
}
