/*
 * rootfault: the root VM touching a page it donated to a guest VM.  That is
 * a root access to memory it no longer owns, which must stop the whole
 * machine (docs/memory.md "What the root may not touch", docs/exit-reasons.md):
 *     [hv] root VM stopped on pp 0: access to memory the root VM does not own
 *         (exit slpt-violation, rip <rt_stop_load64>, raw ...); stopped on 1 of 1 PPs
 *
 * The probe donates a page to a guest (the agent, module guest-agent.elf),
 * checks that the donation worked (SUCCESS, and the guest reads the root's
 * data there), then announces the stop (MVP EXPECT-STOP, id
 * root-touch-donated-stops) and reads the page, then writes it.  The harness
 * passes root-touch-donated-stops only if nothing of the protocol follows,
 * the hypervisor printed its stop line and the backend reported the root's
 * death (mvsim 125, QEMU guest code 125).  If the root is not stopped, the
 * probe says what it read with a failed check and ENDs: the harness then
 * fails root-touch-donated-stops ("the probe continued after the access").
 */
#include "vmm.h"

PROBE_TITLE("root VM touching a page it donated: the hypervisor must stop the root VM");

#define PATTERN 0x526F6F7446617574ull /* "tuaFtooR" */
#define ITEMS "mv_vm_op_map_mdl"
#define STOP_ID "root-touch-donated-stops"

void probe_main(void)
{
	struct guest g;
	uint64_t page, st, r = ~0ull, a, v;
	volatile uint64_t *p;

	vmm_init(true);
	vmm_guest_new(&g, "guest");
	page = vmm_alloc(1);
	p = vmm_gpa_ptr(page);
	*p = PATTERN;

	st = vmm_map_range(g.vmid, page, GUEST_SCRATCH_GPA, 0x1000, EXP_GPA_RW | EXP_GPA_FLAG_DONATE);
	if (!vmm_check_st("donate", ITEMS, EXP_STATUS_SUCCESS, st,
		      "donate root page 0x%llx to the guest at GPA 0x%llx", (unsigned long long)page,
		      (unsigned long long)GUEST_SCRATCH_GPA)) {
		check_skip(STOP_ID, ITEMS, "the donation failed: nothing to show");
		report_end();
	}
	st = vmm_guest_run(&g, G_READ, (uint64_t[]){ GUEST_SCRATCH_GPA }, 1, &r, &a);
	v = st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[0] : ~0ull;
	check_eq("donated-guest-reads", ITEMS, PATTERN, v,
		 "the guest reads the root's data in the donated page (run status 0x%llx, exit %s)",
		 (unsigned long long)st, vmm_exit_name(r));

	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_NOT_OWNED,
						RT_STOP_RIP(rt_stop_load64) },
			  STOP_ID, ITEMS,
			  "the root reads (rt_stop_load64), then writes, page 0x%llx it donated: the "
			  "hypervisor must stop the root VM at the read", (unsigned long long)page);
	v = rt_stop_load64(p);
	rt_stop_store64(p, ~PATTERN);
	check_tok("root-touch-donated-not-stopped", ITEMS, "root-stopped", "not-stopped", false,
		  "the root read 0x%llx from its donated page 0x%llx and wrote it: it was not stopped",
		  (unsigned long long)v, (unsigned long long)page);
	report_end();
}
