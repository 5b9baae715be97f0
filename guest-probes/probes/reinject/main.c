/*
 * reinject: an external interrupt whose delivery a VM exit interrupted is
 * delivered after that exit, exactly once (AMD APM vol. 2 15.7.2: the
 * exit's EXITINTINFO holds the event, which the VMM re-injects; Intel SDM
 * vol. 3 27.2.4 / 28.2.4: the IDT-vectoring information, likewise;
 * hv/arch/x86/svm/exit.c, vmx/exit.c).  The root queues a vector for the
 * guest agent and takes the page that holds the agent's IDT out of the
 * guest's second-level table.  When the agent executes STI the interrupt's
 * delivery reads its gate from that page: the run ends with a second-level
 * fault at the gate's GPA.  The root gives the page back (the same page,
 * donated again) and runs the VP on: the agent must take the vector once,
 * and no other interrupt.
 *
 * The same for a software interrupt: the agent calls a snippet, INT 0x51;
 * RET, whose delivery faults the same way.  A VMM does not re-inject it
 * (the exit's RIP is the INT instruction, which executes again; re-injected
 * too, as a software interrupt whose return address is that RIP, its
 * handler would run twice).  The handler must run once.  Only with
 * "softint" on the command line: the variant reinject.softint, on the
 * backends with the feature soft-int-exitinfo.  Bochs 2.7's SVM records an
 * interrupted INT n in EXITINTINFO as a hardware exception (type 3, not 4),
 * so the SVM backend re-injects it there and the handler runs twice (E-69).
 */
#include "vmm.h"

PROBE_TITLE("An interrupt whose delivery a second-level fault interrupted arrives once, after it");

#define VECTOR 0x51u
#define WAIT_LOOPS 2000000ull
#define ITEMS "mv_vp_run_vp,mv_vps_op_queue_irq"
#define SNIPPET_GPA GUEST_SCRATCH_GPA

static struct guest g;

/* Runs the VP on until an exit other than a time slice's end. */
static uint64_t run_on(uint64_t st, uint64_t *reason, uint64_t *arg)
{
	for (unsigned n = 0; st == EXP_STATUS_SUCCESS && *reason == EXP_EXIT_EXTERNAL_INTERRUPT &&
			     n < GUEST_MAX_PREEMPTIONS;
	     n++)
		st = vmm_run_vp(g.vpid, reason, arg);
	return st;
}

/* INT 0x51 with the IDT's page taken back again (the file's comment). */
static void soft_int(uint64_t src, uint64_t page, uint64_t gate)
{
	uint64_t r = ~0ull, a = ~0ull, st;

	if (!mb_cmdline_has("softint")) {
		check_skip("int-handler-once", "mv_vp_run_vp", "an INT n whose delivery faulted: Bochs' SVM "
			   "types it as an exception (variant reinject.softint: softint on the command line)");
		return;
	}
	uint64_t code = vmm_alloc(1);
	static const uint8_t snippet[] = { 0xCD, VECTOR, 0xC3 }; /* int $0x51; ret */
	memcpy(vmm_gpa_ptr(code), snippet, sizeof(snippet));
	vmm_check_st("share-snippet", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(g.vmid, code, SNIPPET_GPA, 0x1000, EXP_GPA_RWX),
		     "share a page with INT 0x%x; RET at GPA 0x%llx", VECTOR, (unsigned long long)SNIPPET_GPA);
	vmm_check_st("unmap-idt-again", "mv_vm_op_unmap_mdl", EXP_STATUS_SUCCESS,
		     vmm_unmap_range(g.vmid, src, page, 0x1000), "take the IDT's page back again");
	uint64_t base = g.mb->irq_count;
	st = run_on(vmm_guest_run_once(&g, G_EXEC, (uint64_t[]){ SNIPPET_GPA }, 1, &r, &a), &r, &a);
	check_eq("int-fault-gpa", "mv_vp_run_vp,mv_vp_exit_t_fault", (EXP_VP_FAULT_SLPT << 56) | gate,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_FAULT ? a : ~0ull,
		 "INT 0x%x's delivery ends the run with a second-level fault at the gate (%s)", VECTOR,
		 vmm_exit_name(r));
	vmm_check_st("remap-idt-again", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(g.vmid, src, page, 0x1000, EXP_GPA_RWX | EXP_GPA_FLAG_DONATE),
		     "give the page back again");
	st = run_on(vmm_run_vp(g.vpid, &r, &a), &r, &a);
	check_eq("int-resume-hlt", "mv_vp_run_vp,mv_vp_exit_t_hlt", EXP_EXIT_HLT, st == EXP_STATUS_SUCCESS ? r : ~0ull,
		 "the snippet returns and the command ends (%s)", vmm_exit_name(r));
	check_eq("int-handler-once", "mv_vp_run_vp", 1, g.mb->irq_count - base,
		 "the INT's handler ran once: executed again, not also re-injected");

}

