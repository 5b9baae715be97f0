/*
 * VMX capabilities -> control values, computed once on the BSP (caps.h).
 *
 * Controls come from the capability MSRs (the TRUE_* ones when
 * IA32_VMX_BASIC bit 55 says so): a control is set only where its
 * allowed-1 bit permits, and every allowed-0 bit (a control that must be 1)
 * is set as well.  A control the backend needs and the processor lacks
 * stops the boot with its name.
 *
 * Both: RDTSCP and INVPCID enabled where the processor has them (else
 * they raise #UD in VMX non-root whatever CPUID says: E-59).
 * Root VM: EPT, unrestricted guest (the root starts in 32-bit protected
 * mode with paging off), VPID, MSR bitmaps, no HLT exiting (its HLT waits
 * for its next interrupt), no I/O exiting, no external-interrupt exiting (its
 * interrupts are its own).  Guest VMs: the same plus HLT exiting,
 * external-interrupt and NMI exiting, unconditional I/O exiting,
 * PAUSE exiting, a TPR shadow, and the VMX-preemption timer when there is
 * one.  CR0/CR4: the bits the processor fixes (IA32_VMX_CR0/CR4_FIXED0/1,
 * CR0.PE/PG exempt with unrestricted guest) become the guest/host masks,
 * and so do CR0.CD/NW: VM entry and exit never load them (SDM vol. 3
 * 27.3.2.1, 28.5.1), so without the mask a guest would read the physical
 * CR0's CD/NW back, not its own (difffuzz case bochs-intel-cr0-cd-nw, E-51).
 */
#include <x86/cov.h>
#include <x86/cpu.h>

#include <hv/arch/core.h>

#include "caps.h"
#include "vmcs.h"

struct vmx_caps vmx_caps;

struct ctl_req {
	uint32_t bit;
	const char *name;
};

/*
 * (want | allowed-0) & allowed-1 of a capability MSR; every `need` bit must
 * be allowed-1, else the boot stops naming it.
 */
static int ctl_compute(const char *what, uint64_t cap, const struct ctl_req *need, unsigned n,
		       uint32_t want, uint32_t *out)
{
	uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);

	for (unsigned i = 0; i < n; i++) {
		if (!(allowed1 & need[i].bit)) {
			hv_log("vmx: the processor lacks the %s control \"%s\" (bit %u): the VMX "
			       "backend cannot run", what, need[i].name,
			       (unsigned)__builtin_ctz(need[i].bit));
			return -1;
		}
		want |= need[i].bit;
	}
	*out = (want | allowed0) & allowed1;
	return 0;
}

static uint64_t cap_msr(uint32_t plain, uint32_t true_msr, bool use_true)
{
	return rdmsr(use_true ? true_msr : plain);
}

