/*
 * Time slices for guest VPSs on the local APIC timer (SVM has no preemption
 * timer).  docs/exit-reasons.md: a guest's run also ends when "the VP's
 * time slice ends" (mv_vp_exit_t_external_interrupt).
 *
 * Before a guest run the root's timer state is saved and the timer armed
 * one-shot for HV_SLICE_US with PREEMPT_VECTOR; the guest runs with host
 * RFLAGS.IF = 1 and the INTR intercept, so its expiry is an INTR exit.
 * While the root VP has interrupts disabled, the run also raises the TPR to
 * 0xE and masks LINT0 (the PIC's ExtINT), so only the slice interrupt can
 * end it: a pending IRQ the root does not take would otherwise end every run
 * at once (SVM does not acknowledge interrupts at the exit).
 * After the run the timer is masked; if it expired, its interrupt (pending
 * in the IRR) is taken in the host in a one-instruction STI window with the
 * TPR raised and LINT0 masked, and EOIed; then the root's timer is restored
 * (LVT, divide, remaining count: a periodic root timer restarts its period
 * from the remaining count).
 */
#include <x86/backend.h>
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define LAPIC_EOI 0xB0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LVT_MASKED (1u << 16)
#define DIV_BY_1 0xB

static uint32_t slice_ticks;

/* The calibration window (preempt_cal_start): the TSC when the timer was
 * started from its top count, and how wide that moment was in TSC ticks. */
static bool win_started;
static uint64_t win_tsc, win_width;

/*
 * The legacy PIC's INTR does not always go through LINT0: Bochs raises the
 * CPU's INTR line directly, so a masked LINT0 does not stop a pending IRQ 0
 * (the BIOS leaves the PIT ticking) from ending every guest run.  While the
 * root has interrupts off, its master PIC is also masked (IMR 0xFF) for the
 * run and its IMR restored afterwards; the root cannot observe the change.
 */
#define PIC1_DATA 0x21

static void pic_mask(struct preempt_state *s)
{
	s->pic_imr = inb(PIC1_DATA);
	if (s->pic_imr != 0xFF)
		outb(PIC1_DATA, 0xFF);
}

static void pic_unmask(struct preempt_state *s)
{
	if (s->pic_imr != 0xFF)
		outb(PIC1_DATA, s->pic_imr);
}

/* APIC timer ticks per ms in one round of about 1 ms, against the TSC
 * ticks that really passed between its start and its end (an emulator
 * descheduled between the two stretches both alike). */
static uint32_t apic_ticks_per_ms(void)
{
	uint64_t t0 = arch_tsc_now();
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	tsc_delay_us(1000);
	uint32_t ticks = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_CUR);
	uint64_t t1 = arch_tsc_now();
	lapic_write(LAPIC_TIMER_INIT, 0);
	return t1 > t0 ? (uint32_t)((uint64_t)ticks * arch_tsc_khz() / (t1 - t0)) : 0;
}

/* The timer started from its top count, counting down (masked) over the
 * BSP's first boot steps, as the TSC's window (tsc.c) is. */
void preempt_cal_start(void)
{
	if (!lapic)
		return;
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | PREEMPT_VECTOR);
	lapic_write(LAPIC_TIMER_DIV, DIV_BY_1);
	uint64_t t0 = arch_tsc_now();
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	uint64_t t1 = arch_tsc_now();
	win_tsc = t0 + (t1 - t0) / 2;
	win_width = t1 - t0;
	win_started = true;
}

static uint32_t timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/* Ticks per ms over the window, against the TSC that passed: its end is the
 * narrowest of 5 bracketed reads of the count (tsc.c), taken again until the two
 * brackets together are at most 0.5% of the window (the error is at most
 * half of that; a round's own, one timer start in 1 ms, was about 0.7%
 * under QEMU), for at most 10 ms more.  0 (the rounds decide) when there
 * was no window, the count ran out, or it never got precise enough. */
static uint32_t apic_window_per_ms(void)
{
	uint64_t per_ms = 0;

	if (!win_started)
		return 0;
	win_started = false;
	for (;;) {
		uint64_t best, t = 0;
		uint32_t cur = tsc_read_bracketed(timer_count, &t, &best);
		if (!cur || t <= win_tsc)
			break;
		if ((win_width + best) * 200 <= t - win_tsc) {
			per_ms = (uint64_t)(0xFFFFFFFFu - cur) * arch_tsc_khz() / (t - win_tsc);
			break;
		}
		if (t - win_tsc > 10 * arch_tsc_khz())
			break;
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	return per_ms > 0xFFFFFFFFu ? 0 : (uint32_t)per_ms;
}

void preempt_calibrate(void)
{
	uint32_t r[3];

	if (!lapic)
		return;
	uint32_t per_ms = apic_window_per_ms();
	const char *how = "boot window";
	if (!per_ms) {
		how = "median of 3";
		lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | PREEMPT_VECTOR);
		lapic_write(LAPIC_TIMER_DIV, DIV_BY_1);
		for (int i = 0; i < 3; i++) { /* sorted as they come: r[1] is the median */
			r[i] = apic_ticks_per_ms();
			for (int j = i; j > 0 && r[j] < r[j - 1]; j--) {
				uint32_t v = r[j];
				r[j] = r[j - 1];
				r[j - 1] = v;
			}
		}
		per_ms = r[1]; /* a round the host disturbed is dropped */
	}
	uint64_t t = (uint64_t)per_ms * HV_SLICE_US / 1000;
	/* The APs, started after this, nap on it (preempt_nap; 0 until here:
	 * a nap spins on the TSC instead). */
	__atomic_store_n(&slice_ticks, t ? (t > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)t) : 0,
			 __ATOMIC_RELAXED);
	hv_log("%s: guest time slice %u us = %u APIC timer ticks (%u per ms, %s)", x86_be->name,
	       HV_SLICE_US, slice_ticks, per_ms, how);
}

