/*
 * VMCS field encodings, control bits, exit reasons and capability MSRs
 * (Intel SDM vol. 3C, appendix B "Field encoding in VMCS", chapters 24-27,
 * appendix A "VMX capability reporting facility", appendix C "VMX basic
 * exit reasons"), the VMX instructions, and VMCS access (vmcs.c): the
 * current VMCS per PP, host state, CR0/CR4 through the read shadows.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <hv/arch/core.h>

/* ---- capability and control MSRs ---- */
#define MSR_IA32_FEATURE_CONTROL 0x03Au
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1ull << 2)
#define MSR_IA32_VMX_BASIC 0x480u
#define MSR_IA32_VMX_PINBASED_CTLS 0x481u
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482u
#define MSR_IA32_VMX_EXIT_CTLS 0x483u
#define MSR_IA32_VMX_ENTRY_CTLS 0x484u
#define MSR_IA32_VMX_MISC 0x485u
#define MSR_IA32_VMX_CR0_FIXED0 0x486u
#define MSR_IA32_VMX_CR0_FIXED1 0x487u
#define MSR_IA32_VMX_CR4_FIXED0 0x488u
#define MSR_IA32_VMX_CR4_FIXED1 0x489u
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48Bu
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48Cu
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48Du
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48Eu
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48Fu
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490u
#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_EXEC_ONLY (1ull << 0)
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_UC (1ull << 8)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define VPID_CAP_INVVPID_ALL (1ull << 42)

/* ---- 16-bit fields ---- */
#define VMCS_VPID 0x0000u
#define VMCS_GUEST_ES_SEL 0x0800u /* ES CS SS DS FS GS LDTR TR: +2 each */
#define VMCS_GUEST_LDTR_SEL 0x080Cu
#define VMCS_GUEST_TR_SEL 0x080Eu
#define VMCS_HOST_ES_SEL 0x0C00u
#define VMCS_HOST_CS_SEL 0x0C02u
#define VMCS_HOST_SS_SEL 0x0C04u
#define VMCS_HOST_DS_SEL 0x0C06u
#define VMCS_HOST_FS_SEL 0x0C08u
#define VMCS_HOST_GS_SEL 0x0C0Au
#define VMCS_HOST_TR_SEL 0x0C0Cu

/* ---- 64-bit fields ---- */
#define VMCS_IO_BITMAP_A 0x2000u
#define VMCS_IO_BITMAP_B 0x2002u
#define VMCS_MSR_BITMAP 0x2004u
#define VMCS_EXIT_MSR_STORE_ADDR 0x2006u
#define VMCS_EXIT_MSR_LOAD_ADDR 0x2008u
#define VMCS_ENTRY_MSR_LOAD_ADDR 0x200Au
#define VMCS_TSC_OFFSET 0x2010u
#define VMCS_VIRTUAL_APIC_ADDR 0x2012u
#define VMCS_EPTP 0x201Au
#define VMCS_GUEST_PHYS_ADDR 0x2400u
#define VMCS_LINK_POINTER 0x2800u
#define VMCS_GUEST_DEBUGCTL 0x2802u
#define VMCS_GUEST_PAT 0x2804u
#define VMCS_GUEST_EFER 0x2806u
#define VMCS_GUEST_PDPTE0 0x280Au
#define VMCS_HOST_PAT 0x2C00u
#define VMCS_HOST_EFER 0x2C02u

