/*
 * smproot: the root OS starts its APs as on hardware (docs/root-vm.md, "CPU
 * start-up").  The BSP copies tramp.S to 0x6000 and sends INIT, SIPI, SIPI
 * (vector 6) to all but itself through the xAPIC ICR.  The hypervisor turns
 * them into the start of each AP's root VP in real mode at 0600:0000, under
 * nested paging ("[hv] pp N: root VP started by SIPI vector 0x06").  Each AP
 * records CPUID's initial APIC ID in real mode, reaches long mode on the
 * BSP's page tables and reads its APIC ID from the xAPIC page.
 *
 * Checks: at least one AP started and reached long mode; each AP's two APIC
 * IDs agree and differ from the BSP's; a further SIPI to the running APs
 * starts nothing (a SIPI reaches only a CPU waiting for one, and is not kept
 * for later: after an INIT the APs wait), a SIPI with the self shorthand
 * and destination field 0xFF reaches no AP, and after an
 * INIT to the running APs (spinning, with no exit of their own: the INIT
 * kicks them) one SIPI starts each again; a burst of SIPIs to parked APs
 * starts each once, and none of it is kept for after the next INIT.  Last, the AP
 * reads the hypervisor's memory (the type-2 range of the memory map): its
 * root VP runs under nested paging, so that read must stop the root (MVP
 * EXPECT-STOP; the stop line names the AP's pp).
 *
 * Needs a backend with more than one PP and a local APIC (QEMU -smp 2).  No
 * ABI item names CPU start-up: every check is items=none.
 */
#include "ap_start.h"

PROBE_TITLE("root VM SMP start-up: INIT-SIPI-SIPI starts the APs' root VPs under the hypervisor");

#define MIB 0x100000ull
#define GIB4 0x100000000ull
#define ICR_SIPI_SELF 0x00044600u
#define DEST_BROADCAST 0xFFu

/* An IPI with the destination field `dest` (ap_start.h's ipi() sends 0). */
static void ipi_dest(uint32_t icr_lo, uint32_t dest)
{
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)LAPIC;

	apic[REG_ICR_HI / 4] = dest << 24;
	apic[REG_ICR_LO / 4] = icr_lo;
	apic[REG_ICR_HI / 4] = 0;
}

/* The first type-2 (hypervisor) range of the memory map at/above 1 MiB. */
static uint64_t hv_memory(void)
{
	const struct mb_info *mbi = mb_info();

	if (!mbi || !(mbi->flags & MB_INFO_MMAP))
		return 0;
	for (uint32_t off = 0; off + 4 <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		off += e->size + 4;
		if (e->type == 2 && e->addr >= MIB && e->addr + 8 <= GIB4)
			return e->addr;
	}
	return 0;
}

void probe_main(void)
{
	uint32_t bsp = cpuid1(1).ebx >> 24;
	uint32_t n = start_aps(NULL, NULL), entered = rd32(tr_entered);

	if (!check_tok("sipi-aps-started", "none", "1+", rt_fmt("%u", n), n >= 1 && n == entered,
		       "INIT-SIPI-SIPI to all but self started %u AP(s) in real mode; %u reached "
		       "long mode", entered, n))
		report_end();
	for (uint32_t i = 0; i < n && i < MAX_APS; i++) {
		uint32_t cid = ((volatile uint32_t *)tramp(tr_cpuid_id))[i];
		uint32_t pid = ((volatile uint32_t *)tramp(tr_page_id))[i];
		check_tok(rt_fmt("ap%u-apic-id", i), "none", rt_fmt("0x%x", cid), rt_fmt("0x%x", pid),
			  cid == pid && cid != bsp,
			  "AP %u: the initial APIC ID of CPUID in real mode (0x%x) is the one its xAPIC "
			  "page reads in long mode, and not the BSP's (0x%x)", i, cid, bsp);
	}
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	delay(SETTLE_TICKS);
	check_eq("sipi-running-ignored", "none", n, rd32(tr_entered),
		 "a SIPI to APs that already run starts nothing (only a CPU waiting for a SIPI "
		 "takes one)");

	/* INIT puts a running AP back into waiting for a SIPI: the next SIPI
	 * starts each AP again in the trampoline. */
	ipi(ICR_INIT_ALL_BUT_SELF);
	delay(SETTLE_TICKS);
	check_eq("init-parks-until-sipi", "none", n, rd32(tr_entered),
		 "after an INIT the APs wait for a SIPI: the SIPI they ignored while running was "
		 "not kept, none starts again before the next SIPI");
	ipi_dest(ICR_SIPI_SELF | SIPI_VECTOR, DEST_BROADCAST);
	delay(SETTLE_TICKS);
	check_eq("sipi-self-shorthand-only-self", "none", n, rd32(tr_entered),
		 "a SIPI with the self shorthand reaches no AP waiting for one, although the "
		 "destination field says 0xFF (ignored with a shorthand, SDM 10.6.1)");
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	for (uint64_t t0 = tsc(); rd32(tr_in_long) < 2 * n && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	delay(SETTLE_TICKS / 10);
	check_eq("init-running-restarts", "none", 2 * n, rd32(tr_in_long),
		 "INIT to the running APs, then one SIPI: each of the %u AP(s) starts again and "
		 "reaches long mode (an INIT resets a running CPU to wait for a SIPI)", n);

	/* A burst of SIPIs to parked APs: the first starts each, the others
	 * reach running APs (some while the AP takes the first one) and must
	 * not be kept: after the next INIT no AP starts before a new SIPI. */
	ipi(ICR_INIT_ALL_BUT_SELF);
	delay(SETTLE_TICKS);
	uint32_t entered0 = rd32(tr_entered), in_long0 = rd32(tr_in_long);
	for (uint64_t t0 = tsc(); tsc() - t0 < SETTLE_TICKS / 10;)
		ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	for (uint64_t t0 = tsc(); rd32(tr_in_long) < in_long0 + n && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	delay(SETTLE_TICKS / 10);
	uint32_t burst = rd32(tr_entered) - entered0;
	ipi(ICR_INIT_ALL_BUT_SELF);
	delay(SETTLE_TICKS);
	uint32_t after = rd32(tr_entered) - entered0;
	check_tok("sipi-burst-starts-once", "none", rt_fmt("%u:%u", n, n), rt_fmt("%u:%u", burst, after),
		  burst == n && after == n,
		  "a burst of SIPIs to the %u parked AP(s) starts each once (%u starts), and after the "
		  "next INIT none starts again (%u starts in all): a SIPI that reached an AP while it "
		  "took the first one was not kept", n, burst, after);
	/* Running again for the last check. */
	ipi(ICR_SIPI_ALL_BUT_SELF | SIPI_VECTOR);
	for (uint64_t t0 = tsc(); rd32(tr_in_long) < in_long0 + 2 * n && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	delay(SETTLE_TICKS / 10);

	uint64_t hv = hv_memory();
	if (!hv)
		probe_error("no type-2 (hypervisor) range in the memory map");
	probe_expect_stop(&(struct probe_stop){ 1, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_NOT_OWNED,
						RT_STOP_RIP(tramp(tr_hv_read)) },
			  "ap-hv-memory-stops", "none",
			  "an AP's root VP reads the hypervisor's memory at 0x%llx: nested paging "
			  "stops the root", (unsigned long long)hv);
	*(volatile uint64_t *)tramp(tr_cmd) = hv;
	for (uint64_t t0 = tsc(); tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	check_tok("ap-hv-memory-stopped", "none", "root-stopped", "continued", false,
		  "the AP read the hypervisor's memory and the root was not stopped");
}
