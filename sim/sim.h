/*
 * mvsim's host part: the emulator-neutral simulated machine, and the
 * services it offers an emulator backend (sim/unicorn/ is the one there is).
 * Every file implements one job:
 *
 *   main.c          CLI, system memory, boot info and multiboot modules, PP
 *                   threads, exit status
 *   machine.c       configuration, system memory, PP id, arch_spa_to_hva,
 *                   arch_halt
 *   platform.c      root-VM platform devices (COM1, isa-debug-exit), console,
 *                   run budget, stop flags
 *   cpuid_models.c  arch_cpuid_native and arch_tsc_khz: the Intel and AMD
 *                   models, the vendor's hypercall instruction
 *   diag.c          capstone disassembly, --trace lines, the final diagnosis
 *   x86_decode.c    the guest-VM intercepts' instruction decoder
 *                   (x86_decode.h)
 *
 * What the host part needs from an emulator is sim/emu.h; an emulator
 * backend implements that and the rest of hv/arch.h (sim/README.md).
 */
#ifndef MVSIM_SIM_H
#define MVSIM_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/arch/exit.h>

enum sim_vendor { SIM_INTEL = 0, SIM_AMD = 1 };

/*
 * The time slice of a guest VP: after this many guest instructions in one
 * arch_vps_run the VPS exits with HV_EXIT_PREEMPT (mv_vp_exit_t_external_
 * interrupt).  Counted, not timed, so runs are deterministic.  --slice-insns
 * overrides it.  The root VM's slice (only there so that the run budget is
 * checked) is SIM_ROOT_SLICE_INSNS.
 */
#define SIM_GUEST_SLICE_INSNS 100000u
#define SIM_ROOT_SLICE_INSNS 2000000u

/* Exit statuses of the backend's own (abi/mv-abi.toml [[exit_code]], source
 * "backend"): the hypervisor stopped the root VM; the hypervisor failed (a
 * panic, or it could not boot the root: the same 126 as run-hv-qemu). */
#define SIM_EXIT_ROOT_STOPPED 125
#define SIM_EXIT_HV_FAILED 126

struct sim_config {
	enum sim_vendor vendor;
	unsigned cpus;
	uint64_t mem_mib;
	uint64_t timeout_ms;
	uint64_t max_exits;
	uint64_t slice_insns; /* guest VMs' time slice in instructions */
	bool trace;
	const char *cmdline;
};

/* ---- machine.c ------------------------------------------------------------- */

extern struct sim_config g_cfg;
extern uint8_t *g_mem;      /* system memory: SPA 0 .. g_mem_size */
extern uint64_t g_mem_size;
void machine_set_pp_id(uint16_t ppid);

/* ---- platform.c --------------------------------------------------------- */

/* Why the whole machine stops (first reason wins). */
enum sim_stop {
	SIM_STOP_NONE = 0,
	SIM_STOP_DEBUG_EXIT, /* the guest wrote port 0xF4 */
	SIM_STOP_BUDGET,     /* --timeout-ms or --max-exits exceeded */
};

void platform_init(void);
/* Port I/O of the root VM.  Returns true if the run must stop (0xF4). */
uint32_t platform_io_in(uint16_t port, int size);
bool platform_io_out(uint16_t port, int size, uint32_t value);
void platform_flush(void);

enum sim_stop platform_stop_reason(void);
void platform_request_stop(enum sim_stop why);
int platform_debug_exit_code(void);
/* Count one exit; returns false (and requests SIM_STOP_BUDGET) when the
 * budget is spent. */
bool platform_budget_ok(void);
const char *platform_budget_why(void);

/* ---- diag.c ---------------------------------------------------------------- */

void diag_init(void);
/* Disassemble the `n` code bytes at `code` (the instruction at guest address
 * `rip`) into buf; returns its length (0 if n is 0 or the bytes do not
 * decode, buf then says why). */
unsigned diag_disasm(const uint8_t *code, size_t n, uint64_t rip, bool long_mode, char *buf,
		     size_t len);
/* The same for the instruction at `rip` in the VPS's guest (emu.h). */
unsigned diag_disasm_guest(struct hv_vps *vps, uint64_t rip, char *buf, size_t len);
/* --trace: one "mvsim: trace ..." line on stderr for an event at `rip`. */
void diag_trace(struct hv_vps *vps, const char *what, uint64_t rip);
/* Per-PP record of the last exit, for the final diagnosis. */
void diag_record_exit(uint16_t ppid, struct hv_vps *vps, const struct hv_exit *e);
void diag_print_last(uint16_t ppid, const char *what);
void diag_print_current(const char *what);

/* ---- cpuid_models.c ---------------------------------------------------------- */

uint8_t cpuid_models_hypercall_modrm(void); /* 0xC1 (VMCALL) or 0xD9 (VMMCALL) */

#endif /* MVSIM_SIM_H */