/* ---- 32-bit fields ---- */
#define VMCS_PIN_CTLS 0x4000u
#define VMCS_PROC_CTLS 0x4002u
#define VMCS_EXCEPTION_BITMAP 0x4004u
#define VMCS_PF_ERR_MASK 0x4006u
#define VMCS_PF_ERR_MATCH 0x4008u
#define VMCS_CR3_TARGET_COUNT 0x400Au
#define VMCS_EXIT_CTLS 0x400Cu
#define VMCS_EXIT_MSR_STORE_COUNT 0x400Eu
#define VMCS_EXIT_MSR_LOAD_COUNT 0x4010u
#define VMCS_ENTRY_CTLS 0x4012u
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014u
#define VMCS_ENTRY_INTR_INFO 0x4016u
#define VMCS_ENTRY_EXC_ERROR 0x4018u
#define VMCS_ENTRY_INSN_LEN 0x401Au
#define VMCS_TPR_THRESHOLD 0x401Cu
#define VMCS_PROC_CTLS2 0x401Eu
#define VMCS_INSN_ERROR 0x4400u
#define VMCS_EXIT_REASON 0x4402u
#define VMCS_EXIT_INTR_INFO 0x4404u
#define VMCS_EXIT_INTR_ERROR 0x4406u
#define VMCS_IDT_VECTORING_INFO 0x4408u
#define VMCS_IDT_VECTORING_ERROR 0x440Au
#define VMCS_EXIT_INSN_LEN 0x440Cu
#define VMCS_EXIT_INSN_INFO 0x440Eu
#define VMCS_GUEST_ES_LIMIT 0x4800u /* ES CS SS DS FS GS LDTR TR: +2 each */
#define VMCS_GUEST_GDTR_LIMIT 0x4810u
#define VMCS_GUEST_IDTR_LIMIT 0x4812u
#define VMCS_GUEST_ES_AR 0x4814u /* ES CS SS DS FS GS LDTR TR: +2 each */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824u
#define VMCS_GUEST_ACTIVITY 0x4826u
#define VMX_ACTIVITY_HLT 1u              /* guest activity state: halted */
#define VMX_MISC_ACTIVITY_HLT (1ull << 6) /* IA32_VMX_MISC: HLT activity state supported */
#define VMCS_GUEST_SYSENTER_CS 0x482Au
#define VMCS_PREEMPTION_TIMER 0x482Eu
#define VMCS_HOST_SYSENTER_CS 0x4C00u

/* ---- natural-width fields ---- */
#define VMCS_CR0_MASK 0x6000u
#define VMCS_CR4_MASK 0x6002u
#define VMCS_CR0_SHADOW 0x6004u
#define VMCS_CR4_SHADOW 0x6006u
#define VMCS_EXIT_QUAL 0x6400u
#define VMCS_GUEST_LINEAR_ADDR 0x640Au
#define VMCS_GUEST_CR0 0x6800u
#define VMCS_GUEST_CR3 0x6802u
#define VMCS_GUEST_CR4 0x6804u
#define VMCS_GUEST_ES_BASE 0x6806u /* ES CS SS DS FS GS LDTR TR: +2 each */
#define VMCS_GUEST_FS_BASE 0x680Eu
#define VMCS_GUEST_GS_BASE 0x6810u
#define VMCS_GUEST_GDTR_BASE 0x6816u
#define VMCS_GUEST_IDTR_BASE 0x6818u
#define VMCS_GUEST_DR7 0x681Au
#define VMCS_GUEST_RSP 0x681Cu
#define VMCS_GUEST_RIP 0x681Eu
#define VMCS_GUEST_RFLAGS 0x6820u
#define VMCS_GUEST_PENDING_DBG 0x6822u
#define VMCS_GUEST_SYSENTER_ESP 0x6824u
#define VMCS_GUEST_SYSENTER_EIP 0x6826u
#define VMCS_HOST_CR0 0x6C00u
#define VMCS_HOST_CR3 0x6C02u
#define VMCS_HOST_CR4 0x6C04u
#define VMCS_HOST_FS_BASE 0x6C06u
#define VMCS_HOST_GS_BASE 0x6C08u
#define VMCS_HOST_TR_BASE 0x6C0Au
#define VMCS_HOST_GDTR_BASE 0x6C0Cu
#define VMCS_HOST_IDTR_BASE 0x6C0Eu
#define VMCS_HOST_SYSENTER_ESP 0x6C10u
#define VMCS_HOST_SYSENTER_EIP 0x6C12u
#define VMCS_HOST_RSP 0x6C14u
#define VMCS_HOST_RIP 0x6C16u

/* ---- controls ---- */
#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)

#define PROC_INTR_WINDOW (1u << 2)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_CR3_LOAD_EXITING (1u << 15)
#define PROC_CR3_STORE_EXITING (1u << 16)
#define PROC_CR8_LOAD_EXITING (1u << 19)
#define PROC_CR8_STORE_EXITING (1u << 20)
#define PROC_TPR_SHADOW (1u << 21)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_UNCOND_IO_EXITING (1u << 24)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_MTF (1u << 27)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_PAUSE_EXITING (1u << 30)
#define PROC_SECONDARY (1u << 31)

#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_INVPCID (1u << 12)

#define EXIT_HOST_64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)

#define ENTRY_IA32E (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* VM-entry / VM-exit / IDT-vectoring interruption information */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERR_VALID (1u << 11)
#define INTR_TYPE_MASK (7u << 8)
#define INTR_TYPE_EXT (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXC (3u << 8)
#define INTR_TYPE_SW_INT (4u << 8)

