/*
 * arch_tsc_khz: the TSC frequency, measured once on the BSP at boot, in
 * about 6 ms of emulated time, at most about 50 ms when a clock is missing
 * (docs/root-vm.md "Timers").
 *
 * 1. CPUID 0x15 (TSC/crystal ratio with a crystal frequency) when the CPU
 *    reports it completely (Intel, Skylake and later).
 * 2. The ACPI PM timer (3.579545 MHz, its I/O port from the FADT), over
 *    the BSP's first boot steps: tsc_cal_start() reads it at bsp_main's
 *    start, tsc_calibrate() again after the multiboot information and the
 *    IOMMU tables were read, and waits only for what is missing of 2 ms.
 *    Each end is the narrowest of 5 readings bracketed by two TSC reads
 *    (the TSC at the bracket's middle): a vCPU descheduled inside a
 *    bracket widens only that one, and one descheduled between the ends
 *    changes nothing, since QEMU's TSC and PM timer both follow the host's
 *    clock and Bochs' both its instruction count.  The window must stay
 *    under the counter's wrap, 4.69 s with 24 bits: it is a few ms under
 *    QEMU TCG and about 90 ms of emulated time under Bochs.  Without
 *    tsc_cal_start, or with a window that gives nothing: 3 rounds of 2 ms,
 *    the median, as for the PIT.
 * 3. PIT channel 2 (1.193182 MHz, mode 0, gate through port 0x61) over 2 ms,
 *    read through its latch command so that polling delays do not matter;
 *    the median of 3 rounds.  Under QEMU TCG the TSC follows the host's TSC
 *    and the PM timer and PIT QEMU's virtual clock, so the result is the
 *    host's TSC rate; under Bochs (clock sync=none) they all follow the
 *    instruction count, so the result is the configured ips.  2 ms is 7159
 *    PM timer or 2386 PIT ticks; the median drops a round in which a loaded
 *    host descheduled QEMU between a clock edge and its TSC read (one round
 *    alone measured 0.7% low that way).
 * 4. CPUID 0x16 EAX (base MHz), else 2 GHz is assumed; logged either way.
 * A clock that does not tick within CAL_STALL_POLLS reads is absent (a
 * machine without a PIT reads 0xFF from its ports): calibration never waits
 * for a clock that is not there.
 */
#include <x86/acpi.h>
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define PIT_HZ 1193182u
#define PM_TIMER_HZ 3579545u
#define CAL_MS 2u
#define CAL_ROUNDS 3
#define CAL_STALL_POLLS 20000u
#define CAL_TRIES 5
#define CAL_WINDOW_MAX 10u

static uint64_t tsc_khz;
static const char *tsc_source = "none";

/* A reference clock: its counter, rate, width and direction. */
struct cal_clock {
	uint32_t (*read)(void);
	uint32_t hz;
	uint32_t mask;
	bool down;
};

static uint16_t pm_timer_port;
static uint32_t pm_timer_mask;

/* The PM timer window's start (tsc_cal_start): a reading, its TSC and the
 * width of its bracket. */
static bool win_started;
static uint32_t win_ref;
static uint64_t win_tsc, win_width;

static uint64_t tsc_from_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			tsc_source = "cpuid 0x15";
			return (uint64_t)r[2] * r[1] / r[0] / 1000;
		}
	}
	return 0;
}

/* CPUID 0x16 EAX: the processor's base frequency in MHz, which is only a
 * guess for the TSC (Bochs reports the model's 3.5 GHz while its TSC counts
 * instructions at ips): used only without a reference clock. */
static uint64_t tsc_from_cpuid16(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x16)
		return 0;
	cpuid(0x16, 0, r);
	if (!(r[0] & 0xFFFF))
		return 0;
	tsc_source = "cpuid 0x16 base frequency";
	return (uint64_t)(r[0] & 0xFFFF) * 1000;
}

/* PIT channel 2's current count (counter latch command). */
static uint32_t pit2_count(void)
{
	outb(0x43, 0x80);
	uint8_t lo = inb(0x42);
	uint8_t hi = inb(0x42);
	return (uint32_t)(lo | (hi << 8));
}

static uint32_t pm_timer_read(void)
{
	return inl(pm_timer_port);
}

static uint32_t clock_elapsed(const struct cal_clock *c, uint32_t from, uint32_t to)
{
	return (c->down ? from - to : to - from) & c->mask;
}

/* The clock's next value after `from`, or `from` if it stalled. */
static uint32_t clock_next(const struct cal_clock *c, uint32_t from)
{
	for (uint32_t i = 0; i < CAL_STALL_POLLS; i++) {
		uint32_t v = c->read();
		if (v != from)
			return v;
	}
	return from;
}

/* One measurement: TSC ticks over CAL_MS of the clock, from one of its
 * edges to another; 0 when the clock stalls. */
static uint64_t cal_round(const struct cal_clock *c)
{
	const uint32_t span = c->hz / 1000 * CAL_MS;
	uint32_t c0 = c->read();

	c0 = clock_next(c, c0); /* an edge: the start of a tick */
	uint64_t t0 = rdtsc();
	uint32_t now = c0;
	uint64_t t1 = t0;
	while (clock_elapsed(c, c0, now) < span) {
		uint32_t v = clock_next(c, now);
		t1 = rdtsc();
		if (v == now)
			return 0;
		now = v;
	}
	/* kHz = TSC ticks / (ticks / hz s) / 1000 */
	return (t1 - t0) * (c->hz / 1000) / clock_elapsed(c, c0, now);
}

