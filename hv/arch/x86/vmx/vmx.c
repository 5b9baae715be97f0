/*
 * The VMX backend: capabilities and controls, per-PP VMXON, the VMCS life
 * cycle of a VPS, run, inject.
 *
 * Controls are computed once from the capability MSRs (the TRUE_* ones when
 * IA32_VMX_BASIC bit 55 says so): a control is set only where its
 * allowed-1 bit permits, and every allowed-0 bit (a control that must be 1)
 * is set as well.  A control the backend needs and the processor lacks
 * stops the boot with its name.
 *
 * Root VM: EPT, unrestricted guest (the root starts in 32-bit protected
 * mode with paging off), VPID, HLT exiting, MSR bitmap of zeros, no I/O
 * exiting, no external-interrupt exiting (its interrupts are its own).
 * Guest VMs: the same plus external-interrupt and NMI exiting, unconditional
 * I/O exiting, PAUSE exiting, the MSR bitmap of msr_fpu.c, a TPR shadow
 * (guest CR8 never reaches the local APIC), and the VMX-preemption timer as
 * the time slice (else the local APIC timer of boot/preempt.c).
 * CR0/CR4: bits the processor fixes (IA32_VMX_CR0/CR4_FIXED0/1, CR0.PE/PG
 * exempt with unrestricted guest) are owned by the host (guest/host mask),
 * the guest sees its own value through the read shadow; a MOV to CR0/CR4
 * that touches them exits and is completed here (exit.c).
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

#define RFLAGS_IF (1ull << 9)
#define DEFAULT_PAT 0x0007040600070406ull
#define CR4_VMXE (1ull << 13)
#define CR0_PG (1ull << 31)
#define HOST_SEL_CODE 0x18
#define HOST_SEL_DATA 0x10
#define HOST_SEL_TSS 0x20
#define HV_SLICE_US 50000u

struct vmx_caps vmx_caps;

/* Per PP: the VMXON region, a GDT with a TSS (VM exits need a host TR),
 * the current VMCS, and the VPS whose lazy MSRs the processor holds. */
struct vmx_pp {
	uint8_t vmxon[4096] __attribute__((aligned(4096)));
	uint64_t gdt[8] __attribute__((aligned(16)));
	uint8_t tss[104] __attribute__((aligned(16)));
	struct arch_vps *current;
	struct arch_vps *msr_owner;
};
static struct vmx_pp pps[HV_MAX_PPS] __attribute__((aligned(4096)));

extern uint64_t boot_gdt[];

/* ---- diagnostics ---- */

/* SDM vol. 3C, 30.4 "VM instruction error numbers". */
const char *vmx_insn_error_name(uint32_t err)
{
	switch (err) {
	case 1: return "VMCALL executed in VMX root operation";
	case 2: return "VMCLEAR with invalid physical address";
	case 3: return "VMCLEAR with VMXON pointer";
	case 4: return "VMLAUNCH with non-clear VMCS";
	case 5: return "VMRESUME with non-launched VMCS";
	case 6: return "VMRESUME after VMXOFF";
	case 7: return "VM entry with invalid control field(s)";
	case 8: return "VM entry with invalid host-state field(s)";
	case 9: return "VMPTRLD with invalid physical address";
	case 10: return "VMPTRLD with VMXON pointer";
	case 11: return "VMPTRLD with incorrect VMCS revision identifier";
	case 12: return "VMREAD/VMWRITE from/to unsupported VMCS component";
	case 13: return "VMWRITE to read-only VMCS component";
	case 15: return "VMXON executed in VMX root operation";
	case 16: return "VM entry with invalid executive-VMCS pointer";
	case 17: return "VM entry with non-launched executive VMCS";
	case 18: return "VM entry with executive-VMCS pointer not VMXON pointer";
	case 19: return "VMCALL with non-clear VMCS";
	case 20: return "VMCALL with invalid VM-exit control fields";
	case 22: return "VMCALL with incorrect MSEG revision identifier";
	case 23: return "VMXOFF under dual-monitor treatment of SMIs and SMM";
	case 24: return "VMCALL with invalid SMM-monitor features";
	case 25: return "VM entry with invalid VM-execution control fields in executive VMCS";
	case 26: return "VM entry with events blocked by MOV SS";
	case 28: return "Invalid operand to INVEPT/INVVPID";
	default: return "unknown VM-instruction error";
	}
}

