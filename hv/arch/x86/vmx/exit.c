/*
 * VM exit information (basic exit reason, qualification, interruption and
 * IDT-vectoring information) -> struct hv_exit.  Policy stays in the core:
 * this only translates, except for the exits that exist only because of how
 * the backend virtualizes the processor, which are completed here and never
 * reach the core:
 *   - CR access: a MOV to CR0/CR4 touching a bit the host owns (the
 *     IA32_VMX_CR0/CR4_FIXED bits, see caps.c), and CR3 load/store exits
 *     where the processor forces those controls (no TRUE controls); a value
 *     the processor would refuse gets #GP(0) instead (probe crexit);
 *   - interrupt window: opened to deliver a queued external interrupt;
 *   - the root's XSETBV (xsetbv.c): XCR0 loaded, or #GP(0);
 *   - INVD, which exits unconditionally: completed as a no-op (the caches
 *     are not invalidated: a VM must not discard the hypervisor's writes).
 * The VMX instructions, which exit unconditionally too, go to the core as
 * HV_EXIT_UD (#UD: CPUID hides VMX, docs/spec-errata.md E-59).
 *
 * An event whose delivery the exit interrupted (IDT-vectoring information
 * valid: external interrupt, NMI, hardware exception) is re-injected at the
 * next entry; software interrupts and exceptions are not (re-executing the
 * instruction raises them again).  The core's own injections come after
 * this and win.
 */
#include <x86/boot.h>
#include <x86/cov.h>
#include <x86/cpu.h>
#include <x86/exit_info.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

/* VMX's GPR numbering (exit qualifications) -> bf_reg_t. */
static const enum bf_reg_t gpr_of[16] = {
	bf_reg_t_rax, bf_reg_t_rcx, bf_reg_t_rdx, bf_reg_t_rbx, bf_reg_t_rsp, bf_reg_t_rbp,
	bf_reg_t_rsi, bf_reg_t_rdi, bf_reg_t_r8,  bf_reg_t_r9,  bf_reg_t_r10, bf_reg_t_r11,
	bf_reg_t_r12, bf_reg_t_r13, bf_reg_t_r14, bf_reg_t_r15,
};

static uint64_t gpr_get(struct hv_vps *vps, unsigned n)
{
	return vmx_vps_get_reg(vps, gpr_of[n & 15]);
}

static void gpr_set(struct hv_vps *vps, unsigned n, uint64_t v)
{
	vmx_vps_set_reg(vps, gpr_of[n & 15], v);
}

static void skip_insn(void)
{
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS));
}

/*
 * Would the processor refuse this MOV to CR0/CR4 with #GP(0) (SDM "MOV--Move
 * to/from Control Registers")?  The exit comes before those checks, so the
 * backend makes them: CR0 bits 63:32, PG without PE, NW without CD, PG
 * cleared in 64-bit mode, PG set with EFER.LME and CR4.PAE = 0; CR4 bits the
 * processor lacks (IA32_VMX_CR4_FIXED1) or does not offer guests (VMXE,
 * SMXE), PAE cleared in IA-32e mode, PCIDE set outside it or with CR3[11:0]
 * nonzero.
 */
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR4_PAE (1ull << 5)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMXE (1ull << 14)
#define SEG_AR_L (1ull << 13)

static bool cr_write_faults(struct hv_vps *vps, unsigned cr, uint64_t v)
{
	uint64_t efer = vmread(VMCS_GUEST_EFER);
	bool lma = efer & EFER_LMA;

	if (cr == 0) {
		bool cs_l = vmread(VMCS_GUEST_ES_AR + 2) & SEG_AR_L;
		return (v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) ||
		       ((v & CR0_NW) && !(v & CR0_CD)) || (lma && cs_l && !(v & CR0_PG)) ||
		       ((v & CR0_PG) && (efer & EFER_LME) &&
			!(vmx_vps_get_reg(vps, bf_reg_t_cr4) & CR4_PAE));
	}
	uint64_t offered = vmx_caps.cr4_fixed1 & ~(CR4_VMXE | CR4_SMXE);
	uint64_t old = vmx_vps_get_reg(vps, bf_reg_t_cr4);
	return (v & ~offered) || (lma && !(v & CR4_PAE)) ||
	       ((v & CR4_PCIDE) && !(old & CR4_PCIDE) &&
		(!lma || (vmread(VMCS_GUEST_CR3) & 0xFFF)));
}

