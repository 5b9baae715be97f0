/*
 * External interrupts wait for the guest's interrupt window on SVM.
 *
 * EVENTINJ delivers whatever it holds at VMRUN, even into a guest with
 * RFLAGS.IF = 0 or in an interrupt shadow (STI, MOV SS): the hypervisor
 * must check (AMD64 APM vol. 2, 15.20 "Event Injection").  So an injected
 * external interrupt (svm_vps_inject) waits in arch_vps.intr_wait; before
 * each VMRUN it goes to EVENTINJ only when the guest can take it now, else
 * a virtual interrupt (V_IRQ, highest priority, TPR ignored) with the VINTR
 * intercept asks for an exit as soon as the guest could take one (15.21.4):
 * HV_EXIT_IRQ_WINDOW, at which the core injects again (it takes the waiting
 * interrupt back first).  The same window serves arch_vps_request_window.  VMX does the
 * same with interrupt-window exiting (vmx.c event_prepare), mvsim in its
 * code hook (sim/unicorn/intercept.c).
 */
#include <x86/cpu.h>

#include "svm.h"
#include "vmcb.h"

void svm_intr_window_prepare(struct arch_vps *a)
{
	uint8_t *v = a->vmcb;
	uint32_t ctl = vmcb_get32(v, VMCB_INT_CTL) &
		       ~(INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO | INT_CTL_V_IGN_TPR);
	uint32_t misc1 = vmcb_get32(v, VMCB_INTERCEPT_MISC1) & ~INTERCEPT_VINTR;

	bool window = a->want_window;

	if (a->intr_wait) {
		bool open = (vmcb_get64(v, VMCB_RFLAGS) & RFLAGS_IF) &&
			    !(vmcb_get64(v, VMCB_INT_STATE) & INT_STATE_SHADOW) &&
			    !(vmcb_get64(v, VMCB_EVENTINJ) & EVENT_VALID);
		if (open) {
			vmcb_set64(v, VMCB_EVENTINJ, a->intr_wait);
			a->intr_wait = 0;
		} else {
			window = true;
		}
	}
	if (window) {
		ctl |= INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO | INT_CTL_V_IGN_TPR;
		misc1 |= INTERCEPT_VINTR;
	}
	vmcb_set32(v, VMCB_INT_CTL, ctl);
	vmcb_set32(v, VMCB_INTERCEPT_MISC1, misc1);
}
