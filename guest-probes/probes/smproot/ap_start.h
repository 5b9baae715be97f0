/*
 * Starting the root's APs as an OS does (INIT, SIPI, SIPI through the xAPIC
 * ICR) into tramp.S at TRAMP_BASE: shared by the smproot probe and the
 * tlbshoot probe (which includes this file and tramp.S from here).
 */
#ifndef SMPROOT_AP_START_H
#define SMPROOT_AP_START_H

#include "probe.h"

#define TRAMP_BASE 0x6000ull
#define SIPI_VECTOR (TRAMP_BASE >> 12)
#define MAX_APS 8u
#define LAPIC 0xFEE00000ull
#define REG_ICR_LO 0x300u
#define REG_ICR_HI 0x310u
#define ICR_PENDING (1u << 12)
#define ICR_INIT_ALL_BUT_SELF 0x000C4500u
#define ICR_SIPI_ALL_BUT_SELF 0x000C4600u
/* TSC ticks to wait for the APs (the TSC runs at >= 0.5 GHz here). */
#define WAIT_TICKS 2000000000ull
#define SETTLE_TICKS 100000000ull

extern const char smp_tramp_start[], smp_tramp_end[];
extern const char tr_cr3[], tr_entered[], tr_in_long[], tr_cpuid_id[], tr_page_id[], tr_cmd[];
extern const char tr_call[], tr_stack[], tr_hv_read[];

static inline void *tramp(const char *sym)
{
	return (void *)(uintptr_t)(TRAMP_BASE + (uintptr_t)(sym - smp_tramp_start));
}

static inline uint32_t rd32(const char *sym)
{
	return __atomic_load_n((volatile uint32_t *)tramp(sym), __ATOMIC_ACQUIRE);
}

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void delay(uint64_t ticks)
{
	for (uint64_t t0 = tsc(); tsc() - t0 < ticks;)
		__asm__ volatile("pause");
}

static inline void ipi(uint32_t icr_lo)
{
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)LAPIC;

	for (int i = 0; i < 1000000 && (apic[REG_ICR_LO / 4] & ICR_PENDING); i++)
		__asm__ volatile("pause");
	apic[REG_ICR_HI / 4] = 0;
	apic[REG_ICR_LO / 4] = icr_lo;
}

/*
 * Copies the trampoline, starts every AP, waits for them in long mode and
 * returns how many got there.  call/stack_top: the first AP (slot 0) then
 * calls call(slot) on that stack (0: none; every AP waits for tr_cmd).
 */
static inline uint32_t start_aps(void (*call)(uint32_t), void *stack_top)
{
	uint64_t cr3;

	memcpy(tramp(smp_tramp_start), smp_tramp_start, (size_t)(smp_tramp_end - smp_tramp_start));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	*(volatile uint64_t *)tramp(tr_cr3) = cr3;
	*(volatile uint64_t *)tramp(tr_stack) = (uint64_t)(uintptr_t)stack_top;
	*(volatile uint64_t *)tramp(tr_call) = (uint64_t)(uintptr_t)call;
	ipi(ICR_INIT_ALL_BUT_SELF);
	delay(SETTLE_TICKS / 10);
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	delay(SETTLE_TICKS / 100);
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	for (uint64_t t0 = tsc(); rd32(tr_in_long) == 0 && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	delay(SETTLE_TICKS); /* the others, if any */
	return rd32(tr_in_long);
}

#endif /* SMPROOT_AP_START_H */