void probe_main(void)
{
	uint64_t r = ~0ull, a = ~0ull, idt = 0;

	vmm_init(true);
	vmm_guest_new(&g, "reinject guest");
	if (run_on(vmm_guest_run_once(&g, G_NOP, NULL, 0, &r, &a), &r, &a) != EXP_STATUS_SUCCESS ||
	    r != EXP_EXIT_HLT || vmm_vps_get_reg(g.vpsid, EXP_REG_IDTR_BASE, &idt) != EXP_STATUS_SUCCESS)
		probe_error("the agent did not start (exit %s)", vmm_exit_name(r));
	uint64_t gate = idt + VECTOR * 16u, page = gate & ~0xFFFull;
	uint64_t src = g.image_gpa + (page - GUEST_IMAGE_GPA);
	if (idt < GUEST_IMAGE_GPA || page + 0x1000 > GUEST_IMAGE_GPA + g.image_size)
		probe_error("the agent's IDT 0x%llx is not in its image", (unsigned long long)idt);

	vmm_check_st("queue", "mv_vps_op_queue_irq", EXP_STATUS_SUCCESS,
		     hc_call(EXP_HC_VPS(EXP_IDX_QUEUE_IRQ), HC_REGS(vmm_handle, g.vpsid, VECTOR)),
		     "queue vector 0x%x for the agent", VECTOR);
	vmm_check_st("unmap-idt", "mv_vm_op_unmap_mdl", EXP_STATUS_SUCCESS,
		     vmm_unmap_range(g.vmid, src, page, 0x1000),
		     "take the page of the agent's IDT (GPA 0x%llx) back", (unsigned long long)page);

	/* G_IRQ_WINDOW: STI at once, then wait for two interrupts: one must come */
	uint64_t st = run_on(vmm_guest_run_once(&g, G_IRQ_WINDOW, (uint64_t[]){ 0, WAIT_LOOPS, 2 }, 3, &r, &a),
			     &r, &a);
	check_eq("delivery-fault", ITEMS ",mv_vp_exit_t_fault", EXP_EXIT_FAULT,
		 st == EXP_STATUS_SUCCESS ? r : ~0ull,
		 "the interrupt's delivery reads the unmapped gate: the run ends with a fault (%s)",
		 vmm_exit_name(r));
	check_eq("delivery-fault-gpa", ITEMS ",mv_vp_exit_t_fault", (EXP_VP_FAULT_SLPT << 56) | gate, a,
		 "a second-level fault at the gate's GPA (IDT 0x%llx + 0x%x * 16)", (unsigned long long)idt,
		 VECTOR);

	vmm_check_st("remap-idt", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(g.vmid, src, page, 0x1000, EXP_GPA_RWX | EXP_GPA_FLAG_DONATE),
		     "give the same page back (donated again, RWX)");
	st = run_on(vmm_run_vp(g.vpid, &r, &a), &r, &a);
	check_eq("resume-hlt", ITEMS ",mv_vp_exit_t_hlt", EXP_EXIT_HLT, st == EXP_STATUS_SUCCESS ? r : ~0ull,
		 "the VP runs on to the end of the command (%s)", vmm_exit_name(r));
	check_eq("taken-once", ITEMS, 1, g.mb->res[1],
		 "the interrupted interrupt is delivered after the fault, exactly once");
	check_eq("taken-vector", ITEMS, VECTOR, g.mb->res[2], "and it is vector 0x%x", VECTOR);
	check_eq("nothing-before-sti", ITEMS, 0, g.mb->res[0], "nothing was taken before the STI");

	soft_int(src, page, gate);
	check_eq("destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, vmm_guest_free(&g),
		 "the guest is destroyed");
}