void vmx_insn_failed(const char *insn, uint64_t field, int status)
{
	if (status == 1) {
		hv_log("vmx: %s 0x%llx failed: VMfailInvalid (no current VMCS)", insn,
		       (unsigned long long)field);
		return;
	}
	uint64_t err = 0;
	vmread_st(VMCS_INSN_ERROR, &err);
	hv_log("vmx: %s 0x%llx failed: VM-instruction error %u (%s)", insn,
	       (unsigned long long)field, (unsigned)err, vmx_insn_error_name((uint32_t)err));
}

/* ---- capabilities ---- */

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

static int vmx_caps_init(void)
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

	static const struct ctl_req proc_need[] = {
		{ PROC_HLT_EXITING, "HLT exiting" },
		{ PROC_USE_MSR_BITMAPS, "use MSR bitmaps" },
		{ PROC_SECONDARY, "activate secondary controls" },
		{ PROC_INTR_WINDOW, "interrupt-window exiting" },
	};
	static const struct ctl_req proc_guest_need[] = {
		{ PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
		{ PROC_PAUSE_EXITING, "PAUSE exiting" },
		{ PROC_TPR_SHADOW, "use TPR shadow" },
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
	    ctl_compute("pin-based", pin, NULL, 0, 0, &c->pin_root) ||
	    ctl_compute("pin-based", pin, pin_guest_need, HV_ARRAY_SIZE(pin_guest_need), 0,
			&c->pin_guest) ||
	    ctl_compute("VM-exit", exitc, exit_need, HV_ARRAY_SIZE(exit_need), 0, &c->exit_ctls) ||
	    ctl_compute("VM-entry", entry, entry_need, HV_ARRAY_SIZE(entry_need), 0,
			&c->entry_ctls))
		return -1;
	/* Never wanted: they are only there when the processor forces them. */
	c->proc_root &= ~PROC_INTR_WINDOW;
	c->proc_guest &= ~PROC_INTR_WINDOW;
	c->entry_ctls &= ~ENTRY_IA32E; /* set per entry from the guest's EFER.LMA */
	c->exit_ctls &= ~EXIT_ACK_INTR;

	uint64_t proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (ctl_compute("secondary processor-based", proc2, proc2_need, HV_ARRAY_SIZE(proc2_need),
			0, &c->proc2_root))
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
	c->cr0_mask = cr0_fix0 | (~c->cr0_fixed1 & 0xFFFFFFFFull);
	c->cr4_mask = c->cr4_fixed0 | (~c->cr4_fixed1 & 0xFFFFFFFFull);

	hv_log("vmx: revision 0x%x, %s controls, pin 0x%x/0x%x proc 0x%x/0x%x proc2 0x%x "
	       "exit 0x%x entry 0x%x", c->revision, tru ? "TRUE" : "default", c->pin_root,
	       c->pin_guest, c->proc_root, c->proc_guest, c->proc2_root, c->exit_ctls,
	       c->entry_ctls);
	hv_log("vmx: EPT 4-level WB, INVEPT %s, VPID %s, preemption timer %s (TSC >> %u), "
	       "CR0 fixed 0x%llx/0x%llx CR4 fixed 0x%llx/0x%llx",
	       c->invept_single ? "single-context" : "global",
	       c->vpid ? (c->invvpid_single ? "yes (INVVPID single-context)" : "yes (INVVPID all)")
		       : "no",
	       c->preempt_timer ? "yes" : "no (local APIC timer)", c->preempt_rate,
	       (unsigned long long)c->cr0_fixed0, (unsigned long long)c->cr0_fixed1,
	       (unsigned long long)c->cr4_fixed0, (unsigned long long)c->cr4_fixed1);
	return 0;
}

/* A GDT with the boot code's descriptors plus a 64-bit TSS at 0x20. */
static void pp_gdt_tss(struct vmx_pp *p)
{
	uint64_t tss = (uint64_t)(uintptr_t)p->tss;
	uint64_t limit = sizeof(p->tss) - 1;

	hv_memset(p->gdt, 0, sizeof(p->gdt));
	hv_memcpy(p->gdt, boot_gdt, 4 * sizeof(uint64_t));
	hv_memset(p->tss, 0, sizeof(p->tss));
	p->tss[102] = sizeof(p->tss); /* I/O map base beyond the limit: no bitmap */
	p->gdt[4] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
	p->gdt[5] = tss >> 32;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
		sizeof(p->gdt) - 1, (uint64_t)(uintptr_t)p->gdt
	};
	__asm__ volatile("lgdt %0" ::"m"(d) : "memory");
	__asm__ volatile("ltr %w0" ::"r"(HOST_SEL_TSS) : "memory");
}

