/*
 * The exit dispatcher: exit_handle() (called by core_handle_exit, core.c)
 * looks the exit type up in a table of handlers.  The root VM owns the
 * machine, so its exits are emulated and
 * resumed, or end the run when the root OS is dead.  A guest VP's exits that
 * the core does not emulate end its mv_vp_run_vp with an mv_vp_exit_t
 * (docs/exit-reasons.md).
 */
#include <microv/mv_abi.h>

#include <hv/apic.h>
#include <hv/ioapic.h>
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/cpuid.h>
#include <hv/exit.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/msr_root.h>
#include <hv/pp.h>
#include <hv/root_stop.h>
#include <hv/run.h>
#include <hv/vm.h>
#include <hv/vps.h>

#define RFLAGS_IF (1ull << 9)
#define SEG_ATTRIB_L (1u << 13)
#define EFER_LMA (1ull << 10)
#define VECTOR_UD 6

typedef enum hv_exit_action (*exit_handler_t)(struct hv_pp *pp, struct hv_vps *vps,
					      const struct hv_exit *exit);

static bool exit_from_root(const struct hv_vps *vps)
{
	return vps->vmid == MV_ROOT_VMID;
}

static void exit_advance(struct hv_vps *vps, const struct hv_exit *exit, uint32_t arch_len)
{
	arch_vps_set_reg(vps, bf_reg_t_rip, exit->rip + (exit->insn_len ? exit->insn_len : arch_len));
}

/* The root VM cannot continue: stop it on every PP (root_stop.c), then
 * report why, and how many PPs stopped. */
static enum hv_exit_action exit_root_dead(struct hv_pp *pp, const struct hv_exit *exit,
					  const char *why)
{
	uint16_t stopped = 0, pps = 0;
	bool reports = root_stop_machine(pp, &stopped, &pps);

	if (!reports) {
		hv_log("root VM also died on pp %u: %s (exit %s, rip 0x%llx)", pp->id, why,
		       exit_type_name(exit->type), (unsigned long long)exit->rip);
		return HV_ACTION_STOP;
	}
	hv_log("root VM stopped on pp %u: %s (exit %s, rip 0x%llx, raw 0x%llx); stopped on %u of %u PPs",
	       pp->id, why, exit_type_name(exit->type), (unsigned long long)exit->rip,
	       (unsigned long long)exit->raw, stopped, pps);
	root_stop_linger();
	return HV_ACTION_STOP;
}

/* A guest VP stopped with `reason`: hand the PP back to the root VP. */
static enum hv_exit_action exit_to_root(struct hv_pp *pp, uint64_t reason, uint64_t arg)
{
	run_return_to_root(pp, reason, arg);
	return HV_ACTION_SWITCH;
}

static enum hv_exit_action exit_cpuid(struct hv_pp *pp, struct hv_vps *vps,
				      const struct hv_exit *exit)
{
	(void)pp;
	cpuid_emulate(vps);
	exit_advance(vps, exit, 2);
	return HV_ACTION_RESUME;
}

static bool vps_in_64bit_mode(struct hv_vps *vps)
{
	return (arch_vps_get_reg(vps, bf_reg_t_efer) & EFER_LMA) &&
	       (arch_vps_get_reg(vps, bf_reg_t_cs_attrib) & SEG_ATTRIB_L);
}

static enum hv_exit_action exit_hypercall(struct hv_pp *pp, struct hv_vps *vps,
					  const struct hv_exit *exit)
{
	/* 6.2: hypercalls are legal from 64-bit mode only; elsewhere the
	 * instruction is undefined, as without a hypervisor. */
	if (!vps_in_64bit_mode(vps)) {
		struct hv_event ud = { .type = HV_EVENT_EXCEPTION, .vector = VECTOR_UD };
		evq_post(&vps->evq, &ud);
		return HV_ACTION_RESUME;
	}
	switch (hypercall_handle(pp, vps)) {
	case HV_HC_DONE:
		exit_advance(vps, exit, 3);
		return HV_ACTION_RESUME;
	case HV_HC_REEXECUTE:
		return HV_ACTION_RESUME;
	case HV_HC_SWITCHED:
	default:
		exit_advance(vps, exit, 3);
		return HV_ACTION_SWITCH;
	}
}

