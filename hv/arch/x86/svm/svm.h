/* Internal interface of the SVM backend (hv/arch/x86/svm/). */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include <hv/arch/arch.h>
#include <x86/backend.h>
#include <x86/fpu.h>
#include <hv/arch/core.h>
#include <x86/sl_table.h>

/* Guest GPRs that VMRUN does not switch (RAX and RSP live in the VMCB).
 * Indexed by bf_reg_t - 1 for RAX..R15 (HV_GPR); vmrun.S uses the same
 * offsets.  RAX's slot is the guest's RAX between an exit and the next
 * VMRUN: svm_vps_run copies it from and to the VMCB (arch_vps_gprs). */
struct svm_gprs {
	uint64_t r[HV_GPR_COUNT]; /* rax rbx rcx rdx rbp rsi rdi r8 .. r15 */
};

struct arch_vm {
	struct sl_table slpt;       /* first: the nested page tables (x86/sl_table.h) */
	uint32_t asid;
	bool asid_shared;           /* more VMs than ASIDs: flush on every entry */
};

struct arch_vps {
	uint8_t fxsave[512];        /* guest x87/SSE state (offset 0: 16-aligned) */
	struct svm_gprs gprs;
	uint64_t vmcb_pa;
	uint8_t *vmcb;
	uint64_t self;              /* pool page holding this struct */
	bool guest;                 /* vmid != 0: guest VM intercepts */
	bool cpl_dirty;             /* recompute the VMCB CPL before the next entry */
	bool entry_dirty;           /* set_reg changed the state: entry_state_invalid again */
	/* An external interrupt (EVENTINJ word) waiting for the guest's
	 * interrupt window (intr_window.c), 0 when none. */
	uint64_t intr_wait;
	bool want_window;           /* arch_vps_request_window for the next run */
	/* The root's NMIs (nmi_window.c): one held until NMIs are unblocked,
	 * the root handling one (blocked until its IRET), that IRET being
	 * single-stepped, and the DR6 to restore after the step. */
	bool nmi_held, nmi_masked, nmi_step;
	uint64_t nmi_step_dr6;
	uint64_t dr[4];             /* a guest's DR0-DR3 (common/dr.c) */
};

/* vmrun.S */
void svm_vmrun(uint64_t vmcb_pa, struct svm_gprs *gprs, uint64_t host_save_pa, uint64_t sti);

/* svm.c */
extern bool svm_has_nrip;
extern bool svm_has_nxe;

/* intr_window.c: before each VMRUN, inject the waiting external interrupt
 * if the guest can take it now, else open an interrupt window (V_IRQ and
 * the VINTR intercept: that exit, HV_EXIT_IRQ_WINDOW, means the window is
 * open; the core then injects again).  Also the window the core asks for
 * (arch_vps_request_window). */
void svm_intr_window_prepare(struct arch_vps *a);

/* nmi_window.c: before each VMRUN, inject the root's held NMI if it does
 * not block NMIs; at an exit, true when it was the IRET intercept or the
 * #DB of the step after it (consumed: the VP runs on). */
void svm_nmi_window_prepare(struct arch_vps *a);
bool svm_nmi_window_exit(struct arch_vps *a, uint64_t code);

/* exit.c: the VMCB's exit information -> struct hv_exit. */
void svm_exit_decode(struct hv_vps *vps, struct hv_exit *exit);

/* seg.c */
uint16_t seg_vmx_to_svm(uint64_t attrib);
uint64_t seg_svm_to_vmx(uint16_t attrib);
void svm_vps_update_cpl(struct arch_vps *a);

/* msr_fpu.c */
void svm_permission_maps_init(void);
uint64_t svm_iopm_pa(bool guest);
uint64_t svm_msrpm_pa(bool guest);

#endif /* SVM_SVM_H */