int vmx_caps_init(void)
{
	struct vmx_caps *c = &vmx_caps;
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool tru = basic & VMX_BASIC_TRUE_CTLS;

	c->revision = (uint32_t)basic & 0x7FFFFFFFu;
	if (((basic >> 32) & 0x1FFF) > 4096) {
		hv_log("vmx: VMCS region of %u bytes is larger than a page",
		       (unsigned)((basic >> 32) & 0x1FFF));
		return -1;
	}
	if (((basic >> 50) & 0xF) != 6)
		hv_log("vmx: note: IA32_VMX_BASIC reports VMCS memory type %u (not WB)",
		       (unsigned)((basic >> 50) & 0xF));

	uint64_t pin = cap_msr(MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS, tru);
	uint64_t proc = cap_msr(MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, tru);
	uint64_t exitc = cap_msr(MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS, tru);
	uint64_t entry = cap_msr(MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS, tru);
	uint64_t misc = rdmsr(MSR_IA32_VMX_MISC);

	/* The root's HLT executes (docs/root-vm.md "HLT"): only guests exit on it. */
	static const struct ctl_req proc_need[] = {
		{ PROC_USE_MSR_BITMAPS, "use MSR bitmaps" },
		{ PROC_SECONDARY, "activate secondary controls" },
		{ PROC_INTR_WINDOW, "interrupt-window exiting" },
	};
	static const struct ctl_req proc_guest_need[] = {
		{ PROC_HLT_EXITING, "HLT exiting" },
		{ PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
		{ PROC_PAUSE_EXITING, "PAUSE exiting" },
		{ PROC_TPR_SHADOW, "use TPR shadow" },
	};
	static const struct ctl_req pin_root_need[] = {
		{ PIN_NMI_EXITING, "NMI exiting" }, /* the root's kick: boot/kick.c */
	};
	static const struct ctl_req pin_guest_need[] = {
		{ PIN_EXTINT_EXITING, "external-interrupt exiting" },
		{ PIN_NMI_EXITING, "NMI exiting" },
	};
	static const struct ctl_req proc2_need[] = {
		{ PROC2_EPT, "enable EPT" },
		{ PROC2_UNRESTRICTED, "unrestricted guest" },
	};
	static const struct ctl_req exit_need[] = {
		{ EXIT_HOST_64, "host address-space size" },
		{ EXIT_SAVE_EFER, "save IA32_EFER" },
		{ EXIT_LOAD_EFER, "load IA32_EFER" },
		{ EXIT_SAVE_PAT, "save IA32_PAT" },
		{ EXIT_LOAD_PAT, "load IA32_PAT" },
	};
	static const struct ctl_req entry_need[] = {
		{ ENTRY_IA32E, "IA-32e mode guest" },
		{ ENTRY_LOAD_EFER, "load IA32_EFER" },
		{ ENTRY_LOAD_PAT, "load IA32_PAT" },
	};

	if (ctl_compute("primary processor-based", proc, proc_need, HV_ARRAY_SIZE(proc_need), 0,
			&c->proc_root) ||
	    ctl_compute("primary processor-based", proc, proc_guest_need,
			HV_ARRAY_SIZE(proc_guest_need), c->proc_root, &c->proc_guest) ||
	    ctl_compute("pin-based", pin, pin_root_need, HV_ARRAY_SIZE(pin_root_need), 0,
			&c->pin_root) ||
	    ctl_compute("pin-based", pin, pin_guest_need, HV_ARRAY_SIZE(pin_guest_need), 0,
			&c->pin_guest) ||
	    ctl_compute("VM-exit", exitc, exit_need, HV_ARRAY_SIZE(exit_need), 0, &c->exit_ctls) ||
	    ctl_compute("VM-entry", entry, entry_need, HV_ARRAY_SIZE(entry_need), 0,
			&c->entry_ctls))
		return -1;
	/* Never wanted: they are only there when the processor forces them. */
	c->proc_root &= ~PROC_INTR_WINDOW;
	c->proc_guest &= ~PROC_INTR_WINDOW;
	/* make coverage only: Bochs has no isa-debug-exit, so a root ends with
	 * CLI;HLT after its port 0xF4 write; that HLT must reach the hypervisor,
	 * which stops the root and dumps the counters (x86/cov.h).  A root HLT
	 * with IF=1 waits in the HLT activity state as it would unintercepted
	 * (exit.c). */
	if (X86_COV)
		c->proc_root |= PROC_HLT_EXITING;
	c->entry_ctls &= ~ENTRY_IA32E; /* set per entry from the guest's EFER.LMA */
	c->exit_ctls &= ~EXIT_ACK_INTR;

	uint64_t proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	/* RDTSCP and INVPCID raise #UD in VMX non-root without their controls,
	 * whatever CPUID says: set where the processor has them (E-59). */
	if (ctl_compute("secondary processor-based", proc2, proc2_need, HV_ARRAY_SIZE(proc2_need),
			PROC2_RDTSCP | PROC2_INVPCID, &c->proc2_root))
		return -1;
	c->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	uint64_t cap = c->ept_vpid_cap;
	if (!(cap & EPT_CAP_WALK4) || !(cap & EPT_CAP_WB) || !(cap & EPT_CAP_INVEPT) ||
	    !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		hv_log("vmx: EPT lacks %s (IA32_VMX_EPT_VPID_CAP 0x%llx): the VMX backend cannot run",
		       !(cap & EPT_CAP_WALK4) ? "4-level page walks"
		       : !(cap & EPT_CAP_WB)  ? "write-back EPT structures"
					      : "INVEPT",
		       (unsigned long long)cap);
		return -1;
	}
	c->invept_single = cap & EPT_CAP_INVEPT_SINGLE;
	c->vpid = ((proc2 >> 32) & PROC2_VPID) && (cap & VPID_CAP_INVVPID) &&
		  (cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
	c->invvpid_single = cap & VPID_CAP_INVVPID_SINGLE;
	c->invvpid_all = cap & VPID_CAP_INVVPID_ALL;
	if (c->vpid)
		c->proc2_root |= PROC2_VPID;
	c->proc2_guest = c->proc2_root;

	/* The root's NMIs (vmx.c event_prepare): with virtual NMIs the
	 * processor tracks the root's NMI blocking (its IRET ends it) and
	 * NMI-window exiting says when a held NMI can go in; the root then
	 * runs with NMI exiting, and a platform NMI is handed to it. */
	c->vnmi = ((pin >> 32) & (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)) ==
			  (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) &&
		  ((proc >> 32) & PROC_NMI_WINDOW);
	if (c->vnmi)
		c->pin_root |= PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	c->mtf = (proc >> 32) & PROC_MTF;
	c->preempt_timer = (pin >> 32) & PIN_PREEMPTION_TIMER;
	c->preempt_rate = (unsigned)(misc & 0x1F);
	if (c->preempt_timer)
		c->pin_guest |= PIN_PREEMPTION_TIMER;

	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* Unrestricted guest: PE and PG may be 0 in the guest. */
	uint64_t cr0_fix0 = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	c->cr0_mask = cr0_fix0 | (~c->cr0_fixed1 & 0xFFFFFFFFull) | CR0_CD | CR0_NW;
	c->cr4_mask = c->cr4_fixed0 | (~c->cr4_fixed1 & 0xFFFFFFFFull);

	hv_log("vmx: revision 0x%x, %s controls, pin 0x%x/0x%x proc 0x%x/0x%x proc2 0x%x "
	       "exit 0x%x entry 0x%x", c->revision, tru ? "TRUE" : "default", c->pin_root,
	       c->pin_guest, c->proc_root, c->proc_guest, c->proc2_root, c->exit_ctls,
	       c->entry_ctls);
	hv_log("vmx: EPT 4-level WB, INVEPT %s, VPID %s, preemption timer %s (TSC >> %u), virtual NMIs %s, MTF %s, "
	       "CR0 fixed 0x%llx/0x%llx CR4 fixed 0x%llx/0x%llx",
	       c->invept_single ? "single-context" : "global",
	       c->vpid ? (c->invvpid_single ? "yes (INVVPID single-context)" : "yes (INVVPID all)")
		       : "no",
	       c->preempt_timer ? "yes" : "no (local APIC timer)", c->preempt_rate,
	       c->vnmi ? "yes" : "no", c->mtf ? "yes" : "no", (unsigned long long)c->cr0_fixed0, (unsigned long long)c->cr0_fixed1,
	       (unsigned long long)c->cr4_fixed0, (unsigned long long)c->cr4_fixed1);
	return 0;
}