static uint64_t fault_code(uint64_t kind, uint64_t detail)
{
	return (kind << MV_VP_FAULT_KIND_SHIFT) | (detail & MV_VP_FAULT_DETAIL_MASK);
}

static enum hv_exit_action exit_hlt(struct hv_pp *pp, struct hv_vps *vps,
				    const struct hv_exit *exit)
{
	bool waits = arch_vps_get_reg(vps, bf_reg_t_rflags) & RFLAGS_IF;

	exit_advance(vps, exit, 1);
	if (!exit_from_root(vps)) {
		/* No virtual timer is armed for guests yet: sleep time 0. */
		return waits ? exit_to_root(pp, mv_vp_exit_t_yield, 0)
			     : exit_to_root(pp, mv_vp_exit_t_hlt, 0);
	}
	/* The bare-metal backends do not intercept the root's HLT (it halts the
	 * processor until its next interrupt); mvsim waits for the root's next
	 * interrupt itself and sends the HLT here only when nothing could ever
	 * wake it: IF=0, or no interrupt source armed (docs/root-vm.md "HLT"). */
	uint16_t stopped = 0, pps = 0;
	if (root_stop_machine(pp, &stopped, &pps)) {
		hv_log("root VM halted with %s on pp %u at rip 0x%llx; stopped on %u of %u PPs",
		       waits ? "no interrupt source armed" : "interrupts disabled", pp->id,
		       (unsigned long long)exit->rip, stopped, pps);
		root_stop_linger();
	}
	return HV_ACTION_STOP;
}

static enum hv_exit_action exit_slpt(struct hv_pp *pp, struct hv_vps *vps,
				     const struct hv_exit *exit)
{
	if (exit_from_root(vps) && exit->u.slpt.access == HV_ACCESS_WRITE && exit->u.slpt.present &&
	    (apic_is_root_page(exit->u.slpt.gpa) || ioapic_is_root_page(exit->u.slpt.gpa))) {
		const char *why = apic_is_root_page(exit->u.slpt.gpa) ? apic_root_store(pp, vps, exit)
								       : ioapic_root_store(pp, vps, exit);
		return why ? exit_root_dead(pp, exit, why) : HV_ACTION_RESUME;
	}
	const char *kind = (exit->u.slpt.access & HV_ACCESS_WRITE)  ? "write"
			   : (exit->u.slpt.access & HV_ACCESS_EXEC) ? "execute"
								    : "read";
	hv_log("vm %u vp %u: %s access to gpa 0x%llx it %s at rip 0x%llx", vps->vmid, vps->vpid,
	       kind, (unsigned long long)exit->u.slpt.gpa,
	       exit->u.slpt.present ? "may not access that way" : "does not own",
	       (unsigned long long)exit->rip);
	if (exit_from_root(vps))
		return exit_root_dead(pp, exit, "access to memory the root VM does not own");
	return exit_to_root(pp, mv_vp_exit_t_fault, fault_code(MV_VP_FAULT_SLPT, exit->u.slpt.gpa));
}

static enum hv_exit_action exit_triple_fault(struct hv_pp *pp, struct hv_vps *vps,
					     const struct hv_exit *exit)
{
	if (exit_from_root(vps))
		return exit_root_dead(pp, exit, "triple fault");
	hv_log("vm %u vp %u: triple fault at rip 0x%llx", vps->vmid, vps->vpid,
	       (unsigned long long)exit->rip);
	return exit_to_root(pp, mv_vp_exit_t_fault, fault_code(MV_VP_FAULT_TRIPLE, 0));
}

