/*
 * rootplat part 6: the root's local APIC behaves as the machine's (SDM vol.
 * 3 ch. 11; docs/root-vm.md "Local APIC"): the root programs it through its
 * xAPIC page (reads reach the device, stores are emulated by the
 * hypervisor) and takes its interrupts itself.  With the vectors 0x40-0x45
 * in a copy of its IDT (apic_irq.S: counts, records ISR and PPR, EOI):
 *  - the LVT timer one-shot (divide by 1): STI;HLT returns after exactly its
 *    interrupt, in service (ISR) at priority 0x40 in the handler, and the
 *    current count then reads 0; periodic: three STI;HLT each return after
 *    one more interrupt; masked and running, the current count goes down;
 *  - a fixed self-IPI (shorthand self) is taken while the root runs with
 *    IF=1; with TPR 0x50 a vector of class 4 is held (IRR set, PPR 0x50)
 *    until the TPR goes back to 0;
 *  - CR8 is TPR[7:4]: MOV to CR8 sets the TPR and holds that class the
 *    same way, MOV from CR8 reads a TPR stored through the page;
 *  - logical destination, flat model: an IPI to a logical ID the LDR has is
 *    taken, one to another is not (and stays out of the IRR).
 * Not checked here: the LVT masking of a software-disabled APIC (SDM
 * 11.4.7.2), which QEMU 7.2 does not do (docs/spec-errata.md E-62; mvsim
 * does it, CTest sim.lapic_dev).
 * The period is 2 ms at QEMU's 1 GHz APIC clock: with 0.2 ms, QEMU TCG
 * under the hypervisor (an exit per EOI) took a second period's interrupt
 * before the CLI after the handler's IRET (measured: 0x134).
 * Everything is restored afterwards (LVTs, SVR, TPR, LDR, DFR, divide).
 * The same expected values on every backend: mvsim's APIC is
 * sim/lapic_dev.c on its virtual clock.  Skipped where CPUID has no APIC.
 */
#include "rootplat.h"

#define LAPIC 0xFEE00000ull
#define REG_TPR 0x80u
#define REG_PPR 0xA0u
#define REG_LDR 0xD0u
#define REG_DFR 0xE0u
#define REG_SVR 0xF0u
#define REG_IRR2 0x220u /* vectors 0x40-0x5F */
#define REG_ICR_LO 0x300u
#define REG_ICR_HI 0x310u
#define REG_LVT_TIMER 0x320u
#define REG_LVT_LINT0 0x350u
#define REG_LVT_LINT1 0x360u
#define REG_LVT_ERROR 0x370u
#define REG_TIMER_INIT 0x380u
#define REG_TIMER_CUR 0x390u
#define REG_DIVIDE 0x3E0u
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)
#define ICR_SELF (1u << 18)
#define ICR_LOGICAL (1u << 11)
#define DIVIDE_BY_1 0xBu
#define VEC_TIMER 0x40u
#define VEC_SELF 0x41u
#define VEC_LOGICAL 0x42u
#define VEC_LOGICAL_MISS 0x43u
#define VEC_HELD 0x45u
#define FIRST_VECTOR 0x40u
#define LAST_VECTOR 0x45u
#define ONESHOT_COUNT 100000u
#define PERIOD_COUNT 2000000u
#define SPIN_TAKEN 1000000u /* bound on the wait for an interrupt while running */
#define SPIN_HELD 20000u    /* how long one that must not come is waited for */

extern char rootplat_apic_irq[];
volatile uint32_t rootplat_apic_count, rootplat_apic_isr, rootplat_apic_ppr;

static uint32_t rd(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC + off);
}

static void wr(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC + off) = v;
}

/* With IF=1, up to `spins` rounds until an interrupt was counted; IF=0
 * again.  Returns the count. */
static uint32_t run_with_if(uint32_t spins)
{
	__asm__ volatile("sti" ::: "memory");
	for (uint32_t i = 0; i < spins && !rootplat_apic_count; i++)
		__asm__ volatile("pause");
	__asm__ volatile("cli" ::: "memory");
	return rootplat_apic_count;
}

