/*
 * triple: a guest VP that triple-faults ends mv_vp_run_vp with
 * mv_vp_exit_t_fault and REG1 = MV_VP_FAULT_TRIPLE << 56 (docs/exit-reasons.md),
 * and the VP can run again after the root resets its RIP/RSP.
 *
 * Separate from `run` because Bochs' SVM stops the whole emulator on a
 * guest's triple fault ("3rd exception with no resolution") instead of the
 * SHUTDOWN exit real hardware takes; its probe.toml needs "triple-fault-exit",
 * which bochs-amd lacks (hv/arch/x86/README.md, known gaps).
 */
#include "vmm.h"

PROBE_TITLE("a guest triple fault: mv_vp_exit_t_fault with the triple-fault code");

#define ITEMS "mv_vp_run_vp,mv_vp_exit_t_fault"

void probe_main(void)
{
	struct guest g;
	uint64_t r = ~0ull, a = ~0ull;

	vmm_init(true);
	vmm_guest_new(&g, "triple guest");

	uint64_t st = vmm_guest_run(&g, G_TRIPLE, 0, 0, &r, &a);
	check_eq("triple-status", "mv_vp_run_vp,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS, st,
		 "run_vp of a guest that triple-faults");
	check_eq("triple-reason", ITEMS, EXP_EXIT_FAULT, r,
		 "#UD with an empty IDT (triple fault) ends the run with mv_vp_exit_t_fault");
	check_eq("triple-reg1", ITEMS, EXP_FAULT(EXP_VP_FAULT_TRIPLE, 0), a,
		 "REG1 of the fault: the triple-fault kind");

	vmm_guest_reset(&g);
	r = ~0ull;
	st = vmm_guest_run(&g, G_NOP, 0, 0, &r, &a);
	check_eq("triple-rerun", ITEMS, EXP_EXIT_HLT, st == EXP_STATUS_SUCCESS ? r : st,
		 "after the triple fault and RIP/RSP reset by set_reg, the guest runs again");
	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
