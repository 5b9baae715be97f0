/*
 * rootplat part 3: the root's HLT with IF=1 waits for its next interrupt
 * (docs/root-vm.md "HLT").  The master PIC is remapped to vectors 0x20-0x27
 * with only IRQ0 unmasked, PIT channel 0 is armed one-shot (mode 0) for
 * 20 ms, and the probe runs STI;HLT with vector 0x20 in a copy of its IDT:
 * the HLT must return only after the interrupt handler ran (exactly once),
 * with the one-shot expired (channel 0's OUT high in its read-back status).
 * Then channel 0 as a 2 ms rate generator (mode 2): three STI;HLT in a row
 * each return after exactly one more interrupt (each acknowledged by its
 * EOI).  A HLT that resumes at once returns with no interrupt taken.
 * Last, without HLT: a 1 ms one-shot while the root spins with IF=1 reading
 * channel 0 interrupts it exactly once, within 40 ms of its terminal count
 * (after it, mode 0 counts on down from 0xFFFF: the count says how long ago;
 * QEMU raises the IRQ from its main loop, late on a loaded host).
 * mvsim models the PIT and the 8259 on its virtual clock (sim/README.md
 * "Root interrupts"); skipped where channel 0 does not count.
 */
#include "rootplat.h"

#define PIT_HZ 1193182u
#define WAIT_MS 20u
#define PERIOD_MS 2u
#define LATE_MS 40u
#define IRQ0_VECTOR 0x20

extern char rootplat_irq0[];
volatile uint32_t rootplat_irq_count;

static void pit0_arm(uint16_t count)
{
	outb(0x43, 0x30); /* channel 0, lo/hi, mode 0, binary */
	outb(0x40, (uint8_t)count);
	outb(0x40, (uint8_t)(count >> 8));
}

static void pit0_periodic(uint16_t count)
{
	outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 (rate generator), binary */
	outb(0x40, (uint8_t)count);
	outb(0x40, (uint8_t)(count >> 8));
}

/* Channel 0's status byte (read-back command: latch status only). */
static uint8_t pit0_status(void)
{
	outb(0x43, 0xE2);
	return inb(0x40);
}

static uint16_t pit0_read(void)
{
	outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | (inb(0x40) << 8));
}

static bool pit0_counts(void)
{
	pit0_arm(0xFFFF);
	uint16_t first = pit0_read();
	for (int i = 0; i < 100000; i++)
		if (pit0_read() != first)
			return true;
	return false;
}

/* Master PIC: vectors 0x20-0x27, only IRQ0; slave masked.  The ICW1
 * re-initialisation forgets any edge seen before. */
static void pic_route_irq0(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	outb(0x20, 0x11);
	outb(0x21, IRQ0_VECTOR);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0x21, 0xFE);
}

void rootplat_hlt(void)
{
	__asm__ volatile("cli");
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	if (!pit0_counts()) {
		check_skip("hlt-waits-for-interrupt", "none",
			   "no PIT: channel 0 does not count on this machine");
		return;
	}
	struct rootplat_idtr saved;
	rootplat_idt_copy(&saved);
	rootplat_idt_gate(IRQ0_VECTOR, rootplat_irq0);
	pit0_arm((uint16_t)(PIT_HZ / 1000 * WAIT_MS));
	rootplat_irq_count = 0;
	pic_route_irq0();
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	uint32_t taken = rootplat_irq_count;
	uint32_t expired = pit0_status() >> 7;

	pit0_periodic((uint16_t)(PIT_HZ / 1000 * PERIOD_MS));
	uint32_t seq = 0;
	rootplat_irq_count = 0;
	for (int i = 0; i < 3; i++) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		seq = seq << 4 | (rootplat_irq_count & 0xF);
	}
	pit0_arm((uint16_t)(PIT_HZ / 1000));
	rootplat_irq_count = 0;
	uint32_t spins = 0;
	__asm__ volatile("sti" ::: "memory");
	while (!rootplat_irq_count && ++spins < 50000000u)
		if ((pit0_status() >> 7) && pit0_read() < 0xFFFFu - PIT_HZ / 1000 * LATE_MS)
			break; /* expired LATE_MS ago */
	__asm__ volatile("cli" ::: "memory");
	uint32_t running = rootplat_irq_count;
	outb(0x21, 0xFF);
	pit0_arm(0xFFFF); /* channel 0 back to a one-shot, IRQ0 masked */
	rootplat_idt_restore(&saved);
	check_eq("hlt-waits-for-interrupt", "none", 1, taken,
		 "STI;HLT with only PIT IRQ0 (%u ms one-shot) unmasked returns after its "
		 "interrupt was taken (got: interrupts taken when HLT returned)", WAIT_MS);
	check_eq("hlt-oneshot-expired", "none", 1, expired,
		 "when that HLT returned, the one-shot had reached its terminal count (PIT "
		 "read-back status of channel 0: OUT = 1)");
	check_eq("hlt-periodic-one-each", "none", 0x123, seq,
		 "with channel 0 a %u ms rate generator, three STI;HLT in a row each return "
		 "after exactly one more interrupt, EOI'd at the 8259 (got: the count after "
		 "each, one hex digit each)", PERIOD_MS);
	check_eq("irq-while-running", "none", 1, running,
		 "a 1 ms one-shot interrupts the root once while it runs with IF=1 (polling "
		 "channel 0 until the interrupt or %u ms past its terminal count)", LATE_MS);
}