struct apic_saved {
	uint32_t svr, tpr, ldr, dfr, divide, timer, lint0, lint1, error;
};

static void apic_save(struct apic_saved *s)
{
	*s = (struct apic_saved){ rd(REG_SVR), rd(REG_TPR), rd(REG_LDR), rd(REG_DFR),
				  rd(REG_DIVIDE), rd(REG_LVT_TIMER), rd(REG_LVT_LINT0),
				  rd(REG_LVT_LINT1), rd(REG_LVT_ERROR) };
}

static void apic_restore(const struct apic_saved *s)
{
	wr(REG_SVR, s->svr);
	wr(REG_TIMER_INIT, 0);
	wr(REG_LVT_TIMER, s->timer);
	wr(REG_LVT_LINT0, s->lint0);
	wr(REG_LVT_LINT1, s->lint1);
	wr(REG_LVT_ERROR, s->error);
	wr(REG_DIVIDE, s->divide);
	wr(REG_LDR, s->ldr);
	wr(REG_DFR, s->dfr);
	wr(REG_ICR_HI, 0);
	wr(REG_TPR, s->tpr);
}

static void apic_timer(void)
{
	wr(REG_DIVIDE, DIVIDE_BY_1);
	wr(REG_LVT_TIMER, VEC_TIMER);
	rootplat_apic_count = 0;
	wr(REG_TIMER_INIT, ONESHOT_COUNT);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	uint32_t taken = rootplat_apic_count, isr = rootplat_apic_isr, ppr = rootplat_apic_ppr;
	uint32_t left = rd(REG_TIMER_CUR);

	wr(REG_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	rootplat_apic_count = 0;
	wr(REG_TIMER_INIT, PERIOD_COUNT);
	uint32_t seq = 0;
	for (int i = 0; i < 3; i++) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		seq = seq << 4 | (rootplat_apic_count & 0xF);
	}
	wr(REG_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	wr(REG_TIMER_INIT, 0xFFFFFFFFu);
	uint32_t c1 = rd(REG_TIMER_CUR);
	for (int i = 0; i < 1000; i++)
		__asm__ volatile("pause");
	uint32_t c2 = rd(REG_TIMER_CUR);
	wr(REG_TIMER_INIT, 0);

	check_eq("apic-timer-oneshot-hlt", "none", 1, taken,
		 "LVT timer one-shot (vector 0x%x, divide by 1, count %u): STI;HLT returns after "
		 "exactly its interrupt", VEC_TIMER, ONESHOT_COUNT);
	check_eq("apic-timer-in-service", "none", 0x1, isr,
		 "in the handler, vector 0x40 is in service (ISR bits of vectors 0x40-0x5F)");
	check_eq("apic-timer-ppr", "none", 0x40, ppr,
		 "in the handler, the processor priority (PPR) is the in-service vector's class");
	check_eq("apic-timer-oneshot-expired", "none", 0, left,
		 "after the one-shot's interrupt the current count reads 0");
	check_eq("apic-timer-periodic-one-each", "none", 0x123, seq,
		 "periodic (count %u): three STI;HLT in a row each return after exactly one more "
		 "interrupt, EOI'd (got: the count after each, one hex digit each)", PERIOD_COUNT);
	check_tok("apic-timer-counts-down", "none", "down", c2 < c1 ? "down" : rt_hex(c2),
		  c2 < c1, "masked, the timer counts on: its current count goes down (0x%x, then 0x%x)",
		  c1, c2);
}

static void set_cr8(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static uint64_t get_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void apic_cr8(void)
{
	set_cr8(5);
	uint32_t tpr = rd(REG_TPR);
	rootplat_apic_count = 0;
	wr(REG_ICR_LO, ICR_SELF | VEC_HELD);
	uint32_t held = run_with_if(SPIN_HELD);
	__asm__ volatile("sti" ::: "memory");
	set_cr8(0);
	uint32_t after = run_with_if(SPIN_TAKEN);
	wr(REG_TPR, 0x30);
	uint64_t cr8 = get_cr8();
	wr(REG_TPR, 0);

	check_eq("apic-cr8-sets-tpr", "none", 0x50, tpr, "MOV to CR8 of 5 sets the TPR to 0x50");
	check_eq("apic-cr8-holds", "none", 0, held,
		 "with CR8 = 5 a self-IPI of vector 0x%x (class 4) is not taken", VEC_HELD);
	check_eq("apic-cr8-lowered", "none", 1, after,
		 "MOV to CR8 of 0 with IF=1 lets it in");
	check_eq("apic-cr8-reads-tpr", "none", 3, cr8,
		 "MOV from CR8 after a TPR store of 0x30 reads 3");
}

static void apic_ipis(void)
{
	rootplat_apic_count = 0;
	wr(REG_ICR_LO, ICR_SELF | VEC_SELF);
	uint32_t self = run_with_if(SPIN_TAKEN);

	wr(REG_TPR, 0x50);
	rootplat_apic_count = 0;
	wr(REG_ICR_LO, ICR_SELF | VEC_HELD);
	uint32_t held = run_with_if(SPIN_HELD);
	uint32_t irr = (rd(REG_IRR2) >> (VEC_HELD - FIRST_VECTOR)) & 1, ppr = rd(REG_PPR);
	wr(REG_TPR, 0);
	uint32_t after = run_with_if(SPIN_TAKEN);

	wr(REG_DFR, 0xFFFFFFFFu); /* flat model */
	wr(REG_LDR, 0x01000000u);
	wr(REG_ICR_HI, 0x01000000u);
	rootplat_apic_count = 0;
	wr(REG_ICR_LO, ICR_LOGICAL | VEC_LOGICAL);
	uint32_t hit = run_with_if(SPIN_TAKEN);
	wr(REG_ICR_HI, 0x02000000u);
	rootplat_apic_count = 0;
	wr(REG_ICR_LO, ICR_LOGICAL | VEC_LOGICAL_MISS);
	uint32_t miss = run_with_if(SPIN_HELD);
	uint32_t miss_irr = (rd(REG_IRR2) >> (VEC_LOGICAL_MISS - FIRST_VECTOR)) & 1;

	check_eq("apic-self-ipi", "none", 1, self,
		 "a fixed IPI to itself (ICR shorthand self, vector 0x%x) is taken while the root "
		 "runs with IF=1", VEC_SELF);
	check_eq("apic-tpr-holds", "none", 0, held,
		 "with TPR 0x50 a self-IPI of vector 0x%x (class 4) is not taken", VEC_HELD);
	check_eq("apic-tpr-irr", "none", 1, irr, "it waits in the IRR");
	check_eq("apic-tpr-ppr", "none", 0x50, ppr, "the PPR reads the TPR (nothing in service)");
	check_eq("apic-tpr-lowered", "none", 1, after, "with TPR 0 again it is taken");
	check_eq("apic-logical-flat-hit", "none", 1, hit,
		 "flat logical destination: an IPI to logical ID 0x01, which the LDR has, is taken");
	check_eq("apic-logical-flat-miss", "none", 0, miss + miss_irr,
		 "one to logical ID 0x02 is neither taken nor in the IRR (got: taken + IRR bit)");
}

void rootplat_apic(void)
{
	if (!((cpuid1(1).edx >> 9) & 1)) {
		check_skip("apic-timer-oneshot-hlt", "none", "CPUID.1:EDX[9] = 0: no local APIC");
		return;
	}
	struct apic_saved saved;
	struct rootplat_idtr idt;

	__asm__ volatile("cli" ::: "memory");
	apic_save(&saved);
	rootplat_idt_copy(&idt);
	for (uint32_t v = FIRST_VECTOR; v <= LAST_VECTOR; v++)
		rootplat_idt_gate((uint8_t)v, rootplat_apic_irq);
	wr(REG_SVR, saved.svr | SVR_ENABLE);
	wr(REG_TPR, 0);
	apic_timer();
	apic_ipis();
	apic_cr8();
	apic_restore(&saved);
	rootplat_idt_restore(&idt);
}
