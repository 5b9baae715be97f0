/*
 * The VMX backend: per-PP VMXON, the VMCS life cycle of a VPS (controls
 * from caps.c, the reset state), event injection, run.
 *
 * Root VM: the root controls of caps.c, an MSR bitmap that intercepts only
 * IA32_APIC_BASE and 0x800-0x8FF (msr_fpu.c, hv/core/apic.c).
 * Guest VMs: the guest controls, the MSR bitmap of msr_fpu.c, a TPR shadow
 * (guest CR8 never reaches the local APIC: a virtual-APIC page per VPS),
 * and the VMX-preemption timer as the time slice (else the local APIC timer
 * of boot/preempt.c).  CR0/CR4: the bits the processor fixes are owned by
 * the host (vmcs.c); a MOV to CR0/CR4 that touches them exits and is
 * completed in exit.c.
 */
#include <x86/boot.h>
#include <x86/cpu.h>
#include <x86/dr.h>
#include <x86/event.h>
#include <x86/pages.h>
#include <x86/pkrs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

/* Per PP: the VMXON region. */
static uint8_t vmxon[HV_MAX_PPS][4096] __attribute__((aligned(4096)));

int vmx_pp_enable(uint16_t ppid)
{
	if (ppid >= HV_MAX_PPS)
		return -1;
	if (!x86_cpu_has_vmx()) {
		hv_log("vmx: pp %u: the CPU has no VMX (CPUID 1 ECX[5])", ppid);
		return -1;
	}
	if (ppid == 0 && vmx_caps_init())
		return -1;

	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
			hv_log("vmx: pp %u: VMX disabled by the firmware (IA32_FEATURE_CONTROL 0x%llx "
			       "locked without VMXON outside SMX)", ppid, (unsigned long long)fc);
			return -1;
		}
	} else {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
		if (ppid == 0)
			hv_log("vmx: IA32_FEATURE_CONTROL was unlocked (0x%llx): set VMXON outside "
			       "SMX and locked", (unsigned long long)fc);
	}

	struct vmx_caps *c = &vmx_caps;
	uint64_t cr0 = (read_cr0() | c->cr0_fixed0) & c->cr0_fixed1;
	uint64_t cr4 = (read_cr4() | c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1;
	if (!(cr4 & CR4_VMXE)) {
		hv_log("vmx: pp %u: IA32_VMX_CR4_FIXED1 does not allow CR4.VMXE", ppid);
		return -1;
	}
	write_cr0(cr0);
	write_cr4(cr4);

	vmx_host_gdt_load(ppid);
	hv_memset(vmxon[ppid], 0, sizeof(vmxon[ppid]));
	hv_memcpy(vmxon[ppid], &c->revision, 4);
	int st = vmx_vmxon((uint64_t)(uintptr_t)vmxon[ppid]);
	if (st) {
		hv_log("vmx: pp %u: VMXON failed (%s)", ppid,
		       st == 1 ? "VMfailInvalid: bad VMXON region, or already in VMX operation"
			       : "VMfailValid");
		return -1;
	}
	if (ppid == 0) {
		vmx_msr_bitmaps_init();
		x86_fpu_init();
	}
	return 0;
}

/* ---- VMCS life cycle ---- */

static void vps_reset_state(struct arch_vps *a)
{
	/* The processor's reset state (real mode at F000:FFF0). */
	for (unsigned i = 0; i < 8; i++) {
		unsigned ar = i == 1 ? 0x9B : i == 6 ? 0x82 : i == 7 ? 0x8B : 0x93;
		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, i == 1 ? 0xF000 : 0);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, i == 1 ? 0xFFFF0000ull : 0);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, 0xFFFF);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, ar);
	}
	vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xFFFF);
	vmwrite(VMCS_GUEST_RIP, 0xFFF0);
	vmwrite(VMCS_GUEST_RSP, 0);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	vmx_set_cr0(a, 0x60000010ull);
	vmwrite(VMCS_GUEST_CR3, 0);
	vmx_set_cr4(a, 0);
	vmwrite(VMCS_GUEST_EFER, 0);
	vmwrite(VMCS_GUEST_PAT, DEFAULT_PAT);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	a->dr6 = 0xFFFF0FF0ull;
	a->cr2 = 0;
	hv_memset(a->dr, 0, sizeof(a->dr));
	hv_memset(a->lazy, 0, sizeof(a->lazy));
	x86_fpu_reset(a->fxsave);
}

