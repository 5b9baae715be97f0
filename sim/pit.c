/*
 * The root VM's 8254 programmable interval timer (ports 0x40-0x43) and
 * port 0x61 (channel 2's gate and OUT, the refresh toggle), as a PC has
 * them, counting PIT_HZ ticks of mvsim's virtual time (vclock.c).  Each
 * channel is evaluated at the tick its caller passes, from the tick its
 * count was loaded at: no per-tick work.  rootirq.c holds the lock and turns
 * channel 0's rising OUT edges into IRQ0.
 *
 * Modelled: the six modes (6 and 7 are 2 and 3), LSB/MSB/LSB-then-MSB
 * access, the counter latch and read-back commands (count and status),
 * a mode 0 count write that stops the count at its first byte, channel 2's
 * gate (modes 0/4 pause, 2/3 restart, 1/5 trigger on its rising edge).
 * Not modelled: BCD counting (counts in binary), a new count taking effect
 * only at the end of the current period in modes 2/3 (it restarts at once).
 */
#include "sim.h"

struct pit_chan {
	uint8_t mode;         /* 0..5 */
	uint8_t rw;           /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;             /* stored and reported only */
	bool loaded;          /* a count was written since the control word */
	bool triggered;       /* modes 1/5: the gate rose since the load */
	bool null_count;      /* status bit 6 */
	uint32_t n;           /* the count, 1..65536 */
	uint64_t start;       /* tick the count (re)started at */
	bool gate;
	uint64_t gate_low_at; /* modes 0/4: tick the gate fell (counting paused) */
	bool wr_msb_next;     /* rw 3: the next write is the MSB */
	uint8_t wr_lsb;
	bool latched, rd_msb_next, status_latched;
	uint16_t latch;
	uint8_t status;
};

static struct pit_chan ch[3] = { { .gate = true }, { .gate = true }, { .gate = false } };
static uint8_t port61; /* bits 0 (gate 2) and 1 (speaker data) as written */

/* Ticks counted since the (re)start; ~0: not counting. */
static uint64_t elapsed(const struct pit_chan *c, uint64_t t)
{
	if (!c->loaded || ((c->mode == 1 || c->mode == 5) && !c->triggered))
		return ~0ull;
	if (!c->gate && (c->mode == 0 || c->mode == 4))
		return c->gate_low_at - c->start;
	if (!c->gate && (c->mode == 2 || c->mode == 3))
		return ~0ull;
	return t >= c->start ? t - c->start : 0;
}

static uint16_t count_at(const struct pit_chan *c, uint64_t t)
{
	uint64_t e = elapsed(c, t);
	if (e == ~0ull)
		return (uint16_t)c->n;
	switch (c->mode) {
	case 2:
		return (uint16_t)(c->n - e % c->n);
	case 3: {
		uint64_t p = e % c->n, half = (c->n + 1) / 2;
		return (uint16_t)((c->n - 2 * (p < half ? p : p - half)) & ~1u);
	}
	default: /* 0, 1, 4, 5: down to 0, then on from 0xFFFF */
		return (uint16_t)(c->n - e);
	}
}

static bool out_at(const struct pit_chan *c, uint64_t t)
{
	uint64_t e = elapsed(c, t);
	if (e == ~0ull)
		return c->mode != 0; /* mode 0 goes low at its control word */
	switch (c->mode) {
	case 0:
	case 1:
		return e >= c->n;
	case 2:
		return e % c->n != c->n - 1;
	case 3:
		return e % c->n < (c->n + 1) / 2;
	default: /* 4, 5: low for one tick at the terminal count */
		return e != c->n;
	}
}

uint64_t pit_irq0_edge_after(uint64_t after)
{
	const struct pit_chan *c = &ch[0]; /* its gate is tied high */
	if (elapsed(c, c->start) == ~0ull)
		return ~0ull;
	uint64_t first;
	switch (c->mode) {
	case 0:
	case 1:
		first = c->start + c->n;
		return first > after ? first : ~0ull;
	case 2:
	case 3: { /* OUT rises as each period starts: start + k * n, k >= 1 */
		uint64_t k = after < c->start ? 1 : (after - c->start) / c->n + 1;
		return c->start + k * c->n;
	}
	default:
		first = c->start + c->n + 1;
		return first > after ? first : ~0ull;
	}
}