/* A counter's value and the TSC at it: of CAL_TRIES readings each between
 * two TSC reads, the one with the narrowest bracket (*width), its TSC the
 * bracket's middle (off by at most half the bracket).  Also the APIC
 * timer's window (preempt.c). */
uint32_t tsc_read_bracketed(uint32_t (*read)(void), uint64_t *tsc, uint64_t *width)
{
	uint64_t best = ~0ull;
	uint32_t v = 0;

	for (int i = 0; i < CAL_TRIES; i++) {
		uint64_t t0 = rdtsc();
		uint32_t r = read();
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + best / 2;
			v = r;
		}
	}
	*width = best;
	return v;
}

/* TSC ticks over the window from tsc_cal_start to now, once it is at least
 * CAL_MS long and its two brackets together are at most 0.1% of it (the
 * error is at most half of that): a window still too short for its
 * brackets is waited out, up to CAL_WINDOW_MAX times CAL_MS.  0 when the
 * clock stalls or the window never got precise enough. */
static uint64_t cal_window(const struct cal_clock *c)
{
	const uint32_t span = c->hz / 1000 * CAL_MS;
	uint32_t now = c->read();

	for (;;) {
		if (clock_elapsed(c, win_ref, now) >= span) {
			uint64_t t1 = 0, width;
			now = tsc_read_bracketed(c->read, &t1, &width);
			uint32_t ticks = clock_elapsed(c, win_ref, now);
			if (t1 > win_tsc && (win_width + width) * 1000 <= t1 - win_tsc)
				return (t1 - win_tsc) * (c->hz / 1000) / ticks;
			if (ticks >= CAL_WINDOW_MAX * span)
				return 0;
		}
		uint32_t v = clock_next(c, now);
		if (v == now)
			return 0;
		now = v;
	}
}

/* The median of `rounds` measurements (at most 5); 0 if any failed. */
static uint64_t cal_median(const struct cal_clock *c, int rounds)
{
	uint64_t v[5];

	for (int i = 0; i < rounds && i < 5; i++) {
		v[i] = cal_round(c);
		if (!v[i])
			return 0;
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) { /* insertion sort */
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	return v[rounds / 2];
}

/* The FADT's PM timer block: PM_TMR_BLK, else X_PM_TMR_BLK in I/O space;
 * the counter is 32 bits wide with TMR_VAL_EXT (flags bit 8), else 24. */
static bool pm_timer_find(void)
{
	const uint8_t *fadt = acpi_find_table("FACP");
	if (!fadt)
		return false;
	uint32_t len = (uint32_t)fadt[4] | (uint32_t)fadt[5] << 8 | (uint32_t)fadt[6] << 16 |
		       (uint32_t)fadt[7] << 24;
	uint32_t port = 0;
	if (len >= 80)
		hv_memcpy(&port, fadt + 76, 4);
	if (!port && len >= 220 && fadt[208] == 1 /* system I/O */)
		hv_memcpy(&port, fadt + 212, 4);
	if (!port || port > 0xFFFC)
		return false;
	uint32_t flags = 0;
	if (len >= 116)
		hv_memcpy(&flags, fadt + 112, 4);
	pm_timer_port = (uint16_t)port;
	pm_timer_mask = (flags & (1u << 8)) ? 0xFFFFFFFFu : 0xFFFFFFu;
	return true;
}

static const struct cal_clock pm_clock = { pm_timer_read, PM_TIMER_HZ, 0, false };

void tsc_cal_start(void)
{
	if (!pm_timer_find())
		return;
	struct cal_clock c = pm_clock;
	c.mask = pm_timer_mask;
	win_ref = tsc_read_bracketed(c.read, &win_tsc, &win_width);
	win_started = true;
}

static uint64_t tsc_from_pm_timer(void)
{
	if (!win_started && !pm_timer_find())
		return 0;
	struct cal_clock c = pm_clock;
	c.mask = pm_timer_mask;
	uint64_t k = win_started ? cal_window(&c) : 0;
	if (k) {
		tsc_source = "ACPI PM timer, boot window";
		return k;
	}
	k = cal_median(&c, CAL_ROUNDS);
	if (k)
		tsc_source = "ACPI PM timer, median of 3";
	return k;
}

static uint64_t tsc_from_pit(void)
{
	const struct cal_clock c = { pit2_count, PIT_HZ, 0xFFFF, true };
	uint8_t saved = inb(0x61);

	outb(0x61, (uint8_t)((saved & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xB0); /* ch 2, lo/hi, mode 0, binary */
	outb(0x42, 0xFF);
	outb(0x42, 0xFF);
	uint64_t k = cal_median(&c, CAL_ROUNDS);
	outb(0x61, saved);
	if (k)
		tsc_source = "PIT, median of 3";
	return k;
}

void tsc_calibrate(void)
{
	tsc_khz = tsc_from_cpuid();
	if (!tsc_khz)
		tsc_khz = tsc_from_pm_timer();
	if (!tsc_khz)
		tsc_khz = tsc_from_pit();
	if (!tsc_khz)
		tsc_khz = tsc_from_cpuid16();
	if (!tsc_khz) {
		tsc_khz = 2000000;
		tsc_source = "assumed (no reference clock)";
	}
	hv_log("tsc: %llu kHz (%s)", (unsigned long long)tsc_khz, tsc_source);
}

uint64_t arch_tsc_now(void)
{
	return rdtsc();
}

uint64_t arch_tsc_khz(void)
{
	return tsc_khz;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * (tsc_khz ? tsc_khz : 2000000) / 1000;

	while (rdtsc() < end)
		cpu_relax();
}
