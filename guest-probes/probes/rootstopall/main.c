/*
 * rootstopall: the root VM dies on one PP and must stop on every PP, as a
 * triple fault stops a whole machine (docs/spec-errata.md E-66).  The BSP
 * starts its APs (smproot's trampoline); the first AP waits for the go,
 * loads an IDT of limit 0 and executes UD2: #UD, #GP and #DF find no gate,
 * and the AP triple-faults.  The hypervisor must then stop the root on the
 * BSP too (it kicks the BSP out of the root with an NMI) before it prints
 * its one report, "[hv] root VM stopped on pp 1: triple fault (...); stopped
 * on 2 of 2 PPs".
 *
 * The root's command line carries microv.stop_delay_ms=1000: the machine
 * keeps running for 1 s after the report before isa-debug-exit ends it, as
 * a machine without that device would stay.  Meanwhile the BSP, if it still
 * ran, would wait QUIET_TICKS and then print "bsp still running" lines and
 * a failed check, a protocol line after the EXPECT-STOP: the harness's
 * synthetic check ap-triple-fault-stops-all fails on any MVP line after the
 * EXPECT-STOP, and on a report that says fewer PPs stopped than exist.
 */
#include "../smproot/ap_start.h"
#include "expect.h"

PROBE_TITLE("the root VM's triple fault on an AP stops the root on every PP");

/* The BSP's silence after the go: at >= 0.5 GHz at most 0.4 s, well inside
 * the hypervisor's 1 s delay; at 3 GHz 67 ms, far longer than a kick takes. */
#define QUIET_TICKS 200000000ull
#define TICKS 20u

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint32_t go;
/* The AP's UD2 (ap_die): the triple fault's RIP. */
extern const char rootstopall_ud2[];

/* The first AP (smproot's trampoline calls it on ap_stack). */
static void ap_die(uint32_t slot)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} no_idt = { 0, 0 };

	(void)slot;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	__asm__ volatile("lidt %0\n\t"
			 ".globl rootstopall_ud2\n"
			 "rootstopall_ud2:\n\t"
			 "ud2" : : "m"(no_idt) : "memory");
	for (;;)
		__asm__ volatile("hlt");
}

void probe_main(void)
{
	uint32_t n = start_aps(ap_die, ap_stack + sizeof(ap_stack));

	if (!check_tok("aps-started", "none", "1+", rt_fmt("%u", n), n >= 1,
		       "INIT-SIPI-SIPI started %u AP(s) into long mode", n))
		report_end();
	probe_expect_stop(&(struct probe_stop){ 1, EXP_STOP_EXIT_TRIPLE, EXP_STOP_WHY_TRIPLE,
						RT_STOP_RIP(rootstopall_ud2) },
			  "ap-triple-fault-stops-all", "none",
			  "the first AP triple-faults (IDT limit 0, UD2) while the BSP runs: the "
			  "hypervisor stops the root on every PP before its report (stopped on N "
			  "of N PPs)");
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	delay(QUIET_TICKS);
	for (uint32_t i = 0; i < TICKS; i++) {
		rt_log("bsp still running %u after the AP's triple fault", i);
		delay(QUIET_TICKS / TICKS);
	}
	check_tok("bsp-ran-on", "none", "root-stopped", "ran-on", false,
		  "the BSP's root ran on after its AP's triple fault: the root was not stopped on "
		  "every PP");
	report_end();
}
