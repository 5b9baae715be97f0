/*
 * arch_tsc_khz: the TSC frequency, measured once on the BSP at boot.
 *
 * 1. CPUID 0x15 (TSC/crystal ratio with a crystal frequency) when the CPU
 *    reports it completely (Intel, Skylake and later).
 * 2. Otherwise (AMD, QEMU's qemu64): count TSC ticks against PIT channel
 *    2 (1.193182 MHz, mode 0, gate through port 0x61) over ~5 ms, reading
 *    the PIT position through its latch command so that polling delays do
 *    not matter; the median of 5 rounds.  Under QEMU TCG the TSC follows
 *    the host's TSC and the PIT QEMU's virtual clock, so the result is the
 *    host's TSC rate.
 *    Under Bochs (clock sync=none) the TSC and the PIT both follow the
 *    instruction count, so the result is the configured ips.
 * 3. If the PIT never counts down (no PIT): CPUID 0x16 EAX (base MHz), else
 *    2 GHz is assumed; logged either way.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define PIT_HZ 1193182u
#define CAL_MS 5u

static uint64_t tsc_khz;
static const char *tsc_source = "none";

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
 * instructions at ips): used only without a PIT. */
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
static uint16_t pit2_count(void)
{
	outb(0x43, 0x80);
	uint8_t lo = inb(0x42);
	uint8_t hi = inb(0x42);
	return (uint16_t)(lo | (hi << 8));
}

/* One measurement: TSC ticks per PIT_TICKS ticks of channel 2, read
 * through the latch (exact PIT positions, whatever the polling delay). */
static uint64_t pit_round(void)
{
	const uint16_t span = (uint16_t)(PIT_HZ / 1000 * CAL_MS); /* ticks */

	outb(0x43, 0xB0); /* ch 2, lo/hi, mode 0, binary */
	outb(0x42, 0xFF);
	outb(0x42, 0xFF);
	uint16_t c0 = pit2_count();
	for (uint32_t i = 0; i < 1000000 && c0 == 0xFFFF; i++) /* loaded yet? */
		c0 = pit2_count();
	uint64_t t0 = rdtsc();
	c0 = pit2_count();
	uint16_t c1 = c0;
	uint64_t t1 = t0;
	for (uint64_t spins = 0; spins < 50000000ull; spins++) {
		t1 = rdtsc();
		c1 = pit2_count();
		if ((uint16_t)(c0 - c1) >= span && c1 <= c0)
			break;
	}
	uint16_t ticks = (uint16_t)(c0 - c1);
	if (c1 > c0 || ticks < span / 2)
		return 0;
	/* kHz = TSC ticks / (ticks / PIT_HZ s) / 1000 */
	return (t1 - t0) * (PIT_HZ / 1000) / ticks;
}

static uint64_t tsc_from_pit(void)
{
	uint8_t saved = inb(0x61);
	uint64_t v[5];
	int n = 0;

	outb(0x61, (uint8_t)((saved & ~0x02) | 0x01)); /* gate on, speaker off */
	for (int i = 0; i < 5; i++) {
		uint64_t k = pit_round();
		if (k)
			v[n++] = k;
	}
	outb(0x61, saved);
	if (!n)
		return 0;
	for (int i = 1; i < n; i++) /* insertion sort, take the median */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	tsc_source = "PIT, median of 5";
	return v[n / 2];
}

void tsc_calibrate(void)
{
	tsc_khz = tsc_from_cpuid();
	if (!tsc_khz)
		tsc_khz = tsc_from_pit();
	if (!tsc_khz)
		tsc_khz = tsc_from_cpuid16();
	if (!tsc_khz) {
		tsc_khz = 2000000;
		tsc_source = "assumed (no PIT)";
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
