/*
 * mvsim's local APIC device: one xAPIC per PP (SDM vol. 3 ch. 11, and QEMU's
 * where the probes look), its registers at the offsets of the xAPIC page,
 * interrupt acceptance and priority (IRR/ISR/TMR, TPR/PPR, EOI), the ICR's
 * fixed and lowest-priority IPIs with physical and logical (flat, cluster)
 * destinations and the shorthands, the error status, and the LVT timer
 * (one-shot, periodic) on the virtual clock (vclock.c): it counts down at
 * 1 GHz / divide (1 ns a bus tick, as QEMU's APIC timer), so runs repeat.
 * LINT0 in ExtINT mode is how the 8259's INTR reaches a PP (rootirq.c).
 * INIT, SIPI, NMI and SMI IPIs never reach the device: the hypervisor core
 * turns them into root VP states and queued NMIs (hv/core/apic.c) and never
 * writes them here; the device ignores them.  Every function runs under
 * rootirq.c's lock; `now` is the virtual clock in ns (sim/README.md "Local
 * APIC").
 */
#include "sim.h"

#define LVT_TIMER 0
#define LVT_THERMAL 1
#define LVT_PERF 2
#define LVT_LINT0 3
#define LVT_LINT1 4
#define LVT_ERROR 5
#define LVT_COUNT 6
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define MODE(v) (((v) >> 8) & 7u)
#define MODE_FIXED 0u
#define MODE_LOWEST 1u
#define MODE_EXTINT 7u
#define SVR_ENABLE (1u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG (1u << 7)
#define NONE ~0ull

struct xapic {
	bool valid;
	uint32_t tpr, ldr, dfr, svr, esr, esr_acc, icr_lo, icr_hi, divide, init_count;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	uint64_t start_ns; /* the initial count was written then */
	uint64_t next_ns;  /* the timer's next expiry, or NONE */
};

/* Writable bits of each LVT entry (timer: vector, mask, periodic; no
 * TSC-deadline mode: CPUID.1:ECX[24] is 0 in cpuid_models.c). */
static const uint32_t lvt_bits[LVT_COUNT] = { 0x300FF, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF };

static struct xapic apics[HV_MAX_PPS];

/* The state after reset as the root finds it on the hardware backends:
 * enabled with spurious vector 0xFF (the hypervisor's boot), and on the BSP
 * LINT0 = ExtINT and LINT1 = NMI (as SeaBIOS leaves them; QEMU's own reset
 * makes the BSP's LINT0 ExtINT too); everything else as SDM 11.4.7.1. */
static struct xapic *get(uint16_t pp)
{
	struct xapic *x = &apics[pp];

	if (!x->valid) {
		*x = (struct xapic){ .valid = true, .dfr = 0xFFFFFFFFu, .svr = 0x1FF, .next_ns = NONE };
		for (int i = 0; i < LVT_COUNT; i++)
			x->lvt[i] = LVT_MASKED;
		if (pp == 0) {
			x->lvt[LVT_LINT0] = 0x8700;
			x->lvt[LVT_LINT1] = 0x8400;
		}
	}
	return x;
}

