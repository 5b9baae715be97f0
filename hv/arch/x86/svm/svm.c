/*
 * The SVM backend: VPS (VMCB) life cycle, run, inject (the per-PP enable and
 * the capabilities are enable.c's).
 *
 * Per PP: a page for the host's VMSAVE state.  Per VPS: a pool page with struct arch_vps (FXSAVE
 * image, GPRs) and a pool page for the VMCB.  Intercepts: VMRUN (required),
 * VMMCALL, CPUID, SHUTDOWN, and the SVM instructions a guest must not
 * execute on the host's behalf (VMLOAD, VMSAVE, STGI, CLGI, SKINIT: guest
 * EFER.SVME is forced on, so they would work), MSR (the permission maps of
 * msr_fpu.c: the root's MSR policy, a guest's kept MSRs); guest VMs
 * (vmid != 0) also HLT, INTR, PAUSE and IOIO (all ports),
 * and get V_INTR_MASKING.  Nested paging is always on; exceptions are not
 * intercepted.
 */
#include <x86/boot.h>
#include <x86/cov.h>
#include <x86/cpu.h>
#include <x86/dr.h>
#include <x86/event.h>
#include <x86/pages.h>
#include <x86/pkrs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "svm.h"
#include "vmcb.h"

static uint8_t host_vmsave[HV_MAX_PPS][4096] __attribute__((aligned(4096)));

/* ---- VPS ---- */

static void vps_reset_state(struct arch_vps *a)
{
	uint8_t *v = a->vmcb;
	static const unsigned segs[] = { VMCB_ES, VMCB_SS, VMCB_DS, VMCB_FS, VMCB_GS };

	/* The processor's reset state (real mode at F000:FFF0). */
	for (unsigned i = 0; i < HV_ARRAY_SIZE(segs); i++) {
		vmcb_set32(v, segs[i] + SEG_LIMIT, 0xFFFF);
		vmcb_set16(v, segs[i] + SEG_ATTRIB, 0x93);
	}
	vmcb_set16(v, VMCB_CS + SEG_SEL, 0xF000);
	vmcb_set64(v, VMCB_CS + SEG_BASE, 0xFFFF0000ull);
	vmcb_set32(v, VMCB_CS + SEG_LIMIT, 0xFFFF);
	vmcb_set16(v, VMCB_CS + SEG_ATTRIB, 0x9B);
	vmcb_set32(v, VMCB_GDTR + SEG_LIMIT, 0xFFFF);
	vmcb_set32(v, VMCB_IDTR + SEG_LIMIT, 0xFFFF);
	vmcb_set32(v, VMCB_LDTR + SEG_LIMIT, 0xFFFF);
	vmcb_set16(v, VMCB_LDTR + SEG_ATTRIB, 0x82);
	vmcb_set32(v, VMCB_TR + SEG_LIMIT, 0xFFFF);
	vmcb_set16(v, VMCB_TR + SEG_ATTRIB, 0x8B);
	vmcb_set64(v, VMCB_RIP, 0xFFF0);
	vmcb_set64(v, VMCB_RFLAGS, 0x2);
	vmcb_set64(v, VMCB_CR0, 0x60000010ull);
	vmcb_set64(v, VMCB_EFER, EFER_SVME);
	vmcb_set64(v, VMCB_DR6, 0xFFFF0FF0ull);
	vmcb_set64(v, VMCB_DR7, 0x400);
	vmcb_set64(v, VMCB_G_PAT, DEFAULT_PAT);
	a->cpl_dirty = true;
	a->entry_dirty = true;
	hv_memset(a->dr, 0, sizeof(a->dr));
	x86_fpu_reset(a->fxsave);
}