int vmx_pp_enable(uint16_t ppid)
{
	uint32_t r[4];

	if (ppid >= HV_MAX_PPS)
		return -1;
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 5))) {
		hv_log("vmx: pp %u: the CPU has no VMX (CPUID 1 ECX[5])", ppid);
		return -1;
	}
	if (ppid == 0 && vmx_caps_init())
		return -1;

	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
			hv_log("vmx: pp %u: VMX disabled by the firmware (IA32_FEATURE_CONTROL 0x%llx "
			       "locked without VMXON outside SMX)", ppid, (unsigned long long)fc);
			return -1;
		}
	} else {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
		if (ppid == 0)
			hv_log("vmx: IA32_FEATURE_CONTROL was unlocked (0x%llx): set VMXON outside "
			       "SMX and locked", (unsigned long long)fc);
	}

	struct vmx_caps *c = &vmx_caps;
	uint64_t cr0 = (read_cr0() | c->cr0_fixed0) & c->cr0_fixed1;
	uint64_t cr4 = (read_cr4() | c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1;
	if (!(cr4 & CR4_VMXE)) {
		hv_log("vmx: pp %u: IA32_VMX_CR4_FIXED1 does not allow CR4.VMXE", ppid);
		return -1;
	}
	write_cr0(cr0);
	write_cr4(cr4);

	struct vmx_pp *p = &pps[ppid];
	pp_gdt_tss(p);
	hv_memset(p->vmxon, 0, sizeof(p->vmxon));
	hv_memcpy(p->vmxon, &c->revision, 4);
	int st = vmx_vmxon((uint64_t)(uintptr_t)p->vmxon);
	if (st) {
		hv_log("vmx: pp %u: VMXON failed (%s)", ppid,
		       st == 1 ? "VMfailInvalid: bad VMXON region, or already in VMX operation"
			       : "VMfailValid");
		return -1;
	}
	if (ppid == 0) {
		vmx_msr_bitmaps_init();
		x86_fpu_init();
	}
	return 0;
}

/* ---- VMCS ---- */

static void write_host_pp_fields(uint16_t pp)
{
	vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)pps[pp].gdt);
	vmwrite(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)pps[pp].tss);
}

/* Makes a's VMCS current on this PP (VMPTRLD when another one is). */
void vmx_vmcs_load(struct arch_vps *a)
{
	uint16_t pp = arch_pp_id();

	if (pps[pp].current == a)
		return;
	if (a->pp >= 0 && a->pp != (int16_t)pp) {
		/* Migrated: a VMCS must be cleared on its old PP first.  We cannot
		 * do that from here; clear it here and launch it afresh. */
		hv_log("vmx: vps %u moves from pp %d to pp %u", a->id, a->pp, pp);
		vmx_vmclear(a->vmcs_pa);
		a->launched = false;
	}
	int st = vmx_vmptrld(a->vmcs_pa);
	if (st)
		vmx_insn_failed("VMPTRLD", a->vmcs_pa, st);
	pps[pp].current = a;
	if (a->pp != (int16_t)pp) {
		a->pp = (int16_t)pp;
		write_host_pp_fields(pp);
	}
}

uint64_t vmx_guest_cr0(struct arch_vps *a)
{
	(void)a;
	return (vmread(VMCS_GUEST_CR0) & ~vmx_caps.cr0_mask) |
	       (vmread(VMCS_CR0_SHADOW) & vmx_caps.cr0_mask);
}

