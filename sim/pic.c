/*
 * The root VM's pair of 8259A interrupt controllers (master 0x20-0x21,
 * slave 0xA0-0xA1 on the master's IRQ2), as a PC has them: the ICW1-ICW4
 * initialisation (vector base, single/cascade, ICW4's auto-EOI), the mask
 * (OCW1), non-specific and specific EOI (OCW2), IRR/ISR reads (OCW3), and
 * fully nested priority (IRQ 0 highest).  Edge triggered: an edge sets IRR,
 * INTA moves it to ISR.  rootirq.c holds the lock and wires INTR to the
 * BSP's root VP.  Not modelled: priority rotation (the rotate EOIs act as
 * plain EOIs), special mask mode, poll mode, level-triggered mode (LTIM),
 * the ELCR.
 */
#include "sim.h"

struct pic {
	uint8_t irr, isr, imr;
	uint8_t base;      /* ICW2 & 0xF8 */
	uint8_t icw_next;  /* 0 ready; 2, 3, 4: the ICW the next data write is */
	bool single, icw4, auto_eoi;
	bool read_isr;     /* OCW3 RIS */
};

static struct pic pics[2] = { { .imr = 0xFF, .base = 0x08 }, { .imr = 0xFF, .base = 0x70 } };

/* The highest-priority IRQ that would raise INTR, or -1: unmasked in IRR,
 * with no IRQ of the same or a higher priority in service. */
static int best(const struct pic *p, uint8_t extra_irr)
{
	uint8_t req = (uint8_t)((p->irr | extra_irr) & ~p->imr);
	for (int i = 0; i < 8; i++) {
		if (p->isr & (1u << i))
			return -1;
		if (req & (1u << i))
			return i;
	}
	return -1;
}

/* The slave's INTR as the master's IRQ2 request. */
static uint8_t cascade(void)
{
	return !pics[0].single && best(&pics[1], 0) >= 0 ? 0x04 : 0;
}

void pic_edge(unsigned irq)
{
	pics[irq >> 3].irr |= (uint8_t)(1u << (irq & 7));
}

bool pic_masked(unsigned irq)
{
	return pics[irq >> 3].imr & (1u << (irq & 7));
}

int pic_pending(void)
{
	int m = best(&pics[0], cascade());
	if (m < 0)
		return -1;
	if (m == 2 && cascade())
		return pics[1].base + best(&pics[1], 0);
	return pics[0].base + m;
}

static void take(struct pic *p, int irq)
{
	p->irr &= (uint8_t)~(1u << irq);
	if (!p->auto_eoi)
		p->isr |= (uint8_t)(1u << irq);
}

int pic_ack(void)
{
	int m = best(&pics[0], cascade());
	if (m < 0)
		return pics[0].base + 7; /* spurious IRQ7 */
	if (m == 2 && cascade()) {
		int s = best(&pics[1], 0);
		take(&pics[1], s);
		take(&pics[0], 2);
		return pics[1].base + s;
	}
	take(&pics[0], m);
	return pics[0].base + m;
}

uint8_t pic_in(uint16_t port)
{
	struct pic *p = &pics[port >= 0xA0];
	if (port & 1)
		return p->imr;
	return p->read_isr ? p->isr : p->irr;
}

static void command(struct pic *p, uint8_t v)
{
	if (v & 0x10) { /* ICW1 */
		p->single = v & 0x02;
		p->icw4 = v & 0x01;
		p->icw_next = 2;
		p->imr = p->isr = p->irr = 0; /* forgets edges seen before */
		p->auto_eoi = false;
		p->read_isr = false;
		return;
	}
	if (v & 0x08) { /* OCW3 */
		if (v & 0x02)
			p->read_isr = v & 0x01;
		return;
	}
	unsigned op = v >> 5; /* OCW2 */
	if (op == 1 || op == 5) { /* non-specific EOI (rotating: plain) */
		for (int i = 0; i < 8; i++)
			if (p->isr & (1u << i)) {
				p->isr &= (uint8_t)~(1u << i);
				break;
			}
	} else if (op == 3 || op == 7) { /* specific EOI */
		p->isr &= (uint8_t)~(1u << (v & 7));
	}
}

static void data(struct pic *p, uint8_t v)
{
	switch (p->icw_next) {
	case 2:
		p->base = v & 0xF8;
		p->icw_next = p->single ? (p->icw4 ? 4 : 0) : 3;
		break;
	case 3:
		p->icw_next = p->icw4 ? 4 : 0;
		break;
	case 4:
		p->auto_eoi = v & 0x02;
		p->icw_next = 0;
		break;
	default:
		p->imr = v; /* OCW1 */
	}
}

void pic_out(uint16_t port, uint8_t v)
{
	struct pic *p = &pics[port >= 0xA0];
	if (port & 1)
		data(p, v);
	else
		command(p, v);
}
