/*
 * Boot timing: the TSC at each step of the BSP's boot (boottime_mark),
 * logged as one line just before the root OS runs (boottime_log):
 * "[hv] boot: TSC ms at entry 101.2, tsc 107.9, ...".  QEMU and Bochs start
 * the TSC at 0 at reset, so the first figure is the firmware and the
 * multiboot load, the others the hypervisor's own steps (docs/performance.md
 * "Boot" reads them).  A few rdtsc and one console line: always on.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define MAX_MARKS 12

static struct {
	const char *what;
	uint64_t tsc;
} marks[MAX_MARKS];
static unsigned n_marks;

void boottime_mark(const char *what)
{
	if (n_marks < MAX_MARKS)
		marks[n_marks++] = (typeof(marks[0])){ what, rdtsc() };
}

void boottime_log(void)
{
	uint64_t khz = arch_tsc_khz();
	char line[256];
	int len = 0;

	if (!khz)
		return;
	for (unsigned i = 0; i < n_marks && len < (int)sizeof(line); i++) {
		uint64_t us = marks[i].tsc * 1000 / khz;
		len += hv_snprintf(line + len, sizeof(line) - (size_t)len, "%s%s %llu.%llu",
				   i ? ", " : "", marks[i].what, (unsigned long long)(us / 1000),
				   (unsigned long long)(us % 1000 / 100));
	}
	hv_log("boot: TSC ms at %s", line);
}