int svm_vps_init(struct hv_vps *vps)
{
	struct hv_vm *vm = vps_vm(vps);
	uint64_t pages[2]; /* this struct, the VMCB */

	if (!vm || !vm_arch(vm) || x86_pages_alloc(pages, 2))
		return -1;
	uint64_t self = pages[0], vmcb = pages[1];
	struct arch_vps *a = page_hva(self);
	a->self = self;
	a->vmcb_pa = vmcb;
	a->vmcb = page_hva(vmcb);
	a->guest = vps_vmid(vps) != 0;

	uint8_t *v = a->vmcb;
	/* INIT: a physical INIT never resets a CPU that runs a VM (exit, not reset).
	 * The root's HLT is not intercepted: it halts the processor until its
	 * next interrupt, as without a hypervisor (docs/root-vm.md "HLT").
	 * NMIs of every VPS exit: the hypervisor's kick is one (boot/kick.c). */
	uint32_t misc1 = INTERCEPT_CPUID | INTERCEPT_SHUTDOWN | INTERCEPT_INIT | INTERCEPT_MSR |
			 INTERCEPT_NMI | INTERCEPT_INVLPGA | /* INVLPGA: #UD, E-59 */
			 INTERCEPT_INVD; /* a VM's INVD would discard the hypervisor's dirty lines */
	if (a->guest)
		misc1 |= INTERCEPT_HLT | INTERCEPT_INTR | INTERCEPT_PAUSE | INTERCEPT_IOIO;
	else if (X86_COV)
		misc1 |= INTERCEPT_IOIO; /* isa-debug-exit only: x86/cov.h */
	vmcb_set32(v, VMCB_INTERCEPT_MISC1, misc1);
	/* A guest's XSETBV would load the XCR0 the root runs with (XCR0 is not
	 * switched, E-58): intercepted, it stays unhandled as on VMX. */
	vmcb_set32(v, VMCB_INTERCEPT_MISC2,
		   INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
			   INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
			   (a->guest ? INTERCEPT_XSETBV : 0));
	vmcb_set64(v, VMCB_IOPM_BASE, svm_iopm_pa(a->guest));
	vmcb_set64(v, VMCB_MSRPM_BASE, svm_msrpm_pa(a->guest));
	vmcb_set32(v, VMCB_ASID, vm_arch(vm)->asid);
	vmcb_set32(v, VMCB_INT_CTL, a->guest ? INT_CTL_V_INTR_MASKING : 0);
	vmcb_set64(v, VMCB_NP_CTL, 1);
	vmcb_set64(v, VMCB_N_CR3, vm_arch(vm)->slpt.root);
	vps_reset_state(a);
	vps_set_arch(vps, a);
	return 0;
}

void svm_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps_arch(vps);

	if (!a)
		return;
	page_free(a->vmcb_pa);
	page_free(a->self);
	vps_set_arch(vps, NULL);
}

void svm_vps_inject(struct hv_vps *vps, const struct hv_event *ev)
{
	uint64_t e = ev->vector | EVENT_VALID;

	switch (ev->type) {
	case HV_EVENT_NMI:
		if (!vps_arch(vps)->guest) {
			vps_arch(vps)->nmi_held = true; /* nmi_window.c */
			return;
		}
		e = 2 | EVENT_TYPE_NMI | EVENT_VALID;
		break;
	case HV_EVENT_EXCEPTION:
		e |= EVENT_TYPE_EXC;
		if (ev->has_error)
			e |= EVENT_ERR_VALID | ((uint64_t)ev->error << 32);
		break;
	case HV_EVENT_EXTINT:
	default:
		/* Waits for the guest's interrupt window (intr_window.c). */
		vps_arch(vps)->intr_wait = e | EVENT_TYPE_INTR;
		return;
	}
	vmcb_set64(vps_arch(vps)->vmcb, VMCB_EVENTINJ, e);
}

void svm_vps_request_window(struct hv_vps *vps)
{
	vps_arch(vps)->want_window = true;
}

