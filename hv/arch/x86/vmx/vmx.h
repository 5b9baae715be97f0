/* Internal interface of the VMX backend (hv/arch/x86/vmx/). */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <x86/backend.h>
#include <x86/fpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmcs.h"

/* Guest GPRs VM entry does not switch (RSP and RIP are in the VMCS).
 * Indexed by bf_reg_t - 1 for RAX..R15; vmentry.S uses the same offsets. */
struct vmx_gprs {
	uint64_t r[15]; /* rax rbx rcx rdx rbp rsi rdi r8 .. r15 */
};

struct arch_vm {
	uint64_t ept_pml4;          /* EPT root (pool page) */
	uint64_t eptp;
	uint16_t vpid;              /* 0 when VPIDs are not used */
	uint32_t gen;               /* bumped by arch_slpt_flush */
	uint32_t flushed_gen[HV_MAX_PPS];
	uint16_t last_vps[HV_MAX_PPS]; /* VPS id + 1 that last ran on each PP */
	uint64_t self;              /* pool page holding this struct */
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
	uint64_t root_cr8;          /* the root VM's CR8 when not running */
	/* The event for the next entry (core injection or re-injection). */
	bool ev_valid;
	uint32_t ev_info, ev_err;
};

/* Capabilities and control values computed once (vmx.c). */
struct vmx_caps {
	uint32_t revision;
	uint32_t pin_root, pin_guest;
	uint32_t proc_root, proc_guest;
	uint32_t proc2_root, proc2_guest;
	uint32_t exit_ctls, entry_ctls;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_mask, cr4_mask;
	uint64_t ept_vpid_cap;
	bool vpid, preempt_timer, invept_single, invvpid_single, invvpid_all;
	unsigned preempt_rate;      /* the timer counts TSC >> rate */
};
extern struct vmx_caps vmx_caps;

/* vmentry.S: 0 after a VM exit, 1 VMfailInvalid, 2 VMfailValid. */
int vmx_enter(struct vmx_gprs *gprs, uint64_t launched);
void vmx_exit_stub(void);

/* vmx.c */
const char *vmx_insn_error_name(uint32_t err);
void vmx_insn_failed(const char *insn, uint64_t field, int status);
void vmx_vmcs_load(struct arch_vps *a);
uint64_t vmx_guest_cr0(struct arch_vps *a);
void vmx_set_cr0(struct arch_vps *a, uint64_t val);
void vmx_set_cr4(struct arch_vps *a, uint64_t val);
void vmx_update_lma(struct arch_vps *a);

/* exit.c */
/* Returns true when the exit was handled inside the backend (re-enter). */
bool vmx_exit_decode(struct hv_vps *vps, struct hv_exit *exit);
void vmx_report_entry_state(struct arch_vps *a, const char *why);

/* msr_fpu.c */
void vmx_msr_bitmaps_init(void);
uint64_t vmx_msr_bitmap_pa(bool guest);
void vmx_lazy_msrs_load(struct arch_vps *a, uint16_t pp);
void vmx_lazy_msrs_forget(struct arch_vps *a);

/* ---- VMX instructions (status 0 ok, 1 VMfailInvalid, 2 VMfailValid) ---- */

static inline int vmx_status(uint8_t cf, uint8_t zf)
{
	return cf ? 1 : zf ? 2 : 0;
}

static inline int vmread_st(uint64_t field, uint64_t *val)
{
	uint8_t cf, zf;
	__asm__ volatile("vmread %[f], %[v]; setc %[cf]; setz %[zf]"
			 : [v] "=rm"(*val), [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [f] "r"(field)
			 : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmwrite_st(uint64_t field, uint64_t val)
{
	uint8_t cf, zf;
	__asm__ volatile("vmwrite %[v], %[f]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [f] "r"(field), [v] "rm"(val)
			 : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v = 0;
	int st = vmread_st(field, &v);
	if (st)
		vmx_insn_failed("VMREAD", field, st);
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t val)
{
	int st = vmwrite_st(field, val);
	if (st)
		vmx_insn_failed("VMWRITE", field, st);
}

static inline int vmx_vmxon(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf) : [pa] "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmclear(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf) : [pa] "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmptrld(uint64_t pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %[pa]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf) : [pa] "m"(pa) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invept %[d], %[t]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf) : [d] "m"(desc), [t] "r"(type)
			 : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, la; } desc = { vpid, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invvpid %[d], %[t]; setc %[cf]; setz %[zf]"
			 : [cf] "=qm"(cf), [zf] "=qm"(zf) : [d] "m"(desc), [t] "r"(type)
			 : "cc", "memory");
	return vmx_status(cf, zf);
}

#endif /* VMX_VMX_H */
