/*
 * VMCS access (vmcs.h): which VMCS is current on each PP (VMPTRLD), the
 * host-state fields (per PP: a GDT with a TSS, since VM exits need a host
 * TR), the VM-instruction error names, and the CR0/CR4 helpers that keep
 * the bits the processor fixes in the VMCS and the guest's own value in the
 * read shadow.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

#define HOST_SEL_CODE 0x18
#define HOST_SEL_DATA 0x10
#define HOST_SEL_TSS 0x20

/* Per PP: a GDT with a TSS (VM exits need a host TR) and the current VMCS. */
struct vmx_pp {
	uint64_t gdt[8] __attribute__((aligned(16)));
	uint8_t tss[104] __attribute__((aligned(16)));
	struct arch_vps *current;
};
static struct vmx_pp pps[HV_MAX_PPS];

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

/* ---- host state ---- */

/* Loads a GDT with the boot code's descriptors plus a 64-bit TSS at 0x20
 * on PP `ppid` (its VMCSs' host GDTR and TR). */
void vmx_host_gdt_load(uint16_t ppid)
{
	struct vmx_pp *p = &pps[ppid];
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

void vmx_vmcs_write_host_state(void)
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

/* ---- the current VMCS, CR0/CR4 ---- */

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

/* Forgets `a` as any PP's current VMCS (it is being freed). */
void vmx_vmcs_forget(struct arch_vps *a)
{
	for (unsigned i = 0; i < HV_MAX_PPS; i++)
		if (pps[i].current == a)
			pps[i].current = NULL;
}
