/*
 * sim.pit_pic: mvsim's root platform timer and interrupt controllers alone
 * (../pit.c, ../pic.c), driven through their ports at chosen PIT ticks, as
 * the 8254 and 8259A data sheets describe them: the counts, OUT and IRQ0
 * edges of modes 0, 2, 3 and 4, LSB-only access, the counter latch and the
 * read-back status, channel 2's gate on port 0x61; the 8259's
 * initialisation, mask, fully nested priority, non-specific and specific
 * EOI, IRR/ISR reads, the slave's cascade and auto-EOI.
 */
#include "check.h"

#include "../sim.h"

static uint16_t read16(uint16_t port, uint64_t t)
{
	uint8_t lo = pit_in(port, t);
	return (uint16_t)(lo | (pit_in(port, t) << 8));
}

static void count16(uint16_t port, uint16_t n, uint64_t t)
{
	pit_out(port, (uint8_t)n, t);
	pit_out(port, (uint8_t)(n >> 8), t);
}

static uint8_t status0(uint64_t t)
{
	pit_out(0x43, 0xE2, t); /* read-back: channel 0's status only */
	return pit_in(0x40, t);
}

static void test_mode0(void)
{
	CHECK(pit_out(0x43, 0x30, 1000), "a channel 0 control word changes its programming");
	CHECK(status0(1000) >> 7 == 0, "mode 0: OUT low after the control word");
	pit_out(0x40, 100, 1000);
	CHECK(pit_irq0_edge_after(0) == ~0ull, "mode 0: the first byte of two stops the count");
	pit_out(0x40, 0, 1000);
	CHECK(read16(0x40, 1050) == 50, "mode 0: 50 ticks after loading 100, it reads %u",
	      read16(0x40, 1050));
	CHECK(status0(1099) == 0x30, "status: OUT 0, count loaded, lo/hi, mode 0 (0x%x)", status0(1099));
	CHECK(pit_irq0_edge_after(1000) == 1100, "mode 0: OUT rises at the terminal count");
	CHECK(status0(1100) >> 7 == 1, "mode 0: OUT high at the terminal count");
	CHECK(read16(0x40, 1101) == 0xFFFF, "mode 0 counts on from 0xFFFF (%x)", read16(0x40, 1101));
	CHECK(pit_irq0_edge_after(1100) == ~0ull, "mode 0: one edge only");
}

static void test_mode2_3_4(void)
{
	pit_out(0x43, 0x34, 0);
	count16(0x40, 10, 0);
	CHECK(read16(0x40, 3) == 7, "mode 2: 10 - 3 (%u)", read16(0x40, 3));
	CHECK(status0(9) >> 7 == 0 && status0(10) >> 7 == 1, "mode 2: OUT low for the tick at count 1");
	CHECK(pit_irq0_edge_after(15) == 20 && pit_irq0_edge_after(20) == 30,
	      "mode 2: an edge every 10 ticks");
	pit_out(0x43, 0x36, 0);
	count16(0x40, 10, 0);
	CHECK(status0(4) >> 7 == 1 && status0(5) >> 7 == 0 && status0(10) >> 7 == 1,
	      "mode 3: OUT high for the first half of each period");
	CHECK(pit_irq0_edge_after(12) == 20, "mode 3: OUT rises as each period starts");
	pit_out(0x43, 0x38, 0);
	count16(0x40, 10, 0);
	CHECK(status0(9) >> 7 == 1 && status0(10) >> 7 == 0 && status0(11) >> 7 == 1,
	      "mode 4: OUT low for one tick at the terminal count");
	CHECK(pit_irq0_edge_after(0) == 11 && pit_irq0_edge_after(11) == ~0ull, "mode 4: one edge");
}