/* Guest interruptibility state */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOVSS (1u << 1)
#define INTERRUPTIBILITY_NMI (1u << 3)

/* ---- basic exit reasons ---- */
#define EXIT_REASON_EXCEPTION_NMI 0
#define EXIT_REASON_EXTINT 1
#define EXIT_REASON_TRIPLE_FAULT 2
#define EXIT_REASON_INIT 3
#define EXIT_REASON_SIPI 4
#define EXIT_REASON_INTR_WINDOW 7
#define EXIT_REASON_NMI_WINDOW 8
#define EXIT_REASON_CPUID 10
#define EXIT_REASON_HLT 12
#define EXIT_REASON_INVD 13
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_VMCLEAR 19 /* 19-27: VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMREAD, */
#define EXIT_REASON_VMXON 27   /* VMRESUME, VMWRITE, VMXOFF, VMXON */
#define EXIT_REASON_CR_ACCESS 28
#define EXIT_REASON_IO 30
#define EXIT_REASON_RDMSR 31
#define EXIT_REASON_WRMSR 32
#define EXIT_REASON_INVALID_GUEST 33
#define EXIT_REASON_MSR_LOADING 34
#define EXIT_REASON_MTF 37
#define EXIT_REASON_PAUSE 40
#define EXIT_REASON_MACHINE_CHECK 41
#define EXIT_REASON_EPT_VIOLATION 48
#define EXIT_REASON_EPT_MISCONFIG 49
#define EXIT_REASON_INVEPT 50
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_INVVPID 53
#define EXIT_REASON_XSETBV 55
#define EXIT_REASON_ENTRY_FAILED (1u << 31)

/* EPT entries */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_SHIFT 3
#define EPT_MT_UC 0ull
#define EPT_MT_WC 1ull
#define EPT_MT_WT 4ull
#define EPT_MT_WP 5ull
#define EPT_MT_WB 6ull
#define EPT_ADDR 0x000FFFFFFFFFF000ull

/* ---- VMCS access (vmcs.c) ---- */

struct arch_vps;

const char *vmx_insn_error_name(uint32_t err);
void vmx_insn_failed(const char *insn, uint64_t field, int status);
/* Loads PP `ppid`'s host GDT and TR (a GDT with a TSS: VM exits need a TR). */
void vmx_host_gdt_load(uint16_t ppid);
/* The host-state fields that are the same on every PP (the current VMCS). */
void vmx_vmcs_write_host_state(void);
void vmx_vmcs_load(struct arch_vps *a);
void vmx_vmcs_forget(struct arch_vps *a);
uint64_t vmx_guest_cr0(struct arch_vps *a);
void vmx_set_cr0(struct arch_vps *a, uint64_t val);
void vmx_set_cr4(struct arch_vps *a, uint64_t val);
void vmx_update_lma(struct arch_vps *a);

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

/* VMXON, VMCLEAR, VMPTRLD: one 64-bit physical-address operand in memory. */
#define VMX_PA_INSN(insn, pa)                                                         \
	({                                                                            \
		uint8_t cf_, zf_;                                                     \
		__asm__ volatile(insn " %[p]; setc %[cf]; setz %[zf]"                 \
				 : [cf] "=qm"(cf_), [zf] "=qm"(zf_) : [p] "m"(pa)     \
				 : "cc", "memory");                                   \
		vmx_status(cf_, zf_);                                                 \
	})

static inline int vmx_vmxon(uint64_t pa)
{
	return VMX_PA_INSN("vmxon", pa);
}

static inline int vmx_vmclear(uint64_t pa)
{
	return VMX_PA_INSN("vmclear", pa);
}

static inline int vmx_vmptrld(uint64_t pa)
{
	return VMX_PA_INSN("vmptrld", pa);
}

/* INVEPT / INVVPID: a 128-bit descriptor in memory, the type in a register. */
#define VMX_DESC_INSN(insn, type, desc)                                               \
	({                                                                            \
		uint8_t cf_, zf_;                                                     \
		__asm__ volatile(insn " %[d], %[t]; setc %[cf]; setz %[zf]"           \
				 : [cf] "=qm"(cf_), [zf] "=qm"(zf_)                   \
				 : [d] "m"(desc), [t] "r"(type)                       \
				 : "cc", "memory");                                   \
		vmx_status(cf_, zf_);                                                 \
	})

static inline int vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	return VMX_DESC_INSN("invept", type, desc);
}

static inline int vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, la; } desc = { vpid, 0 };
	return VMX_DESC_INSN("invvpid", type, desc);
}

#endif /* VMX_VMCS_H */
