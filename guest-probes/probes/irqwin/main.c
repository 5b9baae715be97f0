/*
 * irqwin: the guest-level outcome of the per-VPS event queue and of the
 * interrupt window (docs/security.md "Event delivery", E-47).  The root
 * queues external interrupts with mv_vps_op_queue_irq before running the
 * guest agent's G_IRQ_WINDOW command, which spins with IF = 0 first, then
 * executes STI and logs every vector it takes, in order:
 *   - two different vectors queued before a run: both arrive, the higher
 *     first (the local APIC's priority order), none while IF = 0;
 *   - the same vector queued twice is one interrupt (a pending IRR bit);
 *   - one vector and a long IF = 0 spin (preempted on the way where the
 *     backend slices it): nothing before STI, exactly that vector after.
 * Before the fix SVM injected through EVENTINJ whatever the guest's IF said.
 */
#include "vmm.h"

PROBE_TITLE("Queued interrupts: none lost, priority order, nothing while IF = 0");

#define WAIT_LOOPS 2000000ull
#define IF0_LOOPS 300000ull

static struct guest g;

static uint64_t queue(uint64_t vector)
{
	return hc_call(EXP_HC_VPS(EXP_IDX_QUEUE_IRQ), HC_REGS(vmm_handle, g.vpsid, vector));
}

/* Queues `n` vectors, runs G_IRQ_WINDOW waiting for `want`; false (and an
 * ERROR) when the run does not end at the agent's HLT. */
static bool run_window(const char *what, const uint64_t *vec, unsigned n, uint64_t if0_loops,
		       uint64_t want)
{
	uint64_t r = 0, a = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t st = queue(vec[i]);
		if (st != EXP_STATUS_SUCCESS) {
			probe_error("%s: queue_irq 0x%llx returned 0x%llx", what,
				    (unsigned long long)vec[i], (unsigned long long)st);
			return false;
		}
	}
	uint64_t st = vmm_guest_run(&g, G_IRQ_WINDOW, (uint64_t[]){ if0_loops, WAIT_LOOPS, want }, 3,
				    &r, &a);
	if (st != EXP_STATUS_SUCCESS || r != EXP_EXIT_HLT) {
		probe_error("%s: the guest did not finish G_IRQ_WINDOW (status 0x%llx, %s)", what,
			    (unsigned long long)st, vmm_exit_name(r));
		return false;
	}
	return true;
}

void probe_main(void)
{
	const char *items = "mv_vps_op_queue_irq";

	vmm_init(true);
	vmm_guest_new(&g, "irqwin guest");

	if (run_window("two vectors", (uint64_t[]){ 0x41, 0x62 }, 2, 0, 2)) {
		check_eq("two-count", items, 2, g.mb->res[1],
			 "queue_irq 0x41 then 0x62 before one run: the guest takes both");
		check_eq("two-order", items, 0x6241, (g.mb->res[2] << 8) | g.mb->res[3],
			 "in priority order: 0x62 first, then 0x41 (got 0x%llx, 0x%llx)",
			 (unsigned long long)g.mb->res[2], (unsigned long long)g.mb->res[3]);
		check_eq("two-none-if0", items, 0, g.mb->res[0],
			 "none is delivered before the guest's STI (it is entered with IF = 0)");
	}

	if (run_window("same vector", (uint64_t[]){ 0x45, 0x45 }, 2, 0, 2)) {
		check_eq("same-vector-once", items, 1, g.mb->res[1],
			 "queue_irq 0x45 twice before a run is one pending interrupt (an IRR bit)");
		check_eq("same-vector-vector", items, 0x45, g.mb->res[2],
			 "and its vector is 0x45");
	}

	if (run_window("IF = 0", (uint64_t[]){ 0x50 }, 1, IF0_LOOPS, 1)) {
		check_eq("if0-none", items, 0, g.mb->res[0],
			 "a guest spinning with IF = 0 (%llu loops) takes no queued interrupt",
			 (unsigned long long)IF0_LOOPS);
		check_eq("if0-after-sti", items, 0x150, (g.mb->res[1] << 8) | g.mb->res[2],
			 "after its STI exactly one, vector 0x50 (count %llu)",
			 (unsigned long long)g.mb->res[1]);
	}

	if (run_window("IF = 0, two", (uint64_t[]){ 0x30, 0x70 }, 2, IF0_LOOPS, 2)) {
		check_eq("if0-two-none", items, 0, g.mb->res[0],
			 "two queued vectors wait while the guest has IF = 0");
		check_eq("if0-two-order", items, 0x27030,
			 (g.mb->res[1] << 16) | (g.mb->res[2] << 8) | g.mb->res[3],
			 "after STI both arrive, 0x70 before 0x30 (count %llu)",
			 (unsigned long long)g.mb->res[1]);
	}

	vmm_guest_free(&g);
}
