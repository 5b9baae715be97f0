/*
 * tlbshoot: the TLB shootdown of unmap (docs/security.md, E-47).  The root
 * starts its APs (smproot's trampoline); the first AP runs the guest agent's
 * G_READ_SPIN, which reads a page the root shares with the guest at
 * GUEST_SCRATCH_GPA in a loop and counts the reads.  Once the guest reads on
 * the AP, the BSP unmaps that page (mv_vm_op_unmap_mdl).  When unmap has
 * returned, no PP may still use a translation of the page: the hypervisor
 * kicked the AP out of the guest and waited.  So
 *   - after the return, the guest completes at most the one read that was
 *     in flight at the kick (checked over about SETTLE_TICKS);
 *   - the guest's next read is a second-level fault at that GPA: the AP's
 *     run ends with mv_vp_exit_t_fault, REG1 = MV_VP_FAULT_SLPT << 56 | GPA.
 * Without the shootdown a guest on another PP keeps reading through its
 * stale TLB entry until that PP's next entry (up to a 50 ms slice).
 */
#include "../smproot/ap_guest.h"

PROBE_TITLE("TLB shootdown: a guest on an AP loses a page the root unmaps on the BSP");

#define READS_FIRST 1000u

static struct guest g;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint64_t ap_done, ap_status, ap_reason, ap_arg;

/* The first AP (smproot's trampoline calls it on ap_stack). */
static void ap_main(uint32_t slot)
{
	uint64_t r = 0, a = 0;

	(void)slot;
	ap_status = vmm_guest_run(&g, G_READ_SPIN, (uint64_t[]){ GUEST_SCRATCH_GPA, 0 }, 2, &r, &a);
	ap_reason = r;
	ap_arg = a;
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
}

void probe_main(void)
{
	const char *items = "mv_vm_op_unmap_mdl";

	vmm_init(true);
	vmm_guest_new(&g, "tlbshoot guest");
	uint64_t page = vmm_alloc(1);
	*(volatile uint64_t *)vmm_gpa_ptr(page) = 0x53484F4F54ull; /* "SHOOT" */
	if (vmm_map_range(g.vmid, page, GUEST_SCRATCH_GPA, 4096, EXP_GPA_RW) != EXP_STATUS_SUCCESS)
		probe_error("cannot share the scratch page with the guest");

	ap_guest_start(&g, ap_main, ap_stack + sizeof(ap_stack), READS_FIRST, &ap_done, &ap_status,
		       &ap_reason);
	check_eq("guest-reads-page", "none", 0x53484F4F54ull, g.mb->res[1],
		 "the guest on the AP reads the shared page (%llu reads)",
		 (unsigned long long)g.mb->res[0]);

	uint64_t st = vmm_unmap_range(g.vmid, page, GUEST_SCRATCH_GPA, 4096);
	uint64_t r0 = g.mb->res[0];
	delay(SETTLE_TICKS);
	uint64_t r1 = g.mb->res[0];
	/* Nothing is printed until the AP's run has ended: the hypervisor logs the
	 * guest's fault on the AP, and two CPUs writing the one UART at once mix
	 * their bytes into one malformed line. */
	ap_guest_wait_done(&ap_done);
	vmm_check_st("unmap", items, EXP_STATUS_SUCCESS, st,
		     "the BSP unmaps the page while the guest reads it on the AP");
	check_eq("no-read-after-unmap", items, 0, r1 - r0 > 1 ? r1 - r0 - 1 : 0,
		 "after unmap returned the guest completed at most the read in flight "
		 "(%llu more reads)", (unsigned long long)(r1 - r0));
	check_eq("fault-exit", items, EXP_EXIT_FAULT, ap_done ? ap_reason : ~0ull,
		 "the guest's next read ends the AP's run with mv_vp_exit_t_fault (%s, status "
		 "0x%llx)", ap_done ? vmm_exit_name(ap_reason) : "still running",
		 (unsigned long long)ap_status);
	check_eq("fault-gpa", items, (EXP_VP_FAULT_SLPT << 56) | GUEST_SCRATCH_GPA, ap_arg,
		 "a second-level fault at the unmapped GPA");
}
