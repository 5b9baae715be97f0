/*
 * SMP bring-up.
 *
 * The BSP broadcasts INIT-SIPI-SIPI (local APIC, xAPIC MMIO) to all other
 * processors (none when the ACPI MADT lists one; the 10 ms INIT delay only
 * on the CPUs Linux keeps it for; smp_start_aps), and waits, napping in
 * HLT, until as many APs as the MADT lists reported in (smp_wait_aps: at
 * most AP_WAIT_MS from the SIPIs; the whole AP_WAIT_MS without a MADT).
 * The APIC timer is calibrated before (boot/main.c), so that the APs nap
 * on it from their start instead of spinning; they start in the real-mode trampoline at TRAMP_ADDR
 * (trampoline.S), join the BSP's path to long mode in entry.S, take the next
 * PP number atomically and land in ap_main().  Each AP enables SVM, reports
 * in, and waits until the core is initialised; then it calls core_pp_init()
 * and parks: its root VP waits for the root OS's INIT-SIPI-SIPI (emulated by
 * hv/core/apic.c).  A parked AP naps in HLT on its own APIC timer and asks
 * core_pp_run() again when it is kicked (arch_pp_kick: the boot's release,
 * the root's SIPI or INIT, a root stop; boot/kick.c) or, at the latest,
 * every PARK_NAP_US; once a SIPI started its root VP, core_pp_run() runs it.  An AP whose root VP dies ends the machine as the
 * BSP does (isa-debug-exit 0x7D), once the core stopped the root on every PP
 * (hv/core/root_stop.c); a PP that stopped because the root died elsewhere
 * halts.
 *
 * PP numbers: the BSP is 0, APs get 1, 2, ... in arrival order; each binds
 * its APIC ID to its number (lapic.c, which arch_pp_id() reads).
 */
#include <x86/asm_consts.h>
#include <x86/backend.h>
#include <x86/boot.h>
#include <x86/cov.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

_Static_assert(HV_MAX_PPS_ASM == HV_MAX_PPS, "entry.S sizes its AP stacks by HV_MAX_PPS");

#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)
#define ICR_INIT_ALL_BUT_SELF 0x000C4500u
#define ICR_SIPI_ALL_BUT_SELF 0x000C4600u
#define AP_WAIT_MS 100
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* Linux's pause after a SIPI when it skips the INIT delay (init_udelay 0):
 * 10 us, the ICR idle, 10 us. */
#define SIPI_DELAY_FAST_US 20
#define PARK_NAP_US 20000
/* The BSP's naps while it waits for the APs (in HLT, as an AP's: a vCPU
 * spinning in an emulator costs a host CPU). */
#define BSP_NAP_US 200

extern char tramp_start[], tramp_end[];

static volatile uint32_t aps_online;
static volatile uint32_t aps_go;
static volatile uint32_t aps_parked;
static volatile uint16_t smp_num_pps = 1;

/* The BSP's local APIC, mapped and software-enabled before the boot's
 * calibration window starts its timer (preempt_cal_start). */
void smp_register_bsp(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (base & (1ull << 11)) {
		lapic = (volatile uint32_t *)(uintptr_t)(base & 0xFFFFF000ull);
		lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x1FF); /* enable, spurious 0xFF */
	}
	lapic_bind_pp(0);
}

static void lapic_ipi(uint32_t icr_lo)
{
	for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, icr_lo);
}

/* The SDM's 10 ms between INIT and SIPI (and 200 us between the SIPIs),
 * except on the processors Linux starts without it (arch/x86/kernel/smpboot.c:
 * init_udelay 0, then 20 us after a SIPI): Intel family 6 and AMD family 0xF
 * and later (QEMU's qemu64 and Bochs' models among them). */
static bool init_needs_delay(void)
{
	char name[13];
	uint32_t r[4];

	enum x86_vendor v = x86_cpu_vendor(name);
	cpuid(1, 0, r);
	uint32_t family = (r[0] >> 8) & 0xF;
	if (family == 0xF)
		family += (r[0] >> 20) & 0xFF;
	return !((v == X86_VENDOR_INTEL && family == 6) || (v == X86_VENDOR_AMD && family >= 0xF));
}

/* What smp_start_aps did for smp_wait_aps: whether INIT-SIPI-SIPI went
 * out, the MADT's processor count (0: no MADT), when the wait ends. */
static bool sipi_sent;
static uint32_t madt_cpus;
static uint64_t wait_end;