/* #GP(0) at the next entry, RIP left at the faulting instruction. */
static void inject_gp0(struct arch_vps *a)
{
	a->ev_valid = true;
	a->ev_info = INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_ERR_VALID | 13;
	a->ev_err = 0;
}

/* A CR-access exit: completes the instruction; false when it is not one
 * the backend handles (then it goes to the core as HV_EXIT_UNKNOWN). */
static bool cr_access(struct hv_vps *vps, struct arch_vps *a, uint64_t qual)
{
	unsigned cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;

	switch (type) {
	case 0: { /* MOV to CR */
		uint64_t v = gpr_get(vps, reg);
		if ((cr == 0 || cr == 4) && cr_write_faults(vps, cr, v)) {
			inject_gp0(a);
			return true;
		}
		if (cr == 0) {
			vmx_set_cr0(a, v);
		} else if (cr == 4) {
			vmx_set_cr4(a, v);
		} else if (cr == 3) {
			vmwrite(VMCS_GUEST_CR3, v);
		} else {
			return false;
		}
		break;
	}
	case 1: /* MOV from CR */
		if (cr != 3)
			return false;
		gpr_set(vps, reg, vmread(VMCS_GUEST_CR3));
		break;
	case 2: /* CLTS */
		vmwrite(VMCS_CR0_SHADOW, vmread(VMCS_CR0_SHADOW) & ~CR0_TS);
		vmwrite(VMCS_GUEST_CR0, vmread(VMCS_GUEST_CR0) & ~CR0_TS);
		break;
	default: { /* LMSW: bits 3:0, PE cannot be cleared */
		uint64_t src = (qual >> 16) & 0xF;
		uint64_t cr0 = vmx_guest_cr0(a);
		vmx_set_cr0(a, (cr0 & ~0xEull) | (src & 0xE) | ((cr0 | src) & CR0_PE));
		break;
	}
	}
	vmx_update_lma(a);
	skip_insn();
	return true;
}

void vmx_report_entry_state(struct arch_vps *a, const char *why)
{
	(void)a;
	hv_log("vmx:   %s: cr0 0x%llx (shadow 0x%llx) cr3 0x%llx cr4 0x%llx (shadow 0x%llx) "
	       "efer 0x%llx entry 0x%llx", why,
	       (unsigned long long)vmread(VMCS_GUEST_CR0),
	       (unsigned long long)vmread(VMCS_CR0_SHADOW),
	       (unsigned long long)vmread(VMCS_GUEST_CR3),
	       (unsigned long long)vmread(VMCS_GUEST_CR4),
	       (unsigned long long)vmread(VMCS_CR4_SHADOW),
	       (unsigned long long)vmread(VMCS_GUEST_EFER),
	       (unsigned long long)vmread(VMCS_ENTRY_CTLS));
	hv_log("vmx:   rip 0x%llx rsp 0x%llx rflags 0x%llx cs %04llx ar %05llx ss %04llx ar "
	       "%05llx tr ar %05llx ldtr ar %05llx intr-state 0x%llx entry-intr 0x%llx",
	       (unsigned long long)vmread(VMCS_GUEST_RIP),
	       (unsigned long long)vmread(VMCS_GUEST_RSP),
	       (unsigned long long)vmread(VMCS_GUEST_RFLAGS),
	       (unsigned long long)vmread(VMCS_GUEST_ES_SEL + 2),
	       (unsigned long long)vmread(VMCS_GUEST_ES_AR + 2),
	       (unsigned long long)vmread(VMCS_GUEST_ES_SEL + 4),
	       (unsigned long long)vmread(VMCS_GUEST_ES_AR + 4),
	       (unsigned long long)vmread(VMCS_GUEST_ES_AR + 14),
	       (unsigned long long)vmread(VMCS_GUEST_ES_AR + 12),
	       (unsigned long long)vmread(VMCS_GUEST_INTERRUPTIBILITY),
	       (unsigned long long)vmread(VMCS_ENTRY_INTR_INFO));
}

