/*
 * mvsim's virtual time, the clock of the root VM's platform timer (pit.c):
 * SIM_NS_PER_INSN nanoseconds per instruction the engines executed (root
 * and guest VPS alike: the PIT keeps counting while a guest runs), plus the
 * time a halted root VP skips to its next timer interrupt (rootirq.c).  It
 * never reads the host's clock, so a run repeats exactly whatever the host's
 * load (sim/README.md "Root interrupts").
 */
#include "sim.h"

static atomic_uint_fast64_t insns;   /* instructions executed */
static atomic_uint_fast64_t skipped; /* ns skipped by halted root VPs */

void vclock_add_insns(uint64_t n)
{
	if (n)
		atomic_fetch_add_explicit(&insns, n, memory_order_relaxed);
}

uint64_t vclock_ns(void)
{
	return atomic_load(&insns) * SIM_NS_PER_INSN + atomic_load(&skipped);
}

void vclock_skip_to(uint64_t ns)
{
	uint64_t now = vclock_ns();
	if (ns > now)
		atomic_fetch_add(&skipped, ns - now);
}