static void test_access(void)
{
	pit_out(0x43, 0x34, 0);
	count16(0x40, 1000, 0);
	CHECK(!pit_out(0x43, 0x00, 100), "a latch command changes no programming");
	CHECK(read16(0x40, 500) == 900, "the latched count (%u), read later", read16(0x40, 500));
	CHECK(read16(0x40, 500) == 500, "then the live count again");
	pit_out(0x43, 0x10, 0); /* LSB only, mode 0 */
	pit_out(0x40, 0x20, 0);
	CHECK(pit_in(0x40, 0x10) == 0x10 && pit_in(0x40, 0x11) == 0x0F, "LSB-only reads");
	CHECK(pit_irq0_edge_after(0) == 0x20, "LSB-only count 0x20");
	/* channel 2, gate low at load: it waits; 0x61 bit 0 opens the gate */
	pit_out(0x61, 0, 0);
	pit_out(0x43, 0xB0, 0);
	CHECK(!pit_out(0x42, 100, 0), "channel 2's count does not touch IRQ0");
	pit_out(0x42, 0, 0);
	CHECK(read16(0x42, 50) == 100, "gate low: channel 2 does not count (%u)", read16(0x42, 50));
	pit_out(0x61, 1, 50);
	CHECK(read16(0x42, 80) == 70, "gate high: it counts (%u)", read16(0x42, 80));
	CHECK(!(pit_in(0x61, 149) & 0x20) && (pit_in(0x61, 150) & 0x20),
	      "port 0x61 bit 5 is channel 2's OUT");
}

static void pic_init(uint8_t icw4)
{
	pic_out(0x20, 0x11);
	pic_out(0x21, 0x20);
	pic_out(0x21, 0x04);
	pic_out(0x21, icw4);
	pic_out(0xA0, 0x11);
	pic_out(0xA1, 0x28);
	pic_out(0xA1, 0x02);
	pic_out(0xA1, icw4);
}

static void test_pic(void)
{
	pic_init(0x01);
	pic_out(0x21, 0xFC); /* IRQ0 and IRQ1 */
	pic_out(0xA1, 0xFF);
	CHECK(pic_pending() == -1, "nothing requested");
	CHECK(pic_masked(2) && !pic_masked(0), "the mask (OCW1)");
	pic_edge(1);
	CHECK(pic_ack() == 0x21, "IRQ1 at the ICW2 base + 1");
	pic_edge(1);
	CHECK(pic_pending() == -1, "IRQ1 in service holds the next IRQ1");
	pic_edge(0);
	CHECK(pic_pending() == 0x20 && pic_ack() == 0x20, "IRQ0 nests over IRQ1 in service");
	pic_out(0x20, 0x0B);
	CHECK(pic_in(0x20) == 0x03, "ISR (OCW3 RIS): IRQ0 and IRQ1 (0x%x)", pic_in(0x20));
	pic_out(0x20, 0x20); /* non-specific EOI: the highest, IRQ0 */
	CHECK(pic_in(0x20) == 0x02, "a non-specific EOI ends IRQ0 only (0x%x)", pic_in(0x20));
	pic_out(0x20, 0x0A);
	CHECK(pic_in(0x20) == 0x02, "IRR (OCW3): the held IRQ1 (0x%x)", pic_in(0x20));
	pic_out(0x20, 0x61); /* specific EOI of IRQ1 */
	CHECK(pic_ack() == 0x21, "after IRQ1's specific EOI the held one is taken");
	pic_out(0x20, 0x20);
	/* the slave on IRQ2 */
	pic_out(0x21, 0xFB);
	pic_out(0xA1, 0xFE);
	pic_edge(8);
	CHECK(pic_pending() == 0x28 && pic_ack() == 0x28, "IRQ8 through the cascade at 0x28");
	pic_out(0x20, 0x0B);
	pic_out(0xA0, 0x0B);
	CHECK(pic_in(0x20) == 0x04 && pic_in(0xA0) == 0x01, "in service: master IRQ2, slave IRQ8");
	/* ICW1 forgets, auto-EOI sets no ISR */
	pic_edge(0);
	pic_init(0x03);
	pic_out(0x21, 0xFE);
	CHECK(pic_pending() == -1, "ICW1 forgets an edge seen before");
	pic_edge(0);
	CHECK(pic_ack() == 0x20, "IRQ0");
	pic_edge(0);
	CHECK(pic_pending() == 0x20, "auto-EOI: the next IRQ0 is not held");
}

int main(void)
{
	test_mode0();
	test_mode2_3_4();
	test_access();
	test_pic();
	printf("sim.pit_pic: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
