/*
 * initguest: an INIT to an AP while that AP's PP runs a guest VPS
 * (docs/root-vm.md "CPU start-up"; hv/core/apic.c apic_pp_take_init).  The
 * INIT is the root VP's: at the guest's next exit (the INIT's kick, or one
 * of the guest's own) the guest's run ends as at an interrupt exit, the PP
 * goes back to its root VP, and only then does the root VP park, so the
 * guest's VP is left stopped, as after any run that ended.  An INIT taken
 * with the guest's VPS still current would park the PP with the VP
 * "running" for good; one that waited for the kick alone could wait for
 * ever (a kick that reached the PP in the hypervisor, between two of the
 * guest's exits, is not sent again: seen on qemu-tcg-amd).
 *
 * The root starts its APs (smproot's trampoline); the first AP runs a guest
 * that loops on CPUID (snippet.S: an exit the hypervisor resumes from, so
 * the guest makes exits all the time, as a real guest does) and counts its
 * loops.  The BSP sends INIT to all but itself, then checks: the guest's
 * loop stops (the PP is parked); run_vp of the guest's VP on the BSP
 * succeeds, and the guest, told to stop, ends with its HLT (so the VP was
 * left stopped and intact); a SIPI starts the AP again, which runs the
 * guest's loop once more, for ROUNDS rounds; a last SIPI starts the AP
 * into the trampoline only.
 *
 * Needs more than one PP and a local APIC (QEMU -smp 2, mvsim --cpus 2).
 */
#include <stddef.h>

#include "../smproot/ap_guest.h"

PROBE_TITLE("INIT to an AP running a guest: taken when the PP's root VP runs again, the guest's VP left stopped");

#define READS_FIRST 1000u
/* Rounds of INIT while the guest runs: an INIT taken at one of the guest's
 * own exits depends on where the kick lands (each round is one more try). */
#define ROUNDS 4u
#define ITEMS "mv_vp_run_vp"

extern const char ig_snippet[], ig_snippet_end[];
_Static_assert(offsetof(struct guest_mbox, arg[1]) == 32, "snippet.S MB_ARG1");
_Static_assert(offsetof(struct guest_mbox, res[0]) == 104, "snippet.S MB_RES0");

static struct guest g;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint64_t ap_done, ap_status, ap_reason;

/* The first AP: runs the guest's CPUID loop, entering it again after each
 * time slice (until the INIT parks this AP: then it never returns). */
static void ap_main(uint32_t slot)
{
	uint64_t r = 0, a = 0, st;

	(void)slot;
	st = vmm_guest_run_once(&g, G_EXEC, (uint64_t[]){ GUEST_SCRATCH_GPA }, 1, &r, &a);
	for (unsigned n = 0; st == EXP_STATUS_SUCCESS && r == EXP_EXIT_EXTERNAL_INTERRUPT &&
			     n < GUEST_MAX_PREEMPTIONS;
	     n++)
		st = vmm_run_vp(g.vpid, &r, &a);
	ap_status = st;
	ap_reason = r;
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
}

/* The guest's loop count once it has not moved for SETTLE_TICKS (bounded:
 * 20 tries). */