static enum hv_exit_action exit_exception(struct hv_pp *pp, struct hv_vps *vps,
					  const struct hv_exit *exit)
{
	if (exit_from_root(vps))
		return exit_root_dead(pp, exit, "unexpected intercepted exception");
	return exit_to_root(pp, mv_vp_exit_t_fault,
			    fault_code(MV_VP_FAULT_EXCEPTION,
				       exit->u.exc.vector | ((uint64_t)exit->u.exc.error << 8)));
}

static enum hv_exit_action exit_io(struct hv_pp *pp, struct hv_vps *vps,
				   const struct hv_exit *exit)
{
	if (exit_from_root(vps))
		return exit_root_dead(pp, exit, "intercepted port I/O of the root VM");
	if (exit->u.io.port == MV_PM1A_CNT_PORT && !exit->u.io.in && !exit->u.io.string &&
	    (exit->u.io.value & MV_PM1_SLP_EN)) {
		exit_advance(vps, exit, 1);
		return exit_to_root(pp, mv_vp_exit_t_suspend,
				    (exit->u.io.value >> MV_PM1_SLP_TYP_SHIFT) & MV_PM1_SLP_TYP_MASK);
	}
	hv_log("vm %u vp %u: port I/O 0x%x at rip 0x%llx", vps->vmid, vps->vpid,
	       exit->u.io.port, (unsigned long long)exit->rip);
	return exit_to_root(pp, mv_vp_exit_t_fault,
			    fault_code(MV_VP_FAULT_IO, exit->u.io.port |
							   ((uint64_t)exit->u.io.size << 16) |
							   ((uint64_t)exit->u.io.in << 24)));
}

static enum hv_exit_action exit_pause(struct hv_pp *pp, struct hv_vps *vps,
				      const struct hv_exit *exit)
{
	exit_advance(vps, exit, 2);
	if (exit_from_root(vps))
		return HV_ACTION_RESUME;
	return exit_to_root(pp, mv_vp_exit_t_retry, exit->rip);
}

/* MSR accesses the backend intercepts.  The root's follow its MSR policy
 * (msr_root.c): emulated, or #GP with RIP at the instruction.  A guest
 * writing its TSC asks for a clock resync; every other intercepted MSR is
 * not the guest VPS's: #GP. */
static enum hv_exit_action exit_msr(struct hv_pp *pp, struct hv_vps *vps,
				    const struct hv_exit *exit)
{
	if (exit_from_root(vps)) {
		uint32_t msr = exit->u.msr.index;
		int r = apic_is_root_msr(msr) ? apic_root_msr(vps, exit)
					      : msr_root_access(vps, msr, exit->u.msr.write,
								exit->u.msr.value);
		if (r == 0) {
			exit_advance(vps, exit, 2);
			return HV_ACTION_RESUME;
		}
	} else if (exit->u.msr.write && exit->u.msr.index == MV_MSR_IA32_TSC) {
		exit_advance(vps, exit, 2);
		return exit_to_root(pp, mv_vp_exit_t_sync_tsc, exit->u.msr.value);
	}
	struct hv_event gp = { .type = HV_EVENT_EXCEPTION, .vector = 13, .has_error = 1 };
	evq_post(&vps->evq, &gp);
	return HV_ACTION_RESUME;
}

static enum hv_exit_action exit_interrupt(struct hv_pp *pp, struct hv_vps *vps,
					  const struct hv_exit *exit)
{
	(void)exit;
	if (exit_from_root(vps))
		return HV_ACTION_RESUME;
	return exit_to_root(pp, mv_vp_exit_t_external_interrupt, 0);
}

/* The guest can take the next queued interrupt: core_handle_exit hands it
 * over (evq_deliver) and the VPS runs on. */
static enum hv_exit_action exit_irq_window(struct hv_pp *pp, struct hv_vps *vps,
					   const struct hv_exit *exit)
{
	(void)pp, (void)vps, (void)exit;
	return HV_ACTION_RESUME;
}

