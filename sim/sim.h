/*
 * mvsim internals: the simulator's global state and the interfaces between
 * its files.  Every file implements one job:
 *
 *   main.c          CLI, system memory, boot info, PP threads, exit status
 *   machine.c       configuration, system memory, PP id, arch_spa_to_hva,
 *                   arch_halt
 *   platform.c      root-VM platform devices (COM1, isa-debug-exit), console,
 *                   run budget, stop flags
 *   slpt.c          per-VM second-level map and its sync into an engine
 *   vcpu.c          one Unicorn engine per VPS: hooks and arch_vps_run
 *   regs.c          arch_vps_get_reg / arch_vps_set_reg
 *   loader.c        the entry-state loader (mode switch trampoline)
 *   inject.c        event delivery through the guest IDT
 *   cpuid_models.c  arch_cpuid_native: the Intel and AMD models
 *   diag.c          capstone disassembly and diagnostics
 */
#ifndef MVSIM_SIM_H
#define MVSIM_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <unicorn/unicorn.h>

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

#define SIM_EXIT_CRASH 125

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
void sim_set_pp_id(uint16_t ppid);

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

enum sim_stop sim_stop_reason(void);
void sim_request_stop(enum sim_stop why);
int sim_debug_exit_code(void);
/* Count one exit; returns false (and requests SIM_STOP_BUDGET) when the
 * budget is spent. */
bool sim_budget_ok(void);
uint64_t sim_elapsed_ms(void);
uint64_t sim_exit_count(void);
const char *sim_budget_why(void);

/* ---- slpt.c ---------------------------------------------------------------- */

struct slpt_entry {
	uint64_t gfn;
	uint64_t spa;
	uint64_t flags;
};

struct arch_vm {
	pthread_mutex_t lock;
	struct slpt_entry *e; /* sorted by gfn */
	size_t n, cap;
	atomic_uint_fast64_t gen; /* bumped by every map/unmap */
};

/* A region mapped into an engine. */
struct slpt_region {
	uint64_t gpa, len, spa;
	uint32_t prot;
};

struct arch_vps;
/* Bring the engine's memory map up to date with the VM's map. */
int slpt_sync(struct arch_vps *a, struct hv_vm *vm);
/* Does the VM map `gpa`, and with which flags (0 if not mapped)? */
bool slpt_lookup(struct hv_vm *vm, uint64_t gpa, uint64_t *flags);

/* ---- vcpu.c ---------------------------------------------------------------- */

enum seg_idx { SEG_CS = 0, SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS, SEG_COUNT };

struct seg_state {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t attrib; /* VMX access-rights layout, bit 16 = unusable */
};

#define SIM_MAX_EVENTS 8

struct arch_vps {
	struct hv_vps *vps;
	uc_engine *uc;
	/* Engine memory map and the VM generation it reflects. */
	struct slpt_region *regions;
	size_t nregions, capregions;
	uint64_t synced_gen;
	bool synced_once;

	/* Desired entry state not yet loaded into the engine (loader.c). */
	bool entry_dirty;
	uint64_t cr0, cr4, efer;
	struct seg_state seg[SEG_COUNT];
	/* Selector each shadow segment was loaded with (to tell whether the
	 * guest reloaded it since). */

	/* Events queued by arch_vps_inject. */
	struct hv_event events[SIM_MAX_EVENTS];
	unsigned nevents;

	/* Run state, valid during arch_vps_run. */
	struct hv_exit *exit;
	bool exit_set;
	bool in_loader;
	bool guest;              /* vmid != 0: guest-VM intercepts apply */
	uint64_t last_rip;       /* address of the last instruction started */
	uint64_t icount;         /* instructions executed in this slice */
	uint64_t slice_limit;
	bool preempted;
	/* External interrupts queued and not yet delivered (guest IF = 0). */
	bool irq_waiting;
	bool sti_shadow;         /* the instruction before was STI with IF = 0 */
	bool irq_now;            /* deliver one now, returning to irq_ret */
	uint64_t irq_ret;
	size_t code_region;      /* regions[] index of the last code fetch */
	/* Guest port I/O intercept: registers to restore. */
	bool io_restore;
	uint64_t io_saved[4]; /* rax rcx rsi rdi */
	bool invalid_handled;
	/* An exception Unicorn raised, to deliver by hand. */
	bool exc_pending;
	uint8_t exc_vector;
	uint64_t exc_rip;
	bool exc_soft;      /* INT n / INT3: return address after the insn */
	uint64_t exc_next;
};

void vcpu_trace_event(struct arch_vps *a, const char *what, uint64_t rip);

/* ---- regs.c ---------------------------------------------------------------- */

uint64_t regs_read(uc_engine *uc, int reg);
void regs_write(uc_engine *uc, int reg, uint64_t v);
uint64_t regs_efer(uc_engine *uc);
/* Hidden state of a segment as the engine has it now. */
void regs_seg_now(struct arch_vps *a, enum seg_idx s, struct seg_state *out);
/* Decode an 8-byte descriptor into the VMX access-rights layout. */
void regs_decode_desc(uint64_t d, struct seg_state *out);

/* ---- loader.c -------------------------------------------------------------- */

/* Load the desired CR0/CR4/EFER/segment state (a->cr0 ...) into the engine.
 * Returns 0, or -1 with a reason in *why. */
int loader_apply(struct arch_vps *a, const char **why);

/* ---- inject.c -------------------------------------------------------------- */

/*
 * Deliver `vector` through the guest IDT as the CPU would.  `rip` is the
 * return address pushed.  Returns 0, or -1 (with a reason) when delivery is
 * impossible: the caller reports a triple fault.
 */
int inject_deliver(struct arch_vps *a, uint8_t vector, bool has_error, uint32_t error,
		   uint64_t rip, bool clear_if_always, const char **why);
/* Does this exception vector push an error code? */
bool inject_vector_has_error(uint8_t vector);

/* ---- excfix.c ------------------------------------------------------------- */

void excfix_calibrate(void);
bool excfix_available(void);
/* Forget the exception in flight (call after delivering one by hand). */
void excfix_reset(uc_engine *uc);

/* ---- diag.c ---------------------------------------------------------------- */

void diag_init(void);
/* Disassemble the instruction at guest address `rip` into buf; returns its
 * length (0 if unreadable or undecodable, buf then says why). */
unsigned diag_disasm(uc_engine *uc, uint64_t rip, bool long_mode, char *buf, size_t len);
/* Per-PP record of the last exit, for the final diagnosis. */
void diag_record_exit(uint16_t ppid, struct arch_vps *a, const struct hv_exit *e);
void diag_print_last(uint16_t ppid, const char *what);
void diag_print_current(const char *what);

/* ---- cpu identity ----------------------------------------------------------- */

uint8_t sim_hypercall_modrm(void); /* 0xC1 (VMCALL) or 0xD9 (VMMCALL) */

#endif /* MVSIM_SIM_H */