static void load(struct pit_chan *c, uint32_t n, uint64_t t)
{
	c->n = n ? n : 0x10000;
	c->loaded = true;
	c->triggered = false;
	c->null_count = false;
	c->start = t;
	c->gate_low_at = t;
}

static void set_gate2(bool g, uint64_t t)
{
	struct pit_chan *c = &ch[2];
	if (g == c->gate)
		return;
	if (!g) {
		c->gate_low_at = t;
	} else if (c->mode == 0 || c->mode == 4) {
		c->start += t - c->gate_low_at; /* resume where it paused */
	} else {
		c->start = t; /* 1/5: trigger; 2/3: restart */
		c->triggered = true;
	}
	c->gate = g;
}

static void latch_count(struct pit_chan *c, uint64_t t)
{
	if (c->latched)
		return;
	c->latch = count_at(c, t);
	c->latched = true;
	c->rd_msb_next = false;
}

static void control(uint8_t v, uint64_t t)
{
	unsigned sc = v >> 6, rw = (v >> 4) & 3;
	if (sc == 3) { /* read-back: bit 5 = 0 latches counts, bit 4 = 0 statuses */
		for (unsigned i = 0; i < 3; i++) {
			struct pit_chan *c = &ch[i];
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(c, t);
			if (!(v & 0x10) && !c->status_latched) {
				c->status = (uint8_t)((out_at(c, t) << 7) | (c->null_count << 6) |
						      (c->rw << 4) | (c->mode << 1) | c->bcd);
				c->status_latched = true;
			}
		}
		return;
	}
	struct pit_chan *c = &ch[sc];
	if (rw == 0) {
		latch_count(c, t);
		return;
	}
	unsigned mode = (v >> 1) & 7;
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
	c->rw = (uint8_t)rw;
	c->bcd = v & 1;
	c->loaded = c->triggered = false;
	c->null_count = true;
	c->wr_msb_next = c->rd_msb_next = false;
	c->latched = c->status_latched = false;
}

static void write_count(struct pit_chan *c, uint8_t v, uint64_t t)
{
	switch (c->rw) {
	case 1:
		load(c, v, t);
		break;
	case 2:
		load(c, (uint32_t)v << 8, t);
		break;
	default:
		if (!c->wr_msb_next) {
			c->wr_lsb = v;
			c->wr_msb_next = true;
			if (c->mode == 0)
				c->loaded = false; /* the first byte stops the count */
		} else {
			c->wr_msb_next = false;
			load(c, c->wr_lsb | ((uint32_t)v << 8), t);
		}
	}
}

static uint8_t read_count(struct pit_chan *c, uint64_t t)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v = c->latched ? c->latch : count_at(c, t);
	bool msb = c->rw == 2 || (c->rw == 3 && c->rd_msb_next);
	if (c->rw == 3)
		c->rd_msb_next = !c->rd_msb_next;
	if (c->rw != 3 || !c->rd_msb_next)
		c->latched = false; /* the whole latched value was read */
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

uint8_t pit_in(uint16_t port, uint64_t t)
{
	if (port == 0x61) /* refresh toggles every ~15 us (18 ticks) */
		return (uint8_t)((port61 & 3) | (((t / 18) & 1) << 4) | (out_at(&ch[2], t) << 5));
	if (port >= 0x40 && port <= 0x42)
		return read_count(&ch[port - 0x40], t);
	return 0xFF; /* 0x43 is write-only */
}

bool pit_out(uint16_t port, uint8_t v, uint64_t t)
{
	if (port == 0x61) {
		port61 = v & 3;
		set_gate2(v & 1, t);
		return false;
	}
	if (port == 0x43) {
		control(v, t);
		return (v >> 6) == 0 && ((v >> 4) & 3) != 0; /* channel 0's mode, not a latch */
	}
	write_count(&ch[port - 0x40], v, t);
	return port == 0x40;
}
