/*
 * The VMCB's exit information (EXITCODE, EXITINFO1/2, EXITINTINFO) ->
 * struct hv_exit.  Policy stays in the core: this only translates.
 *
 * Instruction length: nRIP - RIP when the CPU saves nRIP (CPUID
 * 0x8000000A EDX bit 3), else 0 (the core then uses the architectural
 * length).  QEMU TCG has no nRIP save; for IOIO, EXITINFO2 is the next RIP
 * on every implementation.
 *
 * An event whose delivery the exit interrupted (EXITINTINFO valid:
 * external interrupt, NMI, hardware exception) is re-injected at the next
 * entry; software interrupts are not, re-executing INTn raises them again.
 * The core's own injections (svm_vps_inject) come after this and win.
 */
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <x86/exit_info.h>

#include "svm.h"
#include "vmcb.h"

static void report_invalid(struct hv_vps *vps, const uint8_t *v)
{
	hv_log("svm: VMRUN failed (VMEXIT_INVALID: inconsistent guest state) vm %u vps %u: "
	       "cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx", vps_vmid(vps), vps_id(vps),
	       (unsigned long long)vmcb_get64(v, VMCB_CR0),
	       (unsigned long long)vmcb_get64(v, VMCB_CR3),
	       (unsigned long long)vmcb_get64(v, VMCB_CR4),
	       (unsigned long long)vmcb_get64(v, VMCB_EFER));
	hv_log("svm:   rip 0x%llx rflags 0x%llx cs %04x attr %03x ss %04x attr %03x cpl %u "
	       "dr6 0x%llx dr7 0x%llx eventinj 0x%llx",
	       (unsigned long long)vmcb_get64(v, VMCB_RIP),
	       (unsigned long long)vmcb_get64(v, VMCB_RFLAGS),
	       vmcb_get16(v, VMCB_CS + SEG_SEL), vmcb_get16(v, VMCB_CS + SEG_ATTRIB),
	       vmcb_get16(v, VMCB_SS + SEG_SEL), vmcb_get16(v, VMCB_SS + SEG_ATTRIB),
	       vmcb_get8(v, VMCB_CPL), (unsigned long long)vmcb_get64(v, VMCB_DR6),
	       (unsigned long long)vmcb_get64(v, VMCB_DR7),
	       (unsigned long long)vmcb_get64(v, VMCB_EVENTINJ));
}

void svm_exit_decode(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uint8_t *v = a->vmcb;
	uint64_t code = vmcb_get64(v, VMCB_EXITCODE);
	uint64_t info1 = vmcb_get64(v, VMCB_EXITINFO1);
	uint64_t info2 = vmcb_get64(v, VMCB_EXITINFO2);
	uint64_t intinfo = vmcb_get64(v, VMCB_EXITINTINFO);

	*exit = (struct hv_exit){ .type = HV_EXIT_UNKNOWN, .raw = code };
	exit->rip = vmcb_get64(v, VMCB_RIP);
	if (svm_has_nrip) {
		uint64_t nrip = vmcb_get64(v, VMCB_NRIP);
		if (nrip > exit->rip && nrip - exit->rip <= 15)
			exit->insn_len = (uint32_t)(nrip - exit->rip);
	}

	/* Re-inject an interrupted event delivery, else clear EVENTINJ.  Not
	 * after a shutdown (the event is what killed the guest) or a failed
	 * entry. */
	uint32_t itype = (uint32_t)intinfo & (7u << 8);
	if ((intinfo & EVENT_VALID) && code != VMEXIT_SHUTDOWN && code != VMEXIT_INVALID &&
	    code != VMEXIT_INVALID_32 &&
	    (itype == EVENT_TYPE_INTR || itype == EVENT_TYPE_NMI || itype == EVENT_TYPE_EXC))
		vmcb_set64(v, VMCB_EVENTINJ, intinfo);
	else
		vmcb_set64(v, VMCB_EVENTINJ, 0);

	if (svm_nmi_window_exit(a, code)) {
		/* Nothing for the core (run on), unless the root's NMI blocking
		 * just ended and the core waits for a window (E-70). */
		exit->type = a->want_window && !a->nmi_masked ? HV_EXIT_IRQ_WINDOW : HV_EXIT_EXTINT;
		return;
	}
	switch (code) {
	case VMEXIT_CPUID:
		exit->type = HV_EXIT_CPUID;
		break;
	case VMEXIT_VMMCALL:
		exit->type = HV_EXIT_HYPERCALL;
		break;
	case VMEXIT_HLT:
		exit->type = HV_EXIT_HLT;
		break;
	case VMEXIT_PAUSE:
		exit->type = HV_EXIT_PAUSE;
		break;
	case VMEXIT_VINTR: /* intr_window.c */
		exit->type = HV_EXIT_IRQ_WINDOW;
		break;
	case VMEXIT_INTR:
	case VMEXIT_NMI:
		exit->type = HV_EXIT_EXTINT;
		break;
	case VMEXIT_SHUTDOWN:
		exit->type = HV_EXIT_TRIPLE_FAULT;
		break;
	case VMEXIT_IOIO: {
		struct x86_io_access io = {
			.port = (uint16_t)(info1 >> 16),
			.size = (info1 & IOIO_SZ8) ? 1 : (info1 & IOIO_SZ16) ? 2 : 4,
			.in = info1 & IOIO_IN,
			.string = info1 & IOIO_STR,
			.rep = info1 & IOIO_REP,
		};
		x86_exit_io(exit, &io, vmcb_get64(v, VMCB_RAX));
		if (info2 > exit->rip && info2 - exit->rip <= 15)
			exit->insn_len = (uint32_t)(info2 - exit->rip);
		break;
	}
	case VMEXIT_MSR:
		x86_exit_msr(exit, info1 & 1, a->gprs.r[bf_reg_t_rcx - bf_reg_t_rax],
			     a->gprs.r[bf_reg_t_rdx - bf_reg_t_rax], vmcb_get64(v, VMCB_RAX));
		break;
	case VMEXIT_INVD: /* the core completes it, caches kept (E-59) */
		exit->type = HV_EXIT_INVD;
		break;
	case VMEXIT_VMRUN: /* the SVM instructions: #UD (E-59) */
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
		exit->type = HV_EXIT_UD;
		break;
	case VMEXIT_NPF:
		exit->type = HV_EXIT_SLPT_VIOLATION;
		exit->u.slpt.gpa = info2;
		exit->u.slpt.access = (info1 & NPF_ID)   ? HV_ACCESS_EXEC
				      : (info1 & NPF_RW) ? HV_ACCESS_WRITE
							 : HV_ACCESS_READ;
		exit->u.slpt.present = (info1 & NPF_P) ? 1 : 0;
		break;
	case VMEXIT_INVALID:
	case VMEXIT_INVALID_32: /* QEMU 7.2 TCG writes -1 as 32 bits (probe entryfail) */
		exit->type = HV_EXIT_ENTRY_FAILURE;
		exit->u.entry.code = code;
		exit->u.entry.qual = 0;
		report_invalid(vps, v);
		break;
	default:
		if (code >= VMEXIT_EXCP_BASE && code < VMEXIT_EXCP_BASE + 32) {
			unsigned vec = (unsigned)(code - VMEXIT_EXCP_BASE);
			exit->type = HV_EXIT_EXCEPTION;
			exit->u.exc.vector = (uint8_t)vec;
			exit->u.exc.has_error = x86_exception_has_error(vec);
			exit->u.exc.error = (uint32_t)info1;
			exit->u.exc.cr2 = vec == 14 ? info2 : 0;
		}
		break;
	}
}
