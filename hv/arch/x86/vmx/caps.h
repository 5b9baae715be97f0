/*
 * The VMX capabilities and control values (vmx/caps.c): computed once on
 * the BSP from the capability MSRs and read by the rest of vmx/.
 */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include <hv/arch/core.h>

/* Capabilities and control values computed once (caps.c). */
struct vmx_caps {
	uint32_t revision;
	uint32_t pin_root, pin_guest;
	uint32_t proc_root, proc_guest;
	uint32_t proc2_root, proc2_guest;
	uint32_t exit_ctls, entry_ctls;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_mask, cr4_mask;
	uint64_t ept_vpid_cap;
	/* The root's held NMI (vmx.c event_prepare): virtual NMIs with
	 * NMI-window exiting, else the monitor trap flag. */
	bool vnmi, mtf;
	bool vpid, preempt_timer, invept_single, invvpid_single, invvpid_all;
	unsigned preempt_rate;      /* the timer counts TSC >> rate */
};
extern struct vmx_caps vmx_caps;

/* Reads the capability MSRs into vmx_caps and logs them.  Returns 0, or -1
 * after naming what the processor lacks (a needed control, EPT feature). */
int vmx_caps_init(void);

#endif /* VMX_CAPS_H */
