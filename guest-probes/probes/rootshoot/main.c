/*
 * rootshoot: the TLB shootdown reaches the root VM's own PPs (docs/security.md,
 * E-47, E-50).  The root starts its APs (smproot's trampoline); the first AP
 * reads a page of the root's RAM in a loop and counts the reads.  Once it
 * reads, the BSP donates that page to a guest VM (mv_vm_op_map_mdl with
 * MV_GPA_FLAG_DONATE), which takes it out of the root's second-level map.
 * The hypercall kicks the AP's root VP (an NMI the hypervisor takes) and
 * waits for it to leave its run; its next entry flushes the root's
 * translations.  So the AP's next read of the page is an access to memory
 * the root no longer owns, and the hypervisor stops the root (MVP
 * EXPECT-STOP; the stop line names the AP's pp).
 *
 * Without the kick the AP keeps the page's translation in its TLB (tagged by
 * the root's ASID/VPID) until its next exit, and a root that does not exit
 * keeps reading and writing memory it gave away: the BSP then sees the AP's
 * count move past the read the kick may have interrupted after the hypercall
 * returned, and reports it.
 */
#include "../smproot/ap_start.h"
#include "vmm.h"

PROBE_TITLE("TLB shootdown of the root: an AP loses a root page the BSP donates");

#define READS_FIRST 1000u
#define MAGIC 0x524F4F5453484F4Full /* "ROOTSHOO" */

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint64_t *volatile ap_page;
static volatile uint64_t ap_reads, ap_seen;

/* The first AP (smproot's trampoline calls it on ap_stack): reads the page
 * for ever.  Only the stop of the root ends it. */
static void ap_main(uint32_t slot)
{
	(void)slot;
	for (;;) {
		ap_seen = rt_stop_load64(ap_page);
		__atomic_add_fetch(&ap_reads, 1, __ATOMIC_RELEASE);
	}
}

void probe_main(void)
{
	const char *items = "mv_vm_op_map_mdl";
	uint64_t vmid = 0;

	vmm_init(false);
	uint64_t page = vmm_alloc(1);
	ap_page = vmm_gpa_ptr(page);
	*ap_page = MAGIC;
	if (vmm_vm_create(&vmid) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the guest VM to donate to");

	uint32_t n = start_aps(ap_main, ap_stack + sizeof(ap_stack));
	if (n == 0)
		probe_error("no AP reached long mode (INIT-SIPI-SIPI: see the smproot probe)");
	uint64_t t0 = tsc();
	while (__atomic_load_n(&ap_reads, __ATOMIC_ACQUIRE) < READS_FIRST && tsc() - t0 < WAIT_TICKS)
		__asm__ volatile("pause");
	check_eq("ap-reads-page", "none", MAGIC, ap_reads >= READS_FIRST ? ap_seen : 0,
		 "the root's AP reads the root page 0x%llx in a loop (%llu reads)",
		 (unsigned long long)page, (unsigned long long)ap_reads);

	probe_expect_stop(&(struct probe_stop){ 1, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_NOT_OWNED,
						RT_STOP_RIP(rt_stop_load64) },
			  "ap-donated-read-stops", items,
			  "the BSP donates page 0x%llx to VM %llu while the AP reads it: the AP's "
			  "next read stops the root", (unsigned long long)page,
			  (unsigned long long)vmid);
	uint64_t st = vmm_map_range(vmid, page, GUEST_SCRATCH_GPA, 4096,
				    EXP_GPA_RW | EXP_GPA_FLAG_DONATE);
	/* The AP may finish the read the kick interrupted (its count moves by
	 * one); its next read must stop the root.  A slow AP (a loaded host)
	 * gets WAIT_TICKS to get there. */
	uint64_t r0 = __atomic_load_n(&ap_reads, __ATOMIC_ACQUIRE), r1 = r0;
	for (uint64_t t1 = tsc(); r1 - r0 <= 1 && tsc() - t1 < WAIT_TICKS;)
		r1 = __atomic_load_n(&ap_reads, __ATOMIC_ACQUIRE);
	vmm_check_st("donate", items, EXP_STATUS_SUCCESS, st,
		     "the BSP donates the page the AP reads");
	check_eq("no-read-after-donate", items, 0, r1 - r0 > 1 ? r1 - r0 - 1 : 0,
		 "after the donation returned the AP read the donated page again (%llu reads "
		 "counted: a stale translation) and the root was not stopped",
		 (unsigned long long)(r1 - r0));
}
