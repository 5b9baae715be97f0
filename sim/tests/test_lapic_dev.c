/*
 * sim.lapic_dev: mvsim's xAPIC device alone (../lapic_dev.c), driven through
 * its registers at chosen virtual times, as SDM vol. 3 ch. 11 describes the
 * xAPIC: the state after reset, the timer's divide values, one-shot and
 * periodic counts and expiries, interrupt priority (IRR/ISR/TPR/PPR, EOI),
 * the error status (illegal vectors and registers), physical, flat and
 * cluster logical destinations and the lowest-priority choice, software
 * disable masking every LVT entry (SDM 11.4.7.2; QEMU 7.2 does not: E-62),
 * and LINT0's ExtINT line from the 8259.  Four PPs; the sender is PP 0.
 */
#include "check.h"

#include "../sim.h"

#define ICR_SELF (1u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_LOGICAL (1u << 11)
#define ICR_LOWEST (1u << 8)

static uint32_t rd(uint16_t pp, uint32_t off, uint64_t t)
{
	return lapic_dev_read(pp, off, t);
}

static void wr(uint16_t pp, uint32_t off, uint32_t v, uint64_t t)
{
	lapic_dev_write(pp, off, v, t);
}

static bool irr(uint16_t pp, unsigned v)
{
	return (rd(pp, 0x200 + (v / 32) * 0x10, 0) >> (v % 32)) & 1;
}

static void test_reset(void)
{
	CHECK(rd(2, 0x20, 0) == 2u << 24, "ID = PP number (0x%x)", rd(2, 0x20, 0));
	CHECK(rd(0, 0x30, 0) == 0x00050014u, "version 0x14, 6 LVT entries (0x%x)", rd(0, 0x30, 0));
	CHECK(rd(0, 0xF0, 0) == 0x1FF, "enabled, spurious vector 0xFF");
	CHECK(rd(0, 0xE0, 0) == 0xFFFFFFFFu, "DFR: flat model");
	CHECK(rd(0, 0x350, 0) == 0x8700 && rd(0, 0x360, 0) == 0x8400, "BSP: LINT0 ExtINT, LINT1 NMI");
	CHECK(rd(1, 0x350, 0) == 0x10000 && rd(1, 0x320, 0) == 0x10000, "an AP's LVTs are masked");
	CHECK(lapic_dev_extint(0) && !lapic_dev_extint(1), "the 8259 reaches the BSP only");
	wr(0, 0x350, 0x18700, 0);
	CHECK(!lapic_dev_extint(0), "LINT0 masked: no ExtINT");
	wr(0, 0x350, 0x8700, 0);
}

static void test_timer(void)
{
	wr(1, 0x320, 0x30, 0); /* one-shot, vector 0x30 */
	wr(1, 0x3E0, 0x0, 0);  /* divide by 2 */
	wr(1, 0x380, 100, 1000);
	CHECK(rd(1, 0x390, 1000) == 100, "the count starts at the initial count");
	CHECK(rd(1, 0x390, 1100) == 50, "divide by 2: 50 ticks in 100 ns (%u)", rd(1, 0x390, 1100));
	CHECK(lapic_dev_next_event(1) == 1200, "expiry at 1200 (%llu)",
	      (unsigned long long)lapic_dev_next_event(1));
	lapic_dev_catch_up(1, 1199);
	CHECK(lapic_dev_pending(1) == -1, "nothing before the expiry");
	lapic_dev_catch_up(1, 1200);
	CHECK(lapic_dev_pending(1) == 0x30, "the expiry raises vector 0x30");
	CHECK(lapic_dev_next_event(1) == ~0ull && rd(1, 0x390, 1300) == 0, "one-shot: once, then 0");
	CHECK(lapic_dev_ack(1) == 0x30, "acknowledged");
	wr(1, 0xB0, 0, 1300);

	wr(1, 0x3E0, 0xA, 0); /* divide by 128 */
	wr(1, 0x380, 2, 0);
	CHECK(lapic_dev_next_event(1) == 256, "divide by 128 (0xA): 2 ticks = 256 ns");
	wr(1, 0x3E0, 0xB, 0); /* divide by 1 */
	wr(1, 0x320, 0x20030, 0); /* periodic */
	wr(1, 0x380, 10, 0);
	lapic_dev_catch_up(1, 35);
	CHECK(lapic_dev_ack(1) == 0x30, "periodic: the expiries up to 35 raise one interrupt");
	CHECK(lapic_dev_ack(1) == -1, "... only one (they collapse in the IRR)");
	CHECK(lapic_dev_next_event(1) == 40, "the next at 40 (%llu)",
	      (unsigned long long)lapic_dev_next_event(1));
	CHECK(rd(1, 0x390, 35) == 5, "periodic: the count reloads (%u)", rd(1, 0x390, 35));
	wr(1, 0xB0, 0, 35);
	wr(1, 0x320, 0x30030, 35); /* masked */
	lapic_dev_catch_up(1, 100);
	CHECK(lapic_dev_pending(1) == -1 && lapic_dev_next_event(1) == ~0ull,
	      "masked: it counts on, no interrupt");
	wr(1, 0x380, 0, 100);
	CHECK(rd(1, 0x390, 200) == 0, "initial count 0 stops it");
}

