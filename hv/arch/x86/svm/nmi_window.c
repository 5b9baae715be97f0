/*
 * NMIs for the root VP on SVM wait until the root does not block NMIs.
 *
 * EVENTINJ delivers an NMI even while the guest handles one (AMD64 APM
 * vol. 2, 15.20), and without vNMI the VMCB holds no NMI-blocking state, so
 * the backend tracks it: an injected NMI blocks NMIs (nmi_masked) and turns
 * on the IRET intercept.  That exit comes before the IRET executes; the
 * backend then single-steps it (RFLAGS.TF with RF, and the #DB intercept):
 * the #DB trap after the IRET means NMIs are unblocked, and a held NMI is
 * injected there, before the next instruction, as the hardware would take
 * it.  The IRET restores the root's own RFLAGS, and DR6 gets back the
 * value it had before the step.  This is what KVM does without vNMI.
 * Guest VMs keep the plain injection (the ABI queues them no NMI; only an
 * interrupted NMI delivery is injected again: docs/spec-errata.md E-52).
 */
#include <x86/cpu.h>

#include "svm.h"
#include "vmcb.h"

#define VMEXIT_IRET 0x074
#define INTERCEPT_IRET_MISC1 (1u << 20)
#define EXC_DB 1u
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)

void svm_nmi_window_prepare(struct arch_vps *a)
{
	uint8_t *v = a->vmcb;

	if (!a->nmi_held || a->nmi_masked || (vmcb_get64(v, VMCB_EVENTINJ) & EVENT_VALID))
		return;
	vmcb_set64(v, VMCB_EVENTINJ, 2 | EVENT_TYPE_NMI | EVENT_VALID);
	a->nmi_held = false;
	a->nmi_masked = true;
	vmcb_set32(v, VMCB_INTERCEPT_MISC1,
		   vmcb_get32(v, VMCB_INTERCEPT_MISC1) | INTERCEPT_IRET_MISC1);
}

bool svm_nmi_window_exit(struct arch_vps *a, uint64_t code)
{
	uint8_t *v = a->vmcb;

	if (a->guest || !a->nmi_masked)
		return false;
	if (code == VMEXIT_IRET && !a->nmi_step) {
		vmcb_set32(v, VMCB_INTERCEPT_MISC1,
			   vmcb_get32(v, VMCB_INTERCEPT_MISC1) & ~INTERCEPT_IRET_MISC1);
		vmcb_set32(v, VMCB_INTERCEPT_EXC,
			   vmcb_get32(v, VMCB_INTERCEPT_EXC) | (1u << EXC_DB));
		a->nmi_step = true;
		a->nmi_step_dr6 = vmcb_get64(v, VMCB_DR6);
		vmcb_set64(v, VMCB_RFLAGS, vmcb_get64(v, VMCB_RFLAGS) | RFLAGS_TF | RFLAGS_RF);
		return true;
	}
	if (code == VMEXIT_EXCP_BASE + EXC_DB && a->nmi_step) {
		vmcb_set32(v, VMCB_INTERCEPT_EXC,
			   vmcb_get32(v, VMCB_INTERCEPT_EXC) & ~(1u << EXC_DB));
		vmcb_set64(v, VMCB_DR6, a->nmi_step_dr6);
		a->nmi_step = false;
		a->nmi_masked = false;
		return true;
	}
	return false;
}