void preempt_arm(struct preempt_state *s, bool root_if)
{
	s->armed = lapic && slice_ticks;
	s->masked_host = false;
	if (!s->armed)
		return;
	s->lvt_timer = lapic_read(LAPIC_LVT_TIMER);
	s->divide = lapic_read(LAPIC_TIMER_DIV);
	s->initial = lapic_read(LAPIC_TIMER_INIT);
	s->current = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | PREEMPT_VECTOR);
	if (!root_if) {
		s->masked_host = true;
		s->cr8 = read_cr8();
		s->lint0 = lapic_read(LAPIC_LVT_LINT0);
		lapic_write(LAPIC_LVT_LINT0, s->lint0 | LVT_MASKED);
		write_cr8(0xE);
		pic_mask(s);
	}
	lapic_write(LAPIC_TIMER_DIV, DIV_BY_1);
	lapic_write(LAPIC_LVT_TIMER, PREEMPT_VECTOR); /* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, slice_ticks);
}

/* Without arming the timer (VMX has its preemption timer): only the TPR
 * raise and LINT0 mask for a run while the root VP has interrupts off. */
void preempt_hold(struct preempt_state *s)
{
	s->armed = false;
	s->masked_host = lapic != NULL;
	if (!s->masked_host)
		return;
	s->cr8 = read_cr8();
	s->lint0 = lapic_read(LAPIC_LVT_LINT0);
	lapic_write(LAPIC_LVT_LINT0, s->lint0 | LVT_MASKED);
	write_cr8(0xE);
	pic_mask(s);
}

void preempt_release(struct preempt_state *s)
{
	if (!s->masked_host)
		return;
	pic_unmask(s);
	write_cr8(s->cr8);
	lapic_write(LAPIC_LVT_LINT0, s->lint0);
	s->masked_host = false;
}

void preempt_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void preempt_window(void)
{
	uint64_t cr8 = read_cr8();
	uint32_t lint0 = lapic_read(LAPIC_LVT_LINT0);
	lapic_write(LAPIC_LVT_LINT0, lint0 | LVT_MASKED);
	write_cr8(0xE);
	struct preempt_state pic = { 0 };
	pic_mask(&pic);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	pic_unmask(&pic);
	write_cr8(cr8);
	lapic_write(LAPIC_LVT_LINT0, lint0);
}

bool preempt_disarm(struct preempt_state *s)
{
	if (!s->armed)
		return false;
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | PREEMPT_VECTOR);
	bool fired = lapic_read(LAPIC_TIMER_CUR) == 0;
	lapic_write(LAPIC_TIMER_INIT, 0);
	if (fired)
		preempt_window(); /* take the pending slice interrupt (idt.c EOIs it) */
	if (s->masked_host) {
		pic_unmask(s);
		write_cr8(s->cr8);
		lapic_write(LAPIC_LVT_LINT0, s->lint0);
	}
	lapic_write(LAPIC_TIMER_DIV, s->divide);
	lapic_write(LAPIC_LVT_TIMER, s->lvt_timer);
	if (s->initial)
		lapic_write(LAPIC_TIMER_INIT, s->current ? s->current : s->initial);
	return fired;
}

/* A parked AP's wait (boot/smp.c): sleep in HLT for about `us` on a one-shot
 * timer, with the TPR raised and LINT0 masked so that only the timer (the
 * PP's own, vector PREEMPT_VECTOR, EOIed by idt.c) wakes it. */
void preempt_nap(uint32_t us)
{
	uint64_t t = (uint64_t)__atomic_load_n(&slice_ticks, __ATOMIC_RELAXED) * us / HV_SLICE_US;

	if (!lapic || !t) {
		tsc_delay_us(us);
		return;
	}
	uint64_t cr8 = read_cr8();
	uint32_t lint0 = lapic_read(LAPIC_LVT_LINT0);
	lapic_write(LAPIC_LVT_LINT0, lint0 | LVT_MASKED);
	write_cr8(0xE);
	lapic_write(LAPIC_TIMER_DIV, DIV_BY_1);
	lapic_write(LAPIC_LVT_TIMER, PREEMPT_VECTOR); /* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, t > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)t);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | PREEMPT_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	write_cr8(cr8);
	lapic_write(LAPIC_LVT_LINT0, lint0);
}