void vmx_set_cr0(struct arch_vps *a, uint64_t val)
{
	const struct vmx_caps *c = &vmx_caps;
	(void)a;
	vmwrite(VMCS_CR0_SHADOW, val);
	vmwrite(VMCS_GUEST_CR0, (val | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & c->cr0_fixed1);
}

void vmx_set_cr4(struct arch_vps *a, uint64_t val)
{
	const struct vmx_caps *c = &vmx_caps;
	(void)a;
	vmwrite(VMCS_CR4_SHADOW, val);
	vmwrite(VMCS_GUEST_CR4, (val | c->cr4_fixed0) & c->cr4_fixed1);
}

/* EFER.LMA = LME && CR0.PG, and the "IA-32e mode guest" entry control with it. */
void vmx_update_lma(struct arch_vps *a)
{
	uint64_t efer = vmread(VMCS_GUEST_EFER);
	bool lma = (efer & EFER_LME) && (vmread(VMCS_GUEST_CR0) & CR0_PG);
	uint64_t nefer = lma ? efer | EFER_LMA : efer & ~EFER_LMA;
	uint64_t entry = vmread(VMCS_ENTRY_CTLS);
	uint64_t nentry = lma ? entry | ENTRY_IA32E : entry & ~ENTRY_IA32E;

	(void)a;
	if (nefer != efer)
		vmwrite(VMCS_GUEST_EFER, nefer);
	if (nentry != entry)
		vmwrite(VMCS_ENTRY_CTLS, nentry);
}

static void vps_reset_state(struct arch_vps *a)
{
	/* The processor's reset state (real mode at F000:FFF0). */
	for (unsigned i = 0; i < 8; i++) {
		unsigned ar = i == 1 ? 0x9B : i == 6 ? 0x82 : i == 7 ? 0x8B : 0x93;
		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, i == 1 ? 0xF000 : 0);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, i == 1 ? 0xFFFF0000ull : 0);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, 0xFFFF);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, ar);
	}
	vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xFFFF);
	vmwrite(VMCS_GUEST_RIP, 0xFFF0);
	vmwrite(VMCS_GUEST_RSP, 0);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	vmx_set_cr0(a, 0x60000010ull);
	vmwrite(VMCS_GUEST_CR3, 0);
	vmx_set_cr4(a, 0);
	vmwrite(VMCS_GUEST_EFER, 0);
	vmwrite(VMCS_GUEST_PAT, DEFAULT_PAT);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	a->dr6 = 0xFFFF0FF0ull;
	a->cr2 = 0;
	hv_memset(a->lazy, 0, sizeof(a->lazy));
	x86_fpu_reset(a->fxsave);
}

static void write_host_state(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt;

	__asm__ volatile("sidt %0" : "=m"(idt));
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_ES_SEL, HOST_SEL_DATA);
	vmwrite(VMCS_HOST_CS_SEL, HOST_SEL_CODE);
	vmwrite(VMCS_HOST_SS_SEL, HOST_SEL_DATA);
	vmwrite(VMCS_HOST_DS_SEL, HOST_SEL_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, HOST_SEL_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, 0);
	vmwrite(VMCS_HOST_IDTR_BASE, idt.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_PAT, HOST_PAT);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER_NUM));
	vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
	vmwrite(VMCS_HOST_RSP, 0); /* vmentry.S writes it before each entry */
}

int vmx_vps_init(struct hv_vps *vps)
{
	struct hv_vm *vm = vps_vm(vps);
	uint64_t self = page_alloc();
	uint64_t vmcs = self ? page_alloc() : 0;
	uint64_t vapic = vmcs ? page_alloc() : 0;

	if (!vm || !vm_arch(vm) || !vapic) {
		if (vmcs)
			page_free(vmcs);
		if (self)
			page_free(self);
		return -1;
	}
	struct arch_vps *a = page_hva(self);
	hv_memset(a, 0, sizeof(*a));
	a->self = self;
	a->vmcs_pa = vmcs;
	a->vapic_pa = vapic;
	a->vapic = page_hva(vapic);
	hv_memset(a->vapic, 0, HV_PAGE_SIZE);
	a->id = vps_id(vps);
	a->guest = vps_vmid(vps) != 0;
	a->pp = -1;
	a->msr_pp = -1;

	uint8_t *v = page_hva(vmcs);
	hv_memset(v, 0, HV_PAGE_SIZE);
	hv_memcpy(v, &vmx_caps.revision, 4);
	int st = vmx_vmclear(vmcs);
	if (st) {
		vmx_insn_failed("VMCLEAR", vmcs, st);
		page_free(vapic);
		page_free(vmcs);
		page_free(self);
		return -1;
	}
	vmx_vmcs_load(a);

	const struct vmx_caps *c = &vmx_caps;
	vmwrite(VMCS_PIN_CTLS, a->guest ? c->pin_guest : c->pin_root);
	vmwrite(VMCS_PROC_CTLS, a->guest ? c->proc_guest : c->proc_root);
	vmwrite(VMCS_PROC_CTLS2, a->guest ? c->proc2_guest : c->proc2_root);
	vmwrite(VMCS_EXIT_CTLS, c->exit_ctls);
	vmwrite(VMCS_ENTRY_CTLS, c->entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_PF_ERR_MASK, 0);
	vmwrite(VMCS_PF_ERR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_MSR_BITMAP, vmx_msr_bitmap_pa(a->guest));
	vmwrite(VMCS_EPTP, vm_arch(vm)->eptp);
	if (c->vpid)
		vmwrite(VMCS_VPID, vm_arch(vm)->vpid);
	if (a->guest) {
		vmwrite(VMCS_VIRTUAL_APIC_ADDR, vapic);
		vmwrite(VMCS_TPR_THRESHOLD, 0);
	}
	vmwrite(VMCS_CR0_MASK, c->cr0_mask);
	vmwrite(VMCS_CR4_MASK, c->cr4_mask);
	write_host_state();
	write_host_pp_fields(arch_pp_id());
	vps_reset_state(a);
	vps_set_arch(vps, a);
	return 0;
}

