/* Internal interface of the VMX backend (hv/arch/x86/vmx/): its VM and VPS
 * state, the world switch, exit decoding and the MSR maps.  VMCS access is
 * vmcs.h, the capabilities caps.h. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <x86/backend.h>
#include <x86/fpu.h>
#include <x86/sl_table.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "caps.h"
#include "vmcs.h"

/* Guest GPRs VM entry does not switch (RSP and RIP are in the VMCS).
 * Indexed by bf_reg_t - 1 for RAX..R15; vmentry.S uses the same offsets. */
struct vmx_gprs {
	uint64_t r[HV_GPR_COUNT]; /* rax rbx rcx rdx rbp rsi rdi r8 .. r15 (HV_GPR) */
};

struct arch_vm {
	struct sl_table slpt;       /* first: the EPT tables (x86/sl_table.h) */
	uint64_t eptp;
	uint16_t vpid;              /* 0 when VPIDs are not used */
	uint16_t last_vps[HV_MAX_PPS]; /* VPS id + 1 that last ran on each PP */
};

/* The MSRs VM entry/exit does not switch; held in the processor while the
 * VPS owns its PP (lazy: saved when another VPS runs there). */
enum { VMX_MSR_STAR, VMX_MSR_LSTAR, VMX_MSR_CSTAR, VMX_MSR_SFMASK, VMX_MSR_KGSBASE,
       VMX_NUM_LAZY_MSRS };

struct arch_vps {
	uint8_t fxsave[512];        /* guest x87/SSE state (offset 0: 16-aligned) */
	struct vmx_gprs gprs;
	uint64_t vmcs_pa;
	uint64_t vapic_pa;          /* virtual-APIC page (guest VMs: TPR shadow) */
	uint8_t *vapic;
	uint64_t self;              /* pool page holding this struct */
	uint16_t id;                /* the VPS's id, for diagnostics */
	int16_t pp;                 /* PP on which the VMCS is active, -1: none */
	bool guest;                 /* vmid != 0: guest VM controls */
	bool launched;              /* VMLAUNCH done since the last VMCLEAR */
	int16_t msr_pp;             /* PP whose MSRs hold lazy[] (-1: none) */
	uint64_t lazy[VMX_NUM_LAZY_MSRS];
	uint64_t cr2, dr6;          /* not in the VMCS: switched around the run */
	uint64_t dr[4];             /* a guest's DR0-DR3 (common/dr.c) */
	uint64_t root_cr8;          /* the root VM's CR8 when not running */
	/* The event for the next entry (core injection or re-injection). */
	bool ev_valid;
	uint32_t ev_info, ev_err;
	bool want_window;           /* arch_vps_request_window for the next run */
};

/* vmentry.S: 0 after a VM exit, 1 VMfailInvalid, 2 VMfailValid. */
int vmx_enter(struct vmx_gprs *gprs, uint64_t launched);
void vmx_exit_stub(void);

/* exit.c */
/* Returns true when the exit was handled inside the backend (re-enter). */
bool vmx_exit_decode(struct hv_vps *vps, struct hv_exit *exit);
void vmx_report_entry_state(struct arch_vps *a, const char *why);

/* xsetbv.c: the root's XSETBV; false: the processor would raise #GP(0). */
bool vmx_xsetbv(struct hv_vps *vps);

/* msr_fpu.c */
void vmx_msr_bitmaps_init(void);
uint64_t vmx_msr_bitmap_pa(bool guest);
void vmx_lazy_msrs_load(struct arch_vps *a, uint16_t pp);
void vmx_lazy_msrs_forget(struct arch_vps *a);

#endif /* VMX_VMX_H */