bool svm_vps_take_event(struct hv_vps *vps, struct hv_event *ev)
{
	struct arch_vps *a = vps_arch(vps);
	uint8_t *v = a->vmcb;
	uint64_t e = vmcb_get64(v, VMCB_EVENTINJ);

	if (e & EVENT_VALID) {
		vmcb_set64(v, VMCB_EVENTINJ, 0);
		/* An NMI whose delivery an exit interrupted blocks nothing yet. */
		if ((e & (7u << 8)) == EVENT_TYPE_NMI && !a->guest)
			a->nmi_masked = false;
	} else if (a->nmi_held) {
		a->nmi_held = false;
		e = 2 | EVENT_TYPE_NMI | EVENT_VALID;
	} else if (a->intr_wait) {
		e = a->intr_wait;
		a->intr_wait = 0;
	} else {
		return false;
	}
	return x86_event_decode((uint32_t)e, (uint32_t)(e >> 32), ev);
}

/*
 * VMRUN's consistency checks across registers (APM vol. 2 15.5.1), which
 * the root can break one set_reg at a time: long mode (EFER.LME, CR0.PG)
 * without CR4.PAE or CR0.PE, or with CS.L and CS.D; and, as VMX entry
 * requires (SDM 26.3.1.2) and so for every backend alike, a present
 * segment whose limit and granularity disagree (limit bits 11:0 not all
 * ones with G set, or a limit above 0xFFFFF with G clear; not in
 * virtual-8086 mode).  Made here and such a VMRUN never executed: Bochs 2.7 writes the host's state into the VMCB's
 * save area on VMEXIT_INVALID (probe entryfail, docs/spec-errata.md E-60).
 */
#define ENTRY_CR4_PAE (1ull << 5)
#define SVM_ATTR_L (1u << 9)  /* the VMCB's segment attributes: 11:8 are AVL L D G */
#define SVM_ATTR_D (1u << 10)

#define SVM_ATTR_P (1u << 7)
#define SVM_ATTR_G (1u << 11)
#define ENTRY_RFLAGS_VM (1ull << 17)

static bool seg_limit_invalid(const uint8_t *v, uint32_t seg)
{
	uint16_t attr = vmcb_get16(v, seg + SEG_ATTRIB);
	uint32_t limit = vmcb_get32(v, seg + SEG_LIMIT);

	if (!(attr & SVM_ATTR_P))
		return false;
	return (attr & SVM_ATTR_G) ? (limit & 0xFFFu) != 0xFFFu : limit > 0xFFFFFu;
}

static bool entry_state_invalid(const uint8_t *v)
{
	static const uint32_t segs[] = { VMCB_ES, VMCB_CS, VMCB_SS, VMCB_DS,
					 VMCB_FS, VMCB_GS, VMCB_LDTR, VMCB_TR };
	uint64_t efer = vmcb_get64(v, VMCB_EFER), cr0 = vmcb_get64(v, VMCB_CR0);
	uint16_t cs = vmcb_get16(v, VMCB_CS + SEG_ATTRIB);

	if (!(vmcb_get64(v, VMCB_RFLAGS) & ENTRY_RFLAGS_VM))
		for (unsigned i = 0; i < HV_ARRAY_SIZE(segs); i++)
			if (seg_limit_invalid(v, segs[i]))
				return true;
	return (efer & EFER_LME) && (cr0 & CR0_PG) &&
	       (!(vmcb_get64(v, VMCB_CR4) & ENTRY_CR4_PAE) || !(cr0 & CR0_PE) ||
		((cs & SVM_ATTR_L) && (cs & SVM_ATTR_D)));
}

/*
 * An exception delivered in real mode pushes FLAGS, CS and IP only: real
 * mode has no error codes.  EVENTINJ.EV asks the processor to push one; the
 * APM gives VMRUN no check for EV in real mode, so the backend clears it
 * when the VPS enters with CR0.PE = 0 (E-64; VMX: vmx.c, an entry check
 * there).  Checked at each entry: the root may set CR0 after the event was
 * queued.
 */
static void real_mode_drop_error_code(uint8_t *v)
{
	uint64_t e = vmcb_get64(v, VMCB_EVENTINJ);

	if ((e & EVENT_VALID) && (e & EVENT_ERR_VALID) && !(vmcb_get64(v, VMCB_CR0) & CR0_PE))
		vmcb_set64(v, VMCB_EVENTINJ, e & 0xFFFFFFFFull & ~(uint64_t)EVENT_ERR_VALID);
}