int vmx_vps_init(struct hv_vps *vps)
{
	struct hv_vm *vm = vps_vm(vps);
	uint64_t pages[3]; /* this struct, the VMCS, the virtual-APIC page */

	if (!vm || !vm_arch(vm) || x86_pages_alloc(pages, 3))
		return -1;
	uint64_t self = pages[0], vmcs = pages[1], vapic = pages[2];
	struct arch_vps *a = page_hva(self);
	hv_memset(a, 0, sizeof(*a));
	a->self = self;
	a->vmcs_pa = vmcs;
	a->vapic_pa = vapic;
	a->vapic = page_hva(vapic);
	hv_memset(a->vapic, 0, HV_PAGE_SIZE);
	a->id = vps_id(vps);
	a->guest = vps_vmid(vps) != 0;
	a->pp = -1;
	a->msr_pp = -1;

	uint8_t *v = page_hva(vmcs);
	hv_memset(v, 0, HV_PAGE_SIZE);
	hv_memcpy(v, &vmx_caps.revision, 4);
	int st = vmx_vmclear(vmcs);
	if (st) {
		vmx_insn_failed("VMCLEAR", vmcs, st);
		x86_pages_free(pages, 3);
		return -1;
	}
	vmx_vmcs_load(a);

	const struct vmx_caps *c = &vmx_caps;
	vmwrite(VMCS_PIN_CTLS, a->guest ? c->pin_guest : c->pin_root);
	vmwrite(VMCS_PROC_CTLS, a->guest ? c->proc_guest : c->proc_root);
	vmwrite(VMCS_PROC_CTLS2, a->guest ? c->proc2_guest : c->proc2_root);
	vmwrite(VMCS_EXIT_CTLS, c->exit_ctls);
	vmwrite(VMCS_ENTRY_CTLS, c->entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_PF_ERR_MASK, 0);
	vmwrite(VMCS_PF_ERR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_MSR_BITMAP, vmx_msr_bitmap_pa(a->guest));
	vmwrite(VMCS_EPTP, vm_arch(vm)->eptp);
	if (c->vpid)
		vmwrite(VMCS_VPID, vm_arch(vm)->vpid);
	if (a->guest) {
		vmwrite(VMCS_VIRTUAL_APIC_ADDR, vapic);
		vmwrite(VMCS_TPR_THRESHOLD, 0);
	}
	vmwrite(VMCS_CR0_MASK, c->cr0_mask);
	vmwrite(VMCS_CR4_MASK, c->cr4_mask);
	vmx_vmcs_write_host_state();
	vps_reset_state(a);
	vps_set_arch(vps, a);
	return 0;
}

void vmx_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps_arch(vps);

	if (!a)
		return;
	vmx_lazy_msrs_forget(a);
	if (a->pp >= 0) {
		int st = vmx_vmclear(a->vmcs_pa);
		if (st)
			vmx_insn_failed("VMCLEAR", a->vmcs_pa, st);
	}
	vmx_vmcs_forget(a);
	page_free(a->vapic_pa);
	page_free(a->vmcs_pa);
	page_free(a->self);
	vps_set_arch(vps, NULL);
}

/* ---- events ---- */

void vmx_vps_inject(struct hv_vps *vps, const struct hv_event *ev)
{
	struct arch_vps *a = vps_arch(vps);
	uint32_t info = ev->vector | INTR_INFO_VALID;

	switch (ev->type) {
	case HV_EVENT_NMI:
		info = 2 | INTR_TYPE_NMI | INTR_INFO_VALID;
		break;
	case HV_EVENT_EXCEPTION:
		info |= INTR_TYPE_HW_EXC;
		if (ev->has_error)
			info |= INTR_INFO_ERR_VALID;
		break;
	case HV_EVENT_EXTINT:
	default:
		info |= INTR_TYPE_EXT;
		break;
	}
	a->ev_valid = true;
	a->ev_info = info;
	a->ev_err = ev->error;
}

void vmx_vps_request_window(struct hv_vps *vps)
{
	vps_arch(vps)->want_window = true;
}