static int highest(const uint32_t r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static uint32_t ppr(const struct xapic *x)
{
	int isrv = highest(x->isr);
	uint32_t cls = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	return (x->tpr & 0xF0) >= cls ? x->tpr & 0xFF : cls;
}

static void set_bit(uint32_t r[8], unsigned v, bool on)
{
	if (on)
		r[v / 32] |= 1u << (v % 32);
	else
		r[v / 32] &= ~(1u << (v % 32));
}

static void accept(uint16_t pp, unsigned vector, bool level);

/* An error (ESR bit): accumulated, and the error LVT's interrupt. */
static void error(uint16_t pp, uint32_t bit)
{
	struct xapic *x = get(pp);

	x->esr_acc |= bit;
	if (!(x->lvt[LVT_ERROR] & LVT_MASKED) && (x->lvt[LVT_ERROR] & 0xFF) >= 16)
		accept(pp, x->lvt[LVT_ERROR] & 0xFF, false);
}

/* A fixed interrupt arrives (SDM 11.8.3): into the IRR; vectors 0-15 are
 * illegal and set the receiver's error instead. */
static void accept(uint16_t pp, unsigned vector, bool level)
{
	struct xapic *x = get(pp);

	if (vector < 16) {
		error(pp, ESR_RECV_ILLEGAL);
		return;
	}
	set_bit(x->irr, vector, true);
	set_bit(x->tmr, vector, level);
	if (pp != arch_pp_id())
		arch_pp_kick(pp); /* its run ends: the next one sees the IRR */
}

/* ---- the timer ------------------------------------------------------------- */

static uint64_t divisor(const struct xapic *x)
{
	uint32_t d = (x->divide & 3u) | ((x->divide >> 1) & 4u);

	return 1ull << ((d + 1) & 7u);
}

static uint64_t period_ns(const struct xapic *x)
{
	return (uint64_t)x->init_count * divisor(x);
}

static uint32_t current_count(const struct xapic *x, uint64_t now)
{
	if (!x->init_count || now < x->start_ns)
		return x->init_count;
	uint64_t ticks = (now - x->start_ns) / divisor(x);
	if (x->lvt[LVT_TIMER] & LVT_PERIODIC)
		return x->init_count - (uint32_t)(ticks % x->init_count);
	return ticks >= x->init_count ? 0 : x->init_count - (uint32_t)ticks;
}

/* Restart the count from `count` ticks remaining, at `now`. */
static void timer_arm(struct xapic *x, uint32_t count, uint64_t now)
{
	x->start_ns = now - (uint64_t)(x->init_count - count) * divisor(x);
	x->next_ns = count ? x->start_ns + period_ns(x) : NONE;
}

void lapic_dev_catch_up(uint16_t pp, uint64_t now)
{
	struct xapic *x = get(pp);

	if (x->next_ns > now)
		return;
	/* Expiries the APIC has not delivered collapse into one IRR bit. */
	if (!(x->lvt[LVT_TIMER] & LVT_MASKED))
		accept(pp, x->lvt[LVT_TIMER] & 0xFF, false);
	if (x->lvt[LVT_TIMER] & LVT_PERIODIC) {
		uint64_t p = period_ns(x);
		x->next_ns = x->start_ns + ((now - x->start_ns) / p + 1) * p;
	} else {
		x->next_ns = NONE;
	}
}

uint64_t lapic_dev_next_event(uint16_t pp)
{
	struct xapic *x = get(pp);

	return (x->lvt[LVT_TIMER] & LVT_MASKED) ? NONE : x->next_ns;
}

/* ---- interrupt delivery to the PP's root VP -------------------------------- */

int lapic_dev_pending(uint16_t pp)
{
	struct xapic *x = get(pp);
	int v = highest(x->irr);

	if (!(x->svr & SVR_ENABLE) || v < 0 || ((uint32_t)v & 0xF0) <= (ppr(x) & 0xF0))
		return -1;
	return v;
}

int lapic_dev_ack(uint16_t pp)
{
	int v = lapic_dev_pending(pp);

	if (v >= 0) {
		struct xapic *x = get(pp);
		set_bit(x->irr, (unsigned)v, false);
		set_bit(x->isr, (unsigned)v, true);
	}
	return v;
}

bool lapic_dev_extint(uint16_t pp)
{
	uint32_t l = get(pp)->lvt[LVT_LINT0];

	return !(l & LVT_MASKED) && MODE(l) == MODE_EXTINT;
}

/* ---- IPIs (SDM 11.6) ---------------------------------------------------------- */

static bool logical_match(const struct xapic *x, uint8_t dest)
{
	uint8_t ldr = (uint8_t)(x->ldr >> 24);

	if (dest == 0xFF)
		return true;
	if ((x->dfr >> 28) == 0xF) /* flat */
		return (ldr & dest) != 0;
	/* cluster: the cluster in bits 7:4 (15: all), members in 3:0 */
	return ((dest >> 4) == 0xF || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xF);
}

static bool is_target(uint16_t from, uint16_t to, uint32_t lo, uint8_t dest)
{
	switch ((lo >> 18) & 3u) {
	case 1: return to == from;
	case 2: return true;
	case 3: return to != from;
	default:
		if (lo & ICR_LOGICAL)
			return logical_match(get(to), dest);
		return dest == 0xFF || dest == to; /* APIC ID = PP number */
	}
}

static void send(uint16_t from, uint32_t lo, uint8_t dest)
{
	uint32_t mode = MODE(lo);
	unsigned vector = lo & 0xFF;
	int lowest = -1;

	if (mode != MODE_FIXED && mode != MODE_LOWEST)
		return; /* never written by the core (file comment) */
	if (vector < 16) {
		error(from, ESR_SEND_ILLEGAL);
		return;
	}
	for (uint16_t to = 0; to < g_cfg.cpus; to++) {
		if (!is_target(from, to, lo, dest))
			continue;
		if (mode == MODE_FIXED)
			accept(to, vector, lo & ICR_LEVEL_TRIGGER);
		else if (lowest < 0 || (get(to)->tpr & 0xFF) < (get((uint16_t)lowest)->tpr & 0xFF))
			lowest = to; /* lowest TPR; a tie: the lowest APIC ID */
	}
	if (lowest >= 0)
		accept((uint16_t)lowest, vector, lo & ICR_LEVEL_TRIGGER);
}

/* ---- the register file ---------------------------------------------------------- */

uint32_t lapic_dev_read(uint16_t pp, uint32_t off, uint64_t now)
{
	struct xapic *x = get(pp);

	if (off >= 0x100 && off < 0x280) {
		const uint32_t *r = off < 0x180 ? x->isr : off < 0x200 ? x->tmr : x->irr;
		return r[(off & 0x70) >> 4];
	}
	if (off >= 0x320 && off <= 0x370)
		return x->lvt[(off - 0x320) >> 4];
	switch (off) {
	case 0x20: return (uint32_t)pp << 24;
	case 0x30: return 0x00050014u; /* version 0x14, 6 LVT entries (QEMU's) */
	case 0x80: return x->tpr;
	case 0x90: return 0; /* APR */
	case 0xA0: return ppr(x);
	case 0xB0: return 0; /* EOI: write-only */
	case 0xD0: return x->ldr;
	case 0xE0: return x->dfr;
	case 0xF0: return x->svr;
	case 0x280: return x->esr;
	case 0x300: return x->icr_lo; /* delivery status: always idle */
	case 0x310: return x->icr_hi;
	case 0x380: return x->init_count;
	case 0x390: return current_count(x, now);
	case 0x3E0: return x->divide;
	default:
		error(pp, ESR_ILLEGAL_REG);
		return 0;
	}
}

void lapic_dev_write(uint16_t pp, uint32_t off, uint32_t v, uint64_t now)
{
	struct xapic *x = get(pp);
	int isrv;

	if (off >= 0x320 && off <= 0x370) {
		unsigned i = (off - 0x320) >> 4;
		/* A software-disabled APIC keeps every LVT masked (SDM 11.4.7.2). */
		uint32_t nv = (v & lvt_bits[i]) | (x->svr & SVR_ENABLE ? 0 : LVT_MASKED);
		if (i == LVT_TIMER && ((nv ^ x->lvt[i]) & LVT_PERIODIC) && x->init_count) {
			uint32_t cc = current_count(x, now);
			x->lvt[i] = nv;
			timer_arm(x, cc, now);
		}
		x->lvt[i] = nv;
		return;
	}
	switch (off) {
	case 0x80: x->tpr = v & 0xFF; break;
	case 0xB0: /* EOI: the highest in-service vector is done */
		if ((isrv = highest(x->isr)) >= 0)
			set_bit(x->isr, (unsigned)isrv, false);
		break;
	case 0xD0: x->ldr = v & 0xFF000000u; break;
	case 0xE0: x->dfr = v | 0x0FFFFFFFu; break;
	case 0xF0:
		x->svr = v & 0x1FF;
		if (!(x->svr & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				x->lvt[i] |= LVT_MASKED;
		break;
	case 0x280: x->esr = x->esr_acc; x->esr_acc = 0; break;
	case 0x300:
		x->icr_lo = v & 0x000CCFFFu;
		send(pp, x->icr_lo, (uint8_t)(x->icr_hi >> 24));
		break;
	case 0x310: x->icr_hi = v & 0xFF000000u; break;
	case 0x380: /* a new count starts now; 0 stops the timer */
		x->init_count = v;
		timer_arm(x, v, now);
		break;
	case 0x3E0: {
		uint32_t cc = current_count(x, now);
		x->divide = v & 0xB;
		if (x->init_count)
			timer_arm(x, cc, now);
		break;
	}
	default: break; /* read-only (ID, version, PPR, ISR/TMR/IRR, count) */
	}
}