void vmx_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps_arch(vps);

	if (!a)
		return;
	uint16_t pp = arch_pp_id();
	vmx_lazy_msrs_forget(a);
	if (a->pp >= 0) {
		int st = vmx_vmclear(a->vmcs_pa);
		if (st)
			vmx_insn_failed("VMCLEAR", a->vmcs_pa, st);
	}
	for (unsigned i = 0; i < HV_MAX_PPS; i++)
		if (pps[i].current == a)
			pps[i].current = NULL;
	(void)pp;
	page_free(a->vapic_pa);
	page_free(a->vmcs_pa);
	page_free(a->self);
	vps_set_arch(vps, NULL);
}

/* ---- events ---- */

void vmx_vps_inject(struct hv_vps *vps, const struct hv_event *ev)
{
	struct arch_vps *a = vps_arch(vps);
	uint32_t info = ev->vector | INTR_INFO_VALID;

	switch (ev->type) {
	case HV_EVENT_NMI:
		info = 2 | INTR_TYPE_NMI | INTR_INFO_VALID;
		break;
	case HV_EVENT_EXCEPTION:
		info |= INTR_TYPE_HW_EXC;
		if (ev->has_error)
			info |= INTR_INFO_ERR_VALID;
		break;
	case HV_EVENT_EXTINT:
	default:
		info |= INTR_TYPE_EXT;
		break;
	}
	a->ev_valid = true;
	a->ev_info = info;
	a->ev_err = ev->error;
}

/*
 * Delivers the queued event at this entry, or asks for an interrupt window
 * when the guest cannot take an external interrupt now (RFLAGS.IF = 0, or
 * blocking by STI / MOV SS): VM entry refuses to inject one then.
 */
static void event_prepare(struct arch_vps *a)
{
	uint32_t proc = (uint32_t)vmread(VMCS_PROC_CTLS);
	uint32_t nproc = proc & ~PROC_INTR_WINDOW;

	if (a->ev_valid) {
		uint32_t info = a->ev_info;
		bool ready = true;
		if ((info & INTR_TYPE_MASK) == INTR_TYPE_EXT) {
			uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
			uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
			ready = (rflags & RFLAGS_IF) &&
				!(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS));
		}
		if (ready) {
			/* No error code in real mode (an entry check). */
			if (!(vmread(VMCS_GUEST_CR0) & CR0_PE))
				info &= ~INTR_INFO_ERR_VALID;
			if (info & INTR_INFO_ERR_VALID)
				vmwrite(VMCS_ENTRY_EXC_ERROR, a->ev_err);
			vmwrite(VMCS_ENTRY_INTR_INFO, info);
			a->ev_valid = false;
		} else {
			vmwrite(VMCS_ENTRY_INTR_INFO, 0);
			nproc |= PROC_INTR_WINDOW;
		}
	} else {
		vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	}
	if (nproc != proc)
		vmwrite(VMCS_PROC_CTLS, nproc);
}

/* ---- run ---- */

