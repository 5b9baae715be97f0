/*
 * The root VM's interrupt source in mvsim: PIT channel 0 (pit.c) raises
 * IRQ0 of the 8259 pair (pic.c), whose INTR goes to the BSP's root VP (PP 0;
 * its LINT0 in ExtINT mode, as a PC wires it: mvsim has no I/O APIC), on the
 * virtual clock (vclock.c).  The emulator backend asks here whether INTR is
 * up, acknowledges it, caps a run at the next timer edge, and lets a root
 * VP's HLT with IF=1 skip the clock to the edge that wakes it
 * (sim/README.md "Root interrupts", docs/root-vm.md "HLT").  One lock for
 * all three devices; until the root first writes one of their ports, every
 * question is answered without it.
 */
#include "sim.h"

#define NS_PER_S 1000000000ull

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool in_use;  /* the root has programmed the PIT or the PIC */
static uint64_t last_tick;  /* IRQ0 edges are raised up to this tick */

static uint64_t tick_of(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / NS_PER_S);
}

/* The first ns at which the clock reads `tick`. */
static uint64_t ns_of(uint64_t tick)
{
	return (uint64_t)(((unsigned __int128)tick * NS_PER_S + PIT_HZ - 1) / PIT_HZ);
}

/* Raise IRQ0 for a rising edge of channel 0 since last_tick (edges the PIC
 * has not taken yet collapse into one, as on an edge-triggered line). */
static uint64_t catch_up(void)
{
	uint64_t t = tick_of(vclock_ns());
	if (pit_irq0_edge_after(last_tick) <= t)
		pic_edge(0);
	last_tick = t;
	return t;
}

bool rootirq_port(uint16_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xA0 || port == 0xA1 || port == 0x61 ||
	       (port >= 0x40 && port <= 0x43);
}

uint8_t rootirq_io_in(uint16_t port)
{
	pthread_mutex_lock(&lock);
	uint64_t t = catch_up();
	uint8_t v = (port & 0xF0) == 0x40 || port == 0x61 ? pit_in(port, t) : pic_in(port);
	pthread_mutex_unlock(&lock);
	return v;
}

bool rootirq_io_out(uint16_t port, uint8_t v)
{
	bool changed = true;
	pthread_mutex_lock(&lock);
	uint64_t t = catch_up();
	if ((port & 0xF0) == 0x40 || port == 0x61)
		changed = pit_out(port, v, t);
	else
		pic_out(port, v);
	atomic_store(&in_use, true);
	pthread_mutex_unlock(&lock);
	return changed;
}

/* The devices concern PP `pp`'s root VP (the BSP's, once the root has
 * programmed them): then the lock is taken and IRQ0 brought up to now. */
static bool lock_for(uint16_t pp)
{
	if (pp != 0 || !atomic_load_explicit(&in_use, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&lock);
	catch_up();
	return true;
}

bool rootirq_pending(uint16_t pp)
{
	if (!lock_for(pp))
		return false;
	bool up = pic_pending() >= 0;
	pthread_mutex_unlock(&lock);
	return up;
}

int rootirq_ack(uint16_t pp)
{
	if (!lock_for(pp))
		return -1;
	int v = pic_pending() >= 0 ? pic_ack() : -1;
	pthread_mutex_unlock(&lock);
	return v;
}

uint64_t rootirq_insns_to_edge(uint16_t pp)
{
	if (!lock_for(pp))
		return UINT64_MAX;
	uint64_t n = UINT64_MAX, edge = pic_masked(0) ? ~0ull : pit_irq0_edge_after(last_tick);
	if (edge != ~0ull) {
		uint64_t ns = ns_of(edge) - vclock_ns(); /* > 0: edge > last_tick */
		n = (ns + SIM_NS_PER_INSN - 1) / SIM_NS_PER_INSN;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

bool rootirq_halt(uint16_t pp)
{
	if (!lock_for(pp))
		return false;
	bool up = pic_pending() >= 0;
	if (!up && !pic_masked(0)) {
		uint64_t edge = pit_irq0_edge_after(last_tick);
		if (edge != ~0ull) {
			/* Nothing runs on the PP until then: time skips to it.  An
			 * edge that does not raise INTR (IRQ0 blocked in service)
			 * is the last chance: later ones would only repeat it. */
			vclock_skip_to(ns_of(edge));
			catch_up();
			up = pic_pending() >= 0;
		}
	}
	pthread_mutex_unlock(&lock);
	return up;
}