bool vmx_vps_take_event(struct hv_vps *vps, struct hv_event *ev)
{
	struct arch_vps *a = vps_arch(vps);

	if (!a->ev_valid)
		return false;
	a->ev_valid = false;
	return x86_event_decode(a->ev_info, a->ev_err, ev);
}

/*
 * Delivers the queued event at this entry, or asks for an interrupt window
 * when the guest cannot take an external interrupt now (RFLAGS.IF = 0, or
 * blocking by STI / MOV SS): VM entry refuses to inject one then.  An NMI
 * for the root waits while the root blocks NMIs (from an NMI's delivery to
 * its handler's IRET, or MOV SS): with virtual NMIs (caps.c) the
 * interruptibility state's blocking by NMI is the root's virtual-NMI
 * blocking and NMI-window exiting ends the wait; without them the root
 * runs without NMI exiting, the bit is its real blocking, and the monitor
 * trap flag steps it until the IRET (a processor with neither gets the NMI
 * at once).  Guest VMs keep the plain injection.
 */
static void event_prepare(struct arch_vps *a)
{
	uint32_t proc = (uint32_t)vmread(VMCS_PROC_CTLS);
	uint32_t nproc = proc & ~(PROC_INTR_WINDOW | PROC_MTF | PROC_NMI_WINDOW);

	if (a->ev_valid) {
		uint32_t info = a->ev_info;
		bool ready = true;
		if ((info & INTR_TYPE_MASK) == INTR_TYPE_EXT) {
			uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
			uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
			ready = (rflags & RFLAGS_IF) &&
				!(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS));
		} else if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI && !a->guest) {
			uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
			ready = !(intr & (INTERRUPTIBILITY_MOVSS | INTERRUPTIBILITY_NMI));
			if (!ready && vmx_caps.vnmi)
				nproc |= PROC_NMI_WINDOW;
			else if (!ready && vmx_caps.mtf)
				nproc |= PROC_MTF;
			else
				ready = true; /* neither: inject (an interrupt window could exit at once) */
		}
		if (ready) {
			/* No error code in real mode (an entry check). */
			if (!(vmread(VMCS_GUEST_CR0) & CR0_PE))
				info &= ~INTR_INFO_ERR_VALID;
			if (info & INTR_INFO_ERR_VALID)
				vmwrite(VMCS_ENTRY_EXC_ERROR, a->ev_err);
			vmwrite(VMCS_ENTRY_INTR_INFO, info);
			a->ev_valid = false;
		} else {
			vmwrite(VMCS_ENTRY_INTR_INFO, 0);
			if (!(nproc & (PROC_MTF | PROC_NMI_WINDOW)))
				nproc |= PROC_INTR_WINDOW;
		}
	} else {
		vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	}
	if (a->want_window) { /* arch_vps_request_window: exit to the core */
		nproc |= PROC_INTR_WINDOW;
		/* ... also when the root's NMI blocking ends: an NMI the core
		 * holds (behind an exception it raised) waits for that IRET,
		 * not for RFLAGS.IF (E-70). */
		if (!a->guest && vmx_caps.vnmi &&
		    (vmread(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI))
			nproc |= PROC_NMI_WINDOW;
	}
	if (nproc != proc)
		vmwrite(VMCS_PROC_CTLS, nproc);
}

/* ---- run ---- */

static void tlb_prepare(struct hv_vps *vps, struct arch_vps *a, uint16_t pp)
{
	struct arch_vm *vm = vm_arch(vps_vm(vps));
	const struct vmx_caps *c = &vmx_caps;
	bool vpid_flush = false;

	if (sl_table_flush_due(&vm->slpt, pp)) {
		int st = c->invept_single ? vmx_invept(1, vm->eptp) : vmx_invept(2, 0);
		if (st)
			vmx_insn_failed("INVEPT", vm->eptp, st);
		vpid_flush = true;
	}
	/* Linear mappings are tagged by VPID, not CR3: another VPS of the same
	 * VM (another CR3) must not see this one's. */
	if (vm->last_vps[pp] != a->id + 1u) {
		vm->last_vps[pp] = (uint16_t)(a->id + 1u);
		vpid_flush = true;
	}
	if (c->vpid && vpid_flush) {
		int st = c->invvpid_single ? vmx_invvpid(1, vm->vpid) : vmx_invvpid(2, 0);
		if (st)
			vmx_insn_failed("INVVPID", vm->vpid, st);
	}
}