static void tlb_prepare(struct hv_vps *vps, struct arch_vps *a, uint16_t pp)
{
	struct arch_vm *vm = vm_arch(vps_vm(vps));
	const struct vmx_caps *c = &vmx_caps;
	uint32_t gen = __atomic_load_n(&vm->gen, __ATOMIC_ACQUIRE);
	bool vpid_flush = false;

	if (vm->flushed_gen[pp] != gen) {
		int st = c->invept_single ? vmx_invept(1, vm->eptp) : vmx_invept(2, 0);
		if (st)
			vmx_insn_failed("INVEPT", vm->eptp, st);
		vm->flushed_gen[pp] = gen;
		vpid_flush = true;
	}
	/* Linear mappings are tagged by VPID, not CR3: another VPS of the same
	 * VM (another CR3) must not see this one's. */
	if (vm->last_vps[pp] != a->id + 1u) {
		vm->last_vps[pp] = (uint16_t)(a->id + 1u);
		vpid_flush = true;
	}
	if (c->vpid && vpid_flush) {
		int st = c->invvpid_single ? vmx_invvpid(1, vm->vpid) : vmx_invvpid(2, 0);
		if (st)
			vmx_insn_failed("INVVPID", vm->vpid, st);
	}
}

static inline uint64_t read_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr6" ::"r"(v));
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr8" ::"r"(v) : "memory");
}

void vmx_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uint16_t pp = arch_pp_id();
	const struct vmx_caps *c = &vmx_caps;

	/* Before this VPS's VMCS is made current: reading the root VPS's
	 * RFLAGS loads the root's. */
	bool root_if = false;
	if (a->guest) {
		struct hv_vps *root = pp_root_vps(pp);
		root_if = root && (arch_vps_get_reg(root, bf_reg_t_rflags) & RFLAGS_IF);
	}
	vmx_vmcs_load(a);
	vmx_lazy_msrs_load(a, pp);
	tlb_prepare(vps, a, pp);

	/*
	 * Guests: a time slice (the VMX-preemption timer, else the local APIC
	 * timer as SVM does).  While the PP's root VP has interrupts disabled,
	 * the TPR is raised and LINT0 masked for the run (preempt.c): a pending
	 * IRQ the root does not take would otherwise end every run at once.
	 */
	struct preempt_state ps = { 0 };
	if (a->guest) {
		if (c->preempt_timer) {
			uint64_t t = (arch_tsc_khz() * HV_SLICE_US / 1000) >> c->preempt_rate;
			vmwrite(VMCS_PREEMPTION_TIMER, t > 0xFFFFFFFFu ? 0xFFFFFFFFu : t);
			if (!root_if)
				preempt_hold(&ps);
		} else {
			preempt_arm(&ps, root_if);
		}
	} else {
		write_cr8(a->root_cr8);
	}

	for (;;) {
		vmx_update_lma(a);
		event_prepare(a);
		__asm__ volatile("mov %0, %%cr2" ::"r"(a->cr2) : "memory");
		write_dr6(a->dr6);
		fxrstor(a->fxsave);
		int st = vmx_enter(&a->gprs, a->launched);
		fxsave(a->fxsave);
		a->dr6 = read_dr6();
		__asm__ volatile("mov %%cr2, %0" : "=r"(a->cr2));
		if (st) {
			uint64_t err = 0;
			if (st == 2)
				vmread_st(VMCS_INSN_ERROR, &err);
			hv_log("vmx: %s failed for vm %u vps %u: %s%s%u (%s)",
			       a->launched ? "VMRESUME" : "VMLAUNCH", vps_vmid(vps), vps_id(vps),
			       st == 1 ? "VMfailInvalid" : "VMfailValid, ",
			       st == 1 ? "" : "VM-instruction error ", (unsigned)err,
			       st == 1 ? "no current VMCS" : vmx_insn_error_name((uint32_t)err));
			vmx_report_entry_state(a, "failed entry");
			*exit = (struct hv_exit){ .type = HV_EXIT_ENTRY_FAILURE, .raw = err };
			exit->rip = vmread(VMCS_GUEST_RIP);
			exit->u.entry.code = err;
			exit->u.entry.qual = (uint64_t)st;
			break;
		}
		a->launched = true;
		if (!vmx_exit_decode(vps, exit))
			break;
	}

	if (a->guest) {
		bool sliced = c->preempt_timer ? (preempt_release(&ps), false) : preempt_disarm(&ps);
		if (sliced && exit->type == HV_EXIT_EXTINT)
			exit->type = HV_EXIT_PREEMPT;
	} else {
		a->root_cr8 = read_cr8();
	}
}
