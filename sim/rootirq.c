/*
 * The root VM's interrupt lines in mvsim: each PP's local APIC (lapic_dev.c:
 * its timer, IPIs) and, on the BSP (PP 0), PIT channel 0 (pit.c) raising
 * IRQ0 of the 8259 pair (pic.c), whose INTR enters through LINT0 in ExtINT
 * mode as a PC wires it (mvsim has no I/O APIC), all on the virtual clock
 * (vclock.c).  The emulator backend asks here whether a PP's root VP has an
 * interrupt, acknowledges it (the APIC's first, then the 8259's by INTA, as
 * QEMU does), caps a run at the next timer event, and lets a root VP's HLT
 * with IF=1 skip the clock to the event that wakes it (sim/README.md "Root
 * interrupts", docs/root-vm.md "HLT").  One lock for all the devices; until
 * the root first writes one of their ports or APIC registers, every
 * question is answered without it.
 */
#include "sim.h"

#define NS_PER_S 1000000000ull

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool in_use;  /* the root has programmed the PIT, the PIC or an APIC */
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

/* The 8259's INTR reaches PP `pp` (the BSP, LINT0 in ExtINT mode). */
static bool pic_line(uint16_t pp)
{
	return pp == 0 && lapic_dev_extint(0);
}

/* The lock for PP `pp`'s questions, once the root has programmed a device:
 * IRQ0 and the PP's APIC timer brought up to now. */
static bool lock_for(uint16_t pp)
{
	if (!atomic_load_explicit(&in_use, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&lock);
	uint64_t now = vclock_ns();
	catch_up();
	lapic_dev_catch_up(pp, now);
	return true;
}

static bool pending(uint16_t pp)
{
	return lapic_dev_pending(pp) >= 0 || (pic_line(pp) && pic_pending() >= 0);
}

bool rootirq_pending(uint16_t pp)
{
	if (!lock_for(pp))
		return false;
	bool up = pending(pp);
	pthread_mutex_unlock(&lock);
	return up;
}

int rootirq_ack(uint16_t pp)
{
	if (!lock_for(pp))
		return -1;
	int v = lapic_dev_ack(pp);
	if (v < 0 && pic_line(pp) && pic_pending() >= 0)
		v = pic_ack();
	pthread_mutex_unlock(&lock);
	return v;
}

/* The first ns after now at which a timer of PP `pp` may raise its line:
 * its APIC timer, or (the BSP) the next IRQ0 edge; NONE when neither is
 * armed. */
#define NONE ~0ull
static uint64_t next_event_ns(uint16_t pp)
{
	uint64_t ns = lapic_dev_next_event(pp);
	uint64_t edge = pic_line(pp) && !pic_masked(0) ? pit_irq0_edge_after(last_tick) : NONE;

	if (edge != NONE && ns_of(edge) < ns)
		ns = ns_of(edge);
	return ns;
}

uint64_t rootirq_insns_to_edge(uint16_t pp)
{
	if (!lock_for(pp))
		return UINT64_MAX;
	uint64_t n = UINT64_MAX, ns = next_event_ns(pp), now = vclock_ns();
	if (ns != NONE) {
		ns = ns > now ? ns - now : 1;
		n = (ns + SIM_NS_PER_INSN - 1) / SIM_NS_PER_INSN;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

/* Events that do not raise the line (IRQ0 or the timer's vector blocked in
 * service) may be followed by one that does: a few are tried before the
 * HLT counts as one nothing wakes (periodic ones would only repeat). */
#define HALT_EVENTS 4

bool rootirq_halt(uint16_t pp)
{
	if (!lock_for(pp))
		return false;
	bool up = pending(pp);
	for (int i = 0; i < HALT_EVENTS && !up; i++) {
		uint64_t ns = next_event_ns(pp);
		if (ns == NONE)
			break;
		/* Nothing runs on the PP until then: time skips to it. */
		vclock_skip_to(ns);
		catch_up();
		lapic_dev_catch_up(pp, vclock_ns());
		up = pending(pp);
	}
	pthread_mutex_unlock(&lock);
	return up;
}

uint32_t rootirq_lapic_read(uint16_t pp, uint32_t off)
{
	pthread_mutex_lock(&lock);
	uint64_t now = vclock_ns();
	lapic_dev_catch_up(pp, now);
	uint32_t v = lapic_dev_read(pp, off, now);
	pthread_mutex_unlock(&lock);
	return v;
}

void rootirq_lapic_write(uint16_t pp, uint32_t off, uint32_t v)
{
	pthread_mutex_lock(&lock);
	uint64_t now = vclock_ns();
	catch_up();
	lapic_dev_catch_up(pp, now);
	lapic_dev_write(pp, off, v, now);
	atomic_store(&in_use, true);
	pthread_mutex_unlock(&lock);
}