void smp_start_aps(void)
{
	if (!lapic) { /* smp_register_bsp found it disabled */
		hv_log("smp: local APIC disabled; running on the BSP only");
		return;
	}
	madt_cpus = madt_cpu_count();
	if (madt_cpus == 1) {
		hv_log("smp: the MADT lists one processor; running on the BSP only");
		return;
	}
	hv_memcpy((void *)(uintptr_t)TRAMP_ADDR, tramp_start, (size_t)(tramp_end - tramp_start));
	bool slow = init_needs_delay();
	lapic_ipi(ICR_INIT_ALL_BUT_SELF);
	if (slow)
		tsc_delay_us(INIT_DELAY_US);
	lapic_ipi(ICR_SIPI_ALL_BUT_SELF | (TRAMP_ADDR >> 12));
	tsc_delay_us(slow ? SIPI_DELAY_US : SIPI_DELAY_FAST_US);
	lapic_ipi(ICR_SIPI_ALL_BUT_SELF | (TRAMP_ADDR >> 12));
	wait_end = arch_tsc_now() + AP_WAIT_MS * arch_tsc_khz();
	sipi_sent = true;
}

uint16_t smp_wait_aps(void)
{
	if (!sipi_sent)
		return 1;
	while (arch_tsc_now() < wait_end &&
	       (!madt_cpus || __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE) + 1 < madt_cpus))
		preempt_nap(BSP_NAP_US);

	uint32_t n = 1 + __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE);
	if (n > HV_MAX_PPS)
		n = HV_MAX_PPS;
	smp_num_pps = (uint16_t)n;
	if (madt_cpus)
		hv_log("smp: %u PPs online (BSP apic %u; the MADT lists %u)", n, lapic_apic_id(), madt_cpus);
	else
		hv_log("smp: %u PPs online (BSP apic %u; no usable MADT: waited %u ms)", n,
		       lapic_apic_id(), AP_WAIT_MS);
	return (uint16_t)n;
}

/* Let the APs run core_pp_init/core_pp_run and wait (bounded) until they
 * are parked, so that nothing they print interleaves with the root OS's
 * serial output. */
void smp_release_aps(void)
{
	uint32_t want = smp_num_pps - 1u;

	__atomic_store_n(&aps_go, 1, __ATOMIC_RELEASE);
	for (uint16_t pp = 1; pp < smp_num_pps; pp++)
		arch_pp_kick(pp); /* ends its nap */
	uint64_t end = arch_tsc_now() + 1000 * arch_tsc_khz(); /* at most 1 s */
	while (arch_tsc_now() < end && __atomic_load_n(&aps_parked, __ATOMIC_ACQUIRE) < want)
		preempt_nap(BSP_NAP_US);
	uint32_t parked = __atomic_load_n(&aps_parked, __ATOMIC_ACQUIRE);
	if (want)
		hv_log("smp: %u of %u APs parked (%s on; their root VPs wait for the root OS's "
		       "INIT-SIPI-SIPI)", parked, want, x86_be->name);
}

HV_NORETURN void ap_main(uint32_t ppid);

HV_NORETURN void ap_main(uint32_t ppid)
{
	lapic_bind_pp((uint16_t)ppid);
	idt_load();
	host_cpu_setup();
	if (x86_be->pp_enable((uint16_t)ppid)) {
		hv_log("smp: pp %u cannot enable %s; halted", ppid, x86_be->name);
		cpu_halt_forever();
	}
	__atomic_add_fetch(&aps_online, 1, __ATOMIC_RELEASE);
	/* Nap (HLT on its own APIC timer) while the BSP runs core_init: a
	 * spinning AP costs an emulator a host CPU for the whole boot. */
	lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x1FF); /* its nap timer */
	while (!__atomic_load_n(&aps_go, __ATOMIC_ACQUIRE))
		kick_nap((uint16_t)ppid, PARK_NAP_US);
	if (ppid < smp_num_pps) {
		if (core_pp_init((uint16_t)ppid)) {
			hv_log("smp: core_pp_init(%u) failed", ppid);
			__atomic_add_fetch(&aps_parked, 1, __ATOMIC_RELEASE);
			cpu_halt_forever();
		}
		__atomic_add_fetch(&aps_parked, 1, __ATOMIC_RELEASE);
		enum hv_stop_reason why;
		while ((why = core_pp_run()) == HV_STOP_PARKED)
			kick_nap((uint16_t)ppid, PARK_NAP_US);
		if (why == HV_STOP_ROOT_DEAD) {
			hv_log("pp %u stopped (the root VM is dead): exiting through isa-debug-exit 0x%x",
			       ppid, EXIT_ROOT_STOPPED);
			x86_cov_dump("root-stopped");
			outb(DEBUG_EXIT_PORT, EXIT_ROOT_STOPPED);
		}
	}
	cpu_halt_forever();
}
