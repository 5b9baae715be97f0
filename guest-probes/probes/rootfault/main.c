/*
 * rootfault: the root VM reading a page it donated to a guest.  That is a
 * root access to memory it does not own, which stops the whole machine
 * (docs/memory.md "What the root may not touch", docs/exit-reasons.md): the
 * expected outcome is the hypervisor's line
 *     [hv] root VM stopped on pp 0: access to memory the root VM does not own ...
 * and NO `MVP END` (mvsim exits 125).  The conformance harness counts a run
 * without END as a crash, so this probe is not listed in
 * conformance/probes.toml; run it by hand:
 *     build/sim/mvsim --vendor intel build/guest-probes/rootfault.elf
 * If the read succeeds instead, the probe reports a failed check and ENDs.
 */
#include "vmm.h"

PROBE_TITLE("root VM touching a page it donated: the machine must stop (no END expected)");

void probe_main(void)
{
	uint64_t vm, page, st;

	vmm_init(false);
	if (vm_create(&vm) != EXP_STATUS_SUCCESS)
		probe_error("create_vm failed");
	page = vmm_alloc(1);
	*(volatile uint64_t *)gpa_ptr(page) = 0x1234;
	st = map_range(vm, page, 0x100000, 0x1000, EXP_GPA_RW | EXP_GPA_FLAG_DONATE);
	check_st("donate", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st, "donate a root page to a guest VM");
	rt_log("reading the donated page at 0x%llx: expect '%s0: access to memory the root VM does "
	       "not own' and no END", (unsigned long long)page, EXP_CONSOLE_ROOT_STOPPED);
	st = *(volatile uint64_t *)gpa_ptr(page);
	check_tok("root-read-donated", "mv_vm_op_map_mdl", "machine-stopped", "read-succeeded", false,
		  "the root read its donated page (got 0x%llx) instead of being stopped",
		  (unsigned long long)st);
}