static void test_priority(void)
{
	wr(0, 0x300, ICR_SELF | 0x31, 0);
	wr(0, 0x300, ICR_SELF | 0x52, 0);
	CHECK(rd(0, 0x300, 0) == (ICR_SELF | 0x52), "ICR reads back, delivery status idle");
	CHECK(lapic_dev_pending(0) == 0x52, "the highest vector first");
	CHECK(lapic_dev_ack(0) == 0x52, "INTA");
	CHECK(rd(0, 0xA0, 0) == 0x50 && rd(0, 0x120, 0) == 1u << (0x52 - 0x40),
	      "in service: PPR 0x50, ISR bit");
	CHECK(lapic_dev_pending(0) == -1, "class 3 waits while class 5 is in service");
	wr(0, 0xB0, 0, 0);
	wr(0, 0x80, 0x40, 0);
	CHECK(lapic_dev_pending(0) == -1 && rd(0, 0xA0, 0) == 0x40, "TPR 0x40 holds class 3");
	wr(0, 0x80, 0, 0);
	CHECK(lapic_dev_ack(0) == 0x31, "TPR 0: taken");
	wr(0, 0xB0, 0, 0);
	CHECK(rd(0, 0x110, 0) == 0 && rd(0, 0x120, 0) == 0, "EOI: nothing in service");
}

static void test_errors(void)
{
	wr(0, 0x300, ICR_SELF | 5, 0);
	CHECK(!irr(0, 5), "an illegal vector is not delivered");
	CHECK(rd(0, 0x280, 0) == 0, "the ESR reads its value as of the last write");
	wr(0, 0x280, 0, 0);
	CHECK(rd(0, 0x280, 0) == 0x20, "send illegal vector (0x%x)", rd(0, 0x280, 0));
	rd(0, 0x2F0, 0); /* no CMCI entry (6 LVT entries) */
	wr(0, 0x280, 0, 0);
	CHECK(rd(0, 0x280, 0) == 0x80, "illegal register address (0x%x)", rd(0, 0x280, 0));
	wr(0, 0x370, 0x33, 0); /* error LVT, vector 0x33 */
	wr(0, 0x300, ICR_SELF | 7, 0);
	CHECK(lapic_dev_ack(0) == 0x33, "an error raises the error LVT's vector");
	wr(0, 0xB0, 0, 0);
	wr(0, 0x370, 0x10000, 0);
	wr(0, 0x280, 0, 0);
}

static void test_destinations(void)
{
	/* physical */
	wr(0, 0x310, 2u << 24, 0);
	wr(0, 0x300, 0x61, 0);
	CHECK(irr(2, 0x61) && !irr(1, 0x61) && !irr(3, 0x61), "physical: APIC ID 2 only");
	wr(0, 0x310, 0xFFu << 24, 0);
	wr(0, 0x300, 0x62, 0);
	CHECK(irr(0, 0x62) && irr(1, 0x62) && irr(3, 0x62), "physical 0xFF: everyone");
	wr(0, 0x300, ICR_ALL_BUT_SELF | 0x63, 0);
	CHECK(!irr(0, 0x63) && irr(1, 0x63) && irr(2, 0x63), "all but self");
	/* flat logical */
	wr(1, 0xD0, 0x01000000u, 0);
	wr(2, 0xD0, 0x02000000u, 0);
	wr(3, 0xD0, 0x04000000u, 0);
	wr(0, 0x310, 0x05u << 24, 0);
	wr(0, 0x300, ICR_LOGICAL | 0x64, 0);
	CHECK(irr(1, 0x64) && !irr(2, 0x64) && irr(3, 0x64), "flat: logical IDs 1 and 4 of 0x05");
	/* cluster logical */
	for (uint16_t pp = 0; pp < 4; pp++)
		wr(pp, 0xE0, 0x0FFFFFFFu, 0);
	wr(1, 0xD0, 0x21000000u, 0);
	wr(2, 0xD0, 0x22000000u, 0);
	wr(3, 0xD0, 0x31000000u, 0);
	wr(0, 0x310, 0x23u << 24, 0);
	wr(0, 0x300, ICR_LOGICAL | 0x65, 0);
	CHECK(irr(1, 0x65) && irr(2, 0x65) && !irr(3, 0x65), "cluster 2, members 1 and 2");
	wr(0, 0x310, 0xF1u << 24, 0);
	wr(0, 0x300, ICR_LOGICAL | 0x66, 0);
	CHECK(irr(1, 0x66) && !irr(2, 0x66) && irr(3, 0x66), "cluster 15: member 1 of every cluster");
	/* lowest priority: the lowest TPR among the targets */
	wr(1, 0x80, 0x20, 0);
	wr(2, 0x80, 0x10, 0);
	wr(3, 0x80, 0x30, 0);
	wr(0, 0x300, ICR_ALL_BUT_SELF | ICR_LOWEST | 0x67, 0);
	CHECK(!irr(1, 0x67) && irr(2, 0x67) && !irr(3, 0x67), "lowest priority: PP 2 (TPR 0x10)");
}

static void test_software_disable(void)
{
	wr(3, 0x320, 0x40, 0);
	wr(3, 0xF0, 0xFF, 0);
	CHECK(rd(3, 0x320, 0) == 0x10040 && rd(3, 0x350, 0) & 0x10000,
	      "software disable masks every LVT entry (0x%x)", rd(3, 0x320, 0));
	wr(3, 0x320, 0x40, 0);
	CHECK(rd(3, 0x320, 0) == 0x10040, "an LVT write cannot unmask it while disabled");
	wr(0, 0x310, 3u << 24, 0);
	wr(0, 0x300, 0x70, 0);
	CHECK(irr(3, 0x70) && lapic_dev_pending(3) == -1, "an IPI waits in the IRR, not delivered");
	wr(3, 0xF0, 0x1FF, 0);
	CHECK(rd(3, 0x320, 0) == 0x10040, "enabled again: the entries stay masked");
	CHECK(lapic_dev_pending(3) == 0x70, "... and the held IPI is delivered");
}

int main(void)
{
	g_cfg.cpus = 4;
	machine_set_pp_id(0);
	test_reset();
	test_timer();
	test_priority();
	test_errors();
	test_destinations();
	test_software_disable();
	printf("sim.lapic_dev: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