static uint64_t loops_settled(void)
{
	uint64_t before = g.mb->res[0];

	for (unsigned i = 0; i < 20; i++) {
		delay(SETTLE_TICKS);
		uint64_t now = g.mb->res[0];
		if (now == before)
			return now;
		before = now;
	}
	return ~0ull;
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "initguest guest");
	uint64_t p = vmm_alloc(1);
	volatile uint8_t *page = vmm_gpa_ptr(p);
	uint64_t size = (uint64_t)(ig_snippet_end - ig_snippet);
	for (unsigned i = 0; i < 0x1000; i++)
		page[i] = i < size ? (uint8_t)ig_snippet[i] : 0;
	uint64_t st = vmm_map_range(g.vmid, p, GUEST_SCRATCH_GPA, 0x1000,
				    EXP_GPA_RW | EXP_GPA_FLAG_EXECUTE_ACCESS);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("sharing the CPUID loop's page with the guest fails (0x%llx)",
			    (unsigned long long)st);
	if (vmm_guest_run(&g, G_NOP, 0, 0, 0, 0) != EXP_STATUS_SUCCESS)
		probe_error("the guest agent does not run to its first HLT");

	uint64_t loops = 0, st_run = EXP_STATUS_SUCCESS, r = EXP_EXIT_HLT, a = 0;
	uint32_t in_long = 0;
	unsigned round = 0;

	for (; round < ROUNDS; round++) {
		g.mb->res[0] = 0;
		g.mb->arg[1] = 0;
		ap_done = 0;
		if (round == 0) {
			ap_guest_start(&g, ap_main, ap_stack + sizeof(ap_stack), READS_FIRST, &ap_done,
				       &ap_status, &ap_reason);
			in_long = rd32(tr_in_long);
		} else {
			/* The parked AP: a SIPI starts it again, and it runs the
			 * guest's loop once more (tr_call is still ap_main; the
			 * slots count from 0 again, so the first AP is slot 0). */
			*(volatile uint32_t *)tramp(tr_entered) = 0;
			ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
			if (ap_guest_reads_past(&g, READS_FIRST - 1, &ap_done) < READS_FIRST)
				probe_error("round %u: after a SIPI the guest does not run on the AP "
					    "(%llu loops, run done %llu, status 0x%llx)", round,
					    (unsigned long long)g.mb->res[0],
					    (unsigned long long)ap_done, (unsigned long long)ap_status);
		}
		ipi(ICR_INIT_ALL_BUT_SELF);
		loops = loops_settled();
		if (loops == ~0ull || ap_done)
			break;
		/* The VP is stopped: the BSP runs it, and the guest, told to
		 * stop, returns from its loop and ends with its HLT. */
		g.mb->arg[1] = 1;
		st_run = vmm_run_vp(g.vpid, &r, &a);
		for (unsigned n = 0; st_run == EXP_STATUS_SUCCESS &&
				     r == EXP_EXIT_EXTERNAL_INTERRUPT && n < GUEST_MAX_PREEMPTIONS;
		     n++)
			st_run = vmm_run_vp(g.vpid, &r, &a);
		if (st_run != EXP_STATUS_SUCCESS || r != EXP_EXIT_HLT)
			break;
	}
	/* Nothing is printed while the AP runs (one UART, two CPUs): check now. */
	check_tok("init-stops-guest", ITEMS, "stopped",
		  loops == ~0ull ? "running" : ap_done ? "run-returned" : "stopped",
		  loops != ~0ull && !ap_done,
		  "INIT to the AP while its PP runs the guest's CPUID loop (round %u of %u): the "
		  "loop stops (%llu loops) and the AP's run_vp never returns (its root VP waits "
		  "for a SIPI; run ended %llu, status 0x%llx)",
		  round < ROUNDS ? round + 1 : ROUNDS, ROUNDS, (unsigned long long)g.mb->res[0],
		  (unsigned long long)ap_done, (unsigned long long)ap_status);
	check_eq("init-leaves-vp-stopped", ITEMS ",mv_vp_exit_t_hlt", EXP_EXIT_HLT,
		 st_run == EXP_STATUS_SUCCESS ? r : st_run,
		 "after each INIT the guest's VP is not running: run_vp on the BSP succeeds and "
		 "the guest ends with its HLT (round %u of %u, status 0x%llx; PERM_DENIED would "
		 "say the INIT parked the PP with the guest's VPS current)",
		 round < ROUNDS ? round + 1 : ROUNDS, ROUNDS, (unsigned long long)st_run);

	/* The AP waits for a SIPI: one starts it again in the trampoline (the
	 * call is cleared, so it only spins there). */
	*(volatile uint64_t *)tramp(tr_call) = 0;
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	uint32_t want = in_long * (ROUNDS + 1);
	for (uint64_t t0 = tsc(); rd32(tr_in_long) < want && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	check_eq("init-then-sipi-restarts", "none", want, rd32(tr_in_long),
		 "after each of the %u INITs, one SIPI starts each of the %u AP(s) again in the "
		 "trampoline (each reaches long mode once more)", ROUNDS, in_long);
	vmm_check_st("guest-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS,
		     vmm_guest_free(&g), "the guest is destroyed");
}