/* An instruction of the virtualization extensions, which CPUID hides from
 * every VM (VMX instructions exit in VMX non-root, the SVM ones are
 * intercepted): #UD, as on a processor without them, RIP at the
 * instruction (docs/spec-errata.md E-59, probe insnexit). */
static enum hv_exit_action exit_ud(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit)
{
	(void)pp, (void)exit;
	struct hv_event ud = { .type = HV_EVENT_EXCEPTION, .vector = 6 };
	evq_post(&vps->evq, &ud);
	return HV_ACTION_RESUME;
}

/* INVD (the SVM backend intercepts it; VMX completes its unconditional exit
 * itself): completed without invalidating the caches, in any VM.  The
 * hypervisor's and other VMs' dirty lines must not be discarded (E-59). */
static enum hv_exit_action exit_invd(struct hv_pp *pp, struct hv_vps *vps,
				     const struct hv_exit *exit)
{
	(void)pp;
	exit_advance(vps, exit, 2);
	return HV_ACTION_RESUME;
}

static enum hv_exit_action exit_host_stop(struct hv_pp *pp, struct hv_vps *vps,
					  const struct hv_exit *exit)
{
	(void)vps;
	(void)exit;
	pp->stop = HV_STOP_HOST;
	return HV_ACTION_STOP;
}

static enum hv_exit_action exit_unexpected(struct hv_pp *pp, struct hv_vps *vps,
					   const struct hv_exit *exit)
{
	if (exit_from_root(vps))
		return exit_root_dead(pp, exit, "exit the hypervisor does not handle");
	hv_log("vm %u vp %u: unhandled exit %s (raw 0x%llx) at rip 0x%llx", vps->vmid,
	       vps->vpid, exit_type_name(exit->type), (unsigned long long)exit->raw,
	       (unsigned long long)exit->rip);
	uint64_t kind = exit->type == HV_EXIT_ENTRY_FAILURE ? MV_VP_FAULT_ENTRY : MV_VP_FAULT_UNHANDLED;
	uint64_t detail = exit->type == HV_EXIT_ENTRY_FAILURE ? exit->u.entry.code : exit->raw;
	return exit_to_root(pp, mv_vp_exit_t_fault, fault_code(kind, detail));
}

static const exit_handler_t exit_handlers[HV_EXIT_TYPE_COUNT] = {
	[HV_EXIT_CPUID] = exit_cpuid,
	[HV_EXIT_HYPERCALL] = exit_hypercall,
	[HV_EXIT_HLT] = exit_hlt,
	[HV_EXIT_IO] = exit_io,
	[HV_EXIT_MSR] = exit_msr,
	[HV_EXIT_PAUSE] = exit_pause,
	[HV_EXIT_SLPT_VIOLATION] = exit_slpt,
	[HV_EXIT_EXCEPTION] = exit_exception,
	[HV_EXIT_EXTINT] = exit_interrupt,
	[HV_EXIT_PREEMPT] = exit_interrupt,
	[HV_EXIT_TRIPLE_FAULT] = exit_triple_fault,
	[HV_EXIT_ENTRY_FAILURE] = exit_unexpected,
	[HV_EXIT_HOST_STOP] = exit_host_stop,
	[HV_EXIT_UNKNOWN] = exit_unexpected,
	[HV_EXIT_IRQ_WINDOW] = exit_irq_window,
	[HV_EXIT_UD] = exit_ud,
	[HV_EXIT_INVD] = exit_invd,
};

enum hv_exit_action exit_handle(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit)
{
	exit_handler_t handler = NULL;

	pp->exits++;
	if ((unsigned)exit->type < HV_EXIT_TYPE_COUNT)
		handler = exit_handlers[exit->type];
	if (!handler)
		handler = exit_unexpected;
	return handler(pp, vps, exit);
}