void vmx_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uint16_t pp = arch_pp_id();
	const struct vmx_caps *c = &vmx_caps;

	/* Before this VPS's VMCS is made current: reading the root VPS's
	 * RFLAGS loads the root's. */
	bool root_if = false;
	if (a->guest) {
		struct hv_vps *root = pp_root_vps(pp);
		root_if = root && (vmx_vps_get_reg(root, bf_reg_t_rflags) & RFLAGS_IF);
	}
	vmx_vmcs_load(a);
	vmx_lazy_msrs_load(a, pp);
	tlb_prepare(vps, a, pp);

	/*
	 * Guests: a time slice (the VMX-preemption timer, else the local APIC
	 * timer as SVM does).  While the PP's root VP has interrupts disabled,
	 * the TPR is raised and LINT0 masked for the run (preempt.c): a pending
	 * IRQ the root does not take would otherwise end every run at once.
	 */
	struct preempt_state ps = { 0 };
	if (a->guest) {
		if (c->preempt_timer) {
			uint64_t t = (arch_tsc_khz() * HV_SLICE_US / 1000) >> c->preempt_rate;
			vmwrite(VMCS_PREEMPTION_TIMER, t > 0xFFFFFFFFu ? 0xFFFFFFFFu : t);
			if (!root_if)
				preempt_hold(&ps);
		} else {
			preempt_arm(&ps, root_if);
		}
	} else {
		kick_drain(pp);
		write_cr8(a->root_cr8);
	}

	kick_run_enter(pp, a->guest); /* boot/kick.c: the kick ends the run */
	uint64_t root_pkrs = a->guest ? x86_pkrs_guest_enter() : 0; /* common/pkrs.c */
	uint64_t root_dr[4];
	if (a->guest)
		x86_dr_guest_enter(a->dr, root_dr); /* common/dr.c, E-61 */
	for (;;) {
		vmx_update_lma(a);
		event_prepare(a);
		write_cr2(a->cr2);
		write_dr6(a->dr6);
		fxrstor(a->fxsave);
		int st = vmx_enter(&a->gprs, a->launched);
		fxsave(a->fxsave);
		a->dr6 = read_dr6();
		a->cr2 = read_cr2();
		if (st) {
			uint64_t err = 0;
			if (st == 2)
				vmread_st(VMCS_INSN_ERROR, &err);
			hv_log("vmx: %s failed for vm %u vps %u: %s%s%u (%s)",
			       a->launched ? "VMRESUME" : "VMLAUNCH", vps_vmid(vps), vps_id(vps),
			       st == 1 ? "VMfailInvalid" : "VMfailValid, ",
			       st == 1 ? "" : "VM-instruction error ", (unsigned)err,
			       st == 1 ? "no current VMCS" : vmx_insn_error_name((uint32_t)err));
			vmx_report_entry_state(a, "failed entry");
			*exit = (struct hv_exit){ .type = HV_EXIT_ENTRY_FAILURE, .raw = err };
			exit->rip = vmread(VMCS_GUEST_RIP);
			exit->u.entry.code = err;
			exit->u.entry.qual = (uint64_t)st;
			break;
		}
		/* A VM entry that fails its checks on the guest state exits
		 * but leaves the launch state as it was: after a failed first
		 * VMLAUNCH the next entry is VMLAUNCH again (VMRESUME would
		 * fail, error 5, for good; probe entryfail). */
		if (!(vmread(VMCS_EXIT_REASON) & EXIT_REASON_ENTRY_FAILED))
			a->launched = true;
		if (!vmx_exit_decode(vps, exit))
			break;
	}

	if (a->guest)
		x86_dr_guest_leave(a->dr, root_dr);
	x86_pkrs_guest_leave(root_pkrs);
	a->want_window = false;
	kick_run_leave(pp);
	if (a->guest) {
		bool sliced = c->preempt_timer ? (preempt_release(&ps), false) : preempt_disarm(&ps);
		if (sliced && exit->type == HV_EXIT_EXTINT)
			exit->type = HV_EXIT_PREEMPT;
	} else {
		a->root_cr8 = read_cr8();
	}
}