static const char *entry_failure_name(uint32_t basic)
{
	switch (basic) {
	case EXIT_REASON_INVALID_GUEST: return "invalid guest state";
	case EXIT_REASON_MSR_LOADING: return "MSR loading";
	case EXIT_REASON_MACHINE_CHECK: return "machine-check event";
	default: return "unknown";
	}
}

bool vmx_exit_decode(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xFFFF;
	uint64_t qual = vmread(VMCS_EXIT_QUAL);
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);

	*exit = (struct hv_exit){ .type = HV_EXIT_UNKNOWN, .raw = reason };
	exit->rip = vmread(VMCS_GUEST_RIP);

	if (reason & EXIT_REASON_ENTRY_FAILED) {
		exit->type = HV_EXIT_ENTRY_FAILURE;
		exit->u.entry.code = reason;
		exit->u.entry.qual = qual;
		hv_log("vmx: VM entry failed for vm %u vps %u: exit reason %u (%s), "
		       "qualification 0x%llx", vps_vmid(vps), vps_id(vps), basic,
		       entry_failure_name(basic), (unsigned long long)qual);
		vmx_report_entry_state(a, "guest state");
		a->ev_valid = false;
		return false;
	}

	/* Re-inject an interrupted event delivery (not after a triple fault). */
	uint32_t itype = idt & INTR_TYPE_MASK;
	if ((idt & INTR_INFO_VALID) && basic != EXIT_REASON_TRIPLE_FAULT &&
	    (itype == INTR_TYPE_EXT || itype == INTR_TYPE_NMI || itype == INTR_TYPE_HW_EXC)) {
		a->ev_valid = true;
		a->ev_info = idt & (INTR_INFO_VALID | INTR_TYPE_MASK | INTR_INFO_ERR_VALID | 0xFF);
		a->ev_err = (uint32_t)vmread(VMCS_IDT_VECTORING_ERROR);
	}

	switch (basic) {
	case EXIT_REASON_CPUID:
		exit->type = HV_EXIT_CPUID;
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_REASON_VMCALL:
		exit->type = HV_EXIT_HYPERCALL;
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_REASON_HLT:
		/* The root's HLT exits only in a make-coverage build (caps.c).
		 * With IF=1 it then does what it does unintercepted: the root
		 * waits in the HLT activity state for its next interrupt (the
		 * processor's, IA32_VMX_MISC bit 6); only its final CLI;HLT
		 * goes to the core, which stops it and dumps the counters. */
		if (X86_COV && vps_vmid(vps) == 0 && (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
		    (rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_ACTIVITY_HLT)) {
			skip_insn();
			vmwrite(VMCS_GUEST_ACTIVITY, VMX_ACTIVITY_HLT);
			return true;
		}
		exit->type = HV_EXIT_HLT;
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_REASON_PAUSE:
		exit->type = HV_EXIT_PAUSE;
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_REASON_EXTINT:
		exit->type = HV_EXIT_EXTINT;
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		exit->type = HV_EXIT_PREEMPT;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		exit->type = HV_EXIT_TRIPLE_FAULT;
		break;
	case EXIT_REASON_MTF: /* vmx.c event_prepare: the root's held NMI */
	case EXIT_REASON_NMI_WINDOW:
		if (a->ev_valid)
			return true;
		exit->type = HV_EXIT_EXTINT; /* nothing for the core: run on */
		break;
	case EXIT_REASON_INTR_WINDOW:
		if (a->ev_valid)
			return true; /* event_prepare() delivers the queued interrupt now */
		exit->type = HV_EXIT_IRQ_WINDOW; /* the core's: it injects the next */
		break;
	case EXIT_REASON_INVD: /* unconditional in VMX non-root: a no-op, caches kept (E-59) */
		skip_insn();
		return true;
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
		exit->type = HV_EXIT_UD; /* the VMX instructions: #UD (E-59) */
		break;
	case EXIT_REASON_CR_ACCESS:
		if (cr_access(vps, a, qual))
			return true;
		hv_log("vmx: vm %u vps %u: unhandled CR access, qualification 0x%llx", vps_vmid(vps),
		       vps_id(vps), (unsigned long long)qual);
		break;
	case EXIT_REASON_IO: {
		struct x86_io_access io = {
			.port = (uint16_t)(qual >> 16),
			.size = (uint8_t)((qual & 7) + 1),
			.in = (qual >> 3) & 1,
			.string = (qual >> 4) & 1,
			.rep = (qual >> 5) & 1,
		};
		x86_exit_io(exit, &io, a->gprs.r[0]);
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	}
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		x86_exit_msr(exit, basic == EXIT_REASON_WRMSR, a->gprs.r[bf_reg_t_rcx - bf_reg_t_rax],
			     a->gprs.r[bf_reg_t_rdx - bf_reg_t_rax], a->gprs.r[0]);
		exit->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		exit->type = HV_EXIT_SLPT_VIOLATION;
		exit->u.slpt.gpa = vmread(VMCS_GUEST_PHYS_ADDR);
		exit->u.slpt.access = (qual & 4)   ? HV_ACCESS_EXEC
				      : (qual & 2) ? HV_ACCESS_WRITE
						   : HV_ACCESS_READ;
		exit->u.slpt.present = (qual & 0x38) ? 1 : 0;
		if (qual & (1u << 7)) {
			exit->u.slpt.gva_valid = 1;
			exit->u.slpt.gva = vmread(VMCS_GUEST_LINEAR_ADDR);
		}
		break;
	case EXIT_REASON_XSETBV: /* a guest VM's stays unhandled (the core's) */
		if (vps_vmid(vps) != 0)
			break;
		if (vmx_xsetbv(vps))
			skip_insn();
		else
			inject_gp0(a);
		return true;
	case EXIT_REASON_EPT_MISCONFIG:
		hv_log("vmx: vm %u vps %u: EPT misconfiguration at GPA 0x%llx", vps_vmid(vps), vps_id(vps),
		       (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
		break;
	case EXIT_REASON_EXCEPTION_NMI: {
		uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
		if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
			/* The hypervisor's kick or a platform NMI (boot/kick.c). */
			kick_nmi(arch_pp_id());
			kick_nmi_unblock();
			/* A platform NMI is the root's: kick_run_leave hands it
			 * to the PP's root VPS through evq_nmi (held like an IPI's
			 * while it blocks NMIs, docs/spec-errata.md E-50, E-52). */
			exit->type = HV_EXIT_EXTINT;
		} else {
			unsigned vec = info & 0xFF;
			exit->type = HV_EXIT_EXCEPTION;
			exit->u.exc.vector = (uint8_t)vec;
			exit->u.exc.has_error = (info & INTR_INFO_ERR_VALID) ? 1 : 0;
			if (exit->u.exc.has_error || x86_exception_has_error(vec))
				exit->u.exc.error = (uint32_t)vmread(VMCS_EXIT_INTR_ERROR);
			exit->u.exc.cr2 = vec == 14 ? qual : 0;
		}
		break;
	}
	default:
		if (basic >= EXIT_REASON_VMCLEAR && basic <= EXIT_REASON_VMXON)
			exit->type = HV_EXIT_UD;
		break;
	}
	return false;
}
