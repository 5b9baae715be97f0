/*
 * The simulated machine's global state and the host services of hv/arch/arch.h
 * that do not depend on a VPS: configuration, system memory, the PP id of
 * the calling thread, arch_spa_to_hva (arch_halt, which ends the machine,
 * is platform.c's: it flushes the console first).  Kept apart from main.c
 * (the CLI) so that tests can link the whole arch layer with their own main.
 */
#include "sim.h"

struct sim_config g_cfg = {
	.vendor = SIM_INTEL, .cpus = 1, .mem_mib = 128, .timeout_ms = 10000,
	.max_exits = 10000000, .slice_insns = SIM_GUEST_SLICE_INSNS, .trace = false,
	.cmdline = "",
};
uint8_t *g_mem;
uint64_t g_mem_size;

static __thread uint16_t tls_ppid;

void machine_set_pp_id(uint16_t ppid)
{
	tls_ppid = ppid;
}

uint16_t arch_pp_id(void)
{
	return tls_ppid;
}

void *arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (spa >= g_mem_size || len > g_mem_size - spa)
		return NULL;
	return g_mem + spa;
}