void svm_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	struct arch_vm *vm = vm_arch(vps_vm(vps));
	uint16_t pp = arch_pp_id();
	uint8_t *v = a->vmcb;

	/* Only a root's set_reg can make such a state: the processor refuses
	 * the VM's own loads and writes that would. */
	if (a->entry_dirty) {
		if (entry_state_invalid(v)) {
			vmcb_set64(v, VMCB_EXITCODE, VMEXIT_INVALID);
			vmcb_set64(v, VMCB_EXITINTINFO, 0);
			svm_exit_decode(vps, exit);
			return;
		}
		a->entry_dirty = false;
	}

	/* A guest WRMSR to EFER may have cleared SVME; VMRUN needs it. */
	vmcb_set64(v, VMCB_EFER, vmcb_get64(v, VMCB_EFER) | EFER_SVME);
	if (a->cpl_dirty)
		svm_vps_update_cpl(a);
	if (sl_table_flush_due(&vm->slpt, pp) || vm->asid_shared)
		vmcb_set8(v, VMCB_TLB_CONTROL, TLB_CONTROL_FLUSH_ALL);
	vmcb_set32(v, VMCB_CLEAN, 0);

	/*
	 * Guests run with host RFLAGS.IF = 1 (V_INTR_MASKING, INTR intercept)
	 * and a time slice on the local APIC timer (boot/preempt.c).  While the
	 * PP's root VP has interrupts disabled, only the slice ends the run: SVM
	 * does not acknowledge an interrupt at the exit, so a pending IRQ the
	 * root does not take would otherwise end every run at once.
	 */
	struct preempt_state ps = { 0 };
	if (a->guest) {
		struct hv_vps *root = pp_root_vps(pp);
		bool root_if = root && (svm_vps_get_reg(root, bf_reg_t_rflags) & RFLAGS_IF);
		preempt_arm(&ps, root_if);
	}

	if (!a->guest)
		kick_drain(pp);
	kick_run_enter(pp, a->guest);
	svm_nmi_window_prepare(a);
	svm_intr_window_prepare(a);
	real_mode_drop_error_code(v);
	uint64_t root_pkrs = a->guest ? x86_pkrs_guest_enter() : 0; /* common/pkrs.c */
	uint64_t root_dr[4];
	if (a->guest)
		x86_dr_guest_enter(a->dr, root_dr); /* common/dr.c, E-61 */
	fxrstor(a->fxsave);
	/* VMRUN loads CR2 from the VMCB (APM vol. 2 15.5.1); Bochs 2.7's does
	 * not, and the guest would see the CR2 of this PP's last #PF (difffuzz
	 * case svm-cr2-vmrun).  Loading it here as well costs one MOV. */
	write_cr2(vmcb_get64(v, VMCB_CR2));
	vmcb_set64(v, VMCB_RAX, a->gprs.r[HV_GPR(bf_reg_t_rax)]); /* svm.h: struct svm_gprs */
	svm_vmrun(a->vmcb_pa, &a->gprs, (uint64_t)(uintptr_t)host_vmsave[pp], a->guest);
	a->gprs.r[HV_GPR(bf_reg_t_rax)] = vmcb_get64(v, VMCB_RAX);
	fxsave(a->fxsave);
	if (a->guest)
		x86_dr_guest_leave(a->dr, root_dr);
	x86_pkrs_guest_leave(root_pkrs);
	kick_run_leave(pp);
	bool sliced = a->guest && preempt_disarm(&ps);

	vmcb_set8(v, VMCB_TLB_CONTROL, 0);
	svm_exit_decode(vps, exit); /* reads want_window (the NMI window's end) */
	a->want_window = false;
	if (sliced && exit->type == HV_EXIT_EXTINT)
		exit->type = HV_EXIT_PREEMPT;
}
