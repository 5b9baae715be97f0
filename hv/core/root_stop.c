/*
 * The root VM's death stops the whole machine, as a triple fault or a
 * shutdown stops a real one (docs/spec-errata.md E-66).  Under QEMU the
 * platform's isa-debug-exit ended the run and mvsim ended its process, but
 * on hardware without such a device the other PPs ran the dead root on.
 *
 * The PP where the root died raises the machine-wide flag and kicks every
 * other PP (arch_pp_kick: an NMI makes a root VPS exit, the hypervisor's IPI
 * ends a guest's run), again every millisecond, until each has stopped its
 * root (at most ROOT_STOP_WAIT_MS: a PP that never answers is reported).
 * Every PP checks the flag before each entry (core_pp_run) and stops there
 * for good.  A parked PP (not online: its root VP waits for a SIPI) runs no
 * root VP and counts as stopped; it stops at its next core_pp_run, and one
 * that took a SIPI meanwhile sees the flag before its first entry.  Only then does the
 * dying PP print its report, so no output of the root can follow it.
 *
 * The boot option microv.stop_delay_ms=N in the root's command line keeps
 * the machine N ms (at most ROOT_STOP_DELAY_MAX_MS) after the report before
 * the platform ends the run: without a debug-exit device, as on hardware,
 * the machine would stay so for good, and the delay lets a test (probe
 * rootstopall) see that nothing of the root runs on.  The delay taken is
 * logged at boot ("boot: root stop delay N ms", 0 without the option), so
 * its parsing is seen on every backend (probe bootplat, check
 * stop-delay-logged).
 */
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/pp.h>
#include <hv/root_stop.h>
#include <hv/string.h>

#define ROOT_STOP_WAIT_MS 1000u
#define ROOT_STOP_DELAY_MAX_MS 10000u
#define DELAY_OPTION "microv.stop_delay_ms="

static uint32_t root_dead;
static uint8_t pp_stopped[HV_MAX_PPS];
static uint32_t stop_delay_ms;

void root_stop_configure(const char *cmdline)
{
	const size_t n = sizeof(DELAY_OPTION) - 1;

	stop_delay_ms = 0;
	for (const char *p = cmdline; p && *p; p++) {
		if ((p != cmdline && p[-1] != ' ') || hv_strlen(p) < n || hv_memcmp(p, DELAY_OPTION, n))
			continue;
		uint32_t v = 0;
		for (p += n; *p >= '0' && *p <= '9'; p++)
			if (v < ROOT_STOP_DELAY_MAX_MS)
				v = v * 10u + (uint32_t)(*p - '0');
		stop_delay_ms = v > ROOT_STOP_DELAY_MAX_MS ? ROOT_STOP_DELAY_MAX_MS : v;
		break;
	}
	hv_log("boot: root stop delay %u ms", stop_delay_ms);
}

bool root_stop_pending(void)
{
	return __atomic_load_n(&root_dead, __ATOMIC_ACQUIRE) != 0;
}

enum hv_stop_reason root_stop_join(struct hv_pp *pp)
{
	pp->stop = HV_STOP_ROOT_ELSEWHERE;
	__atomic_store_n(&pp_stopped[pp->id], 1, __ATOMIC_SEQ_CST);
	return pp->stop;
}

bool root_stop_machine(struct hv_pp *pp, uint16_t *stopped, uint16_t *pps)
{
	uint16_t n = pp_count();

	pp->stop = HV_STOP_ROOT_DEAD;
	__atomic_store_n(&pp_stopped[pp->id], 1, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&root_dead, 1, __ATOMIC_SEQ_CST)) {
		pp->stop = HV_STOP_ROOT_ELSEWHERE; /* the first PP reports */
		return false;
	}
	uint64_t ms = arch_tsc_khz(), start = arch_tsc_now(), last = 0;
	uint16_t count;
	for (bool first = true;; first = false) {
		uint64_t now = arch_tsc_now();
		bool rekick = first || now - last >= ms;
		if (rekick)
			last = now;
		count = 0;
		for (uint16_t i = 0; i < n; i++) {
			/* A parked PP runs no root VP, and none can start it now:
			 * core_pp_run checks the flag after taking a SIPI. */
			if (__atomic_load_n(&pp_stopped[i], __ATOMIC_SEQ_CST) ||
			    !__atomic_load_n(&pp_get(i)->online, __ATOMIC_SEQ_CST))
				count++;
			else if (rekick)
				arch_pp_kick(i);
		}
		if (count == n || now - start >= ROOT_STOP_WAIT_MS * ms)
			break;
	}
	*stopped = count;
	*pps = n;
	return true;
}

void root_stop_linger(void)
{
	uint64_t end = arch_tsc_now() + (uint64_t)stop_delay_ms * arch_tsc_khz();

	while (stop_delay_ms && arch_tsc_now() < end)
		;
}
