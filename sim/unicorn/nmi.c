/*
 * NMI blocking of a VPS (SDM vol. 3 6.7.1, APM 8.2.6): from an NMI's
 * delivery until the next IRET completes, a further NMI is held; it is
 * delivered right after that IRET, before the instruction the IRET returned
 * to (as the SVM backend's single-stepped IRET and VMX's virtual NMIs do,
 * docs/root-vm.md "Local APIC").  The core queues the root NMIs (NMI IPIs,
 * hv/core/apic.c); Unicorn has no such state, so mvsim keeps it here: the
 * run loop (vcpu.c) delivers a queued NMI only while nmi_deliverable() says
 * so and sets nmi_blocked; while it is set the code hook takes its slow
 * path and calls nmi_watch_step before each instruction to find the IRET.
 */
#include "ucsim.h"

int nmi_deliverable(const struct arch_vps *a)
{
	if (a->nmi_blocked)
		return -1;
	for (unsigned i = 0; i < a->nevents; i++)
		if (a->events[i].type == HV_EVENT_NMI)
			return (int)i;
	return -1;
}

/* IRET in any operand size: CF, 66 CF, REX CF (IRETQ: 48 CF). */
static bool is_iret(struct arch_vps *a, uint64_t addr)
{
	uint8_t b[2] = { 0 };

	if (uc_mem_read(a->uc, addr, b, 2) != UC_ERR_OK && uc_mem_read(a->uc, addr, b, 1) != UC_ERR_OK)
		return false;
	return b[0] == 0xCF || ((b[0] == 0x66 || (b[0] & 0xF0) == 0x40) && b[1] == 0xCF);
}

bool nmi_watch_step(struct arch_vps *a, uint64_t addr)
{
	if (a->nmi_iret) {
		/* The IRET completed: NMIs are unblocked from here. */
		a->nmi_iret = false;
		a->nmi_watch = false;
		if (nmi_deliverable(a) < 0) {
			/* The core waits for a window (an NMI it holds behind an
			 * exception it raised): this is one (E-70). */
			if (!a->want_window)
				return false;
			vcpu_set_exit(a, HV_EXIT_IRQ_WINDOW, addr);
			return true;
		}
		a->nmi_now = true;
		return true;
	}
	if (is_iret(a, addr)) {
		a->nmi_blocked = false;
		a->nmi_iret = true;
	}
	return false;
}
