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
 *   rootirq.c       the root's interrupt lines: each PP's local APIC, and
 *                   PIT IRQ0 -> 8259 -> LINT0 (ExtINT) of PP 0
 *   pit.c, pic.c    the 8254 timer (and port 0x61), the 8259 pair
 *   lapic.c         the local APIC half of hv/arch.h (to lapic_dev.c)
 *   lapic_dev.c     the xAPIC device of each PP
 *   vclock.c        virtual time, from executed instructions
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
/* Port I/O of the root VM.  An OUT returns what the run must do next. */
enum platform_out {
	PLATFORM_OUT_DONE = 0,
	PLATFORM_OUT_STOP, /* 0xF4: the machine stops */
	PLATFORM_OUT_IRQ,  /* the interrupt line may have changed (rootirq.c) */
};
uint32_t platform_io_in(uint16_t port, int size);
enum platform_out platform_io_out(uint16_t port, int size, uint32_t value);
void platform_flush(void);

enum sim_stop platform_stop_reason(void);
void platform_request_stop(enum sim_stop why);
int platform_debug_exit_code(void);
/* Count one exit; returns false (and requests SIM_STOP_BUDGET) when the
 * budget is spent. */
bool platform_budget_ok(void);
const char *platform_budget_why(void);

/* ---- vclock.c, pit.c, pic.c, rootirq.c: the root's interrupt source ---------
 * (sim/README.md "Root interrupts").  Virtual time: SIM_NS_PER_INSN per
 * executed instruction, plus what halted root VPs skip. */
#define SIM_NS_PER_INSN 1u
#define PIT_HZ 1193182u

void vclock_add_insns(uint64_t n);
uint64_t vclock_ns(void);
void vclock_skip_to(uint64_t ns); /* a halted root VP: time jumps to `ns` */

/* pit.c at PIT tick `t` (rootirq.c's lock held).  pit_out returns whether
 * channel 0's programming changed. */
uint8_t pit_in(uint16_t port, uint64_t t);
bool pit_out(uint16_t port, uint8_t v, uint64_t t);
/* The first rising edge of channel 0's OUT (IRQ0) at a tick > after, or ~0. */
uint64_t pit_irq0_edge_after(uint64_t after);

/* pic.c (rootirq.c's lock held). */
uint8_t pic_in(uint16_t port);
void pic_out(uint16_t port, uint8_t v);
void pic_edge(unsigned irq);
bool pic_masked(unsigned irq);
int pic_pending(void); /* the vector INTA would give now, or -1: INTR low */
int pic_ack(void);     /* INTA */

/* lapic_dev.c: PP `pp`'s xAPIC (rootirq.c's lock held; `now`: vclock ns). */
#define SIM_LAPIC_BASE 0xFEE00000ull /* IA32_APIC_BASE's page on every PP */
uint32_t lapic_dev_read(uint16_t pp, uint32_t off, uint64_t now);
void lapic_dev_write(uint16_t pp, uint32_t off, uint32_t v, uint64_t now);
void lapic_dev_catch_up(uint16_t pp, uint64_t now); /* timer expiries up to now */
uint64_t lapic_dev_next_event(uint16_t pp);         /* the timer's next expiry, or ~0 */
int lapic_dev_pending(uint16_t pp);  /* the vector it would deliver now, or -1 */
int lapic_dev_ack(uint16_t pp);      /* that vector: IRR -> ISR */
bool lapic_dev_extint(uint16_t pp);  /* LINT0 takes the 8259's INTR (ExtINT) */

/* rootirq.c: what the emulator backend asks about the root VP on PP `pp`. */
bool rootirq_port(uint16_t port);
uint8_t rootirq_io_in(uint16_t port);
/* Returns whether the interrupt line may have changed (not a latch). */
bool rootirq_io_out(uint16_t port, uint8_t v);
bool rootirq_pending(uint16_t pp);         /* INTR is up for its root VP */
int rootirq_ack(uint16_t pp);              /* INTA: the vector, or -1 */
uint64_t rootirq_insns_to_edge(uint16_t pp); /* until the next IRQ0 edge; UINT64_MAX: none */
/* HLT with IF=1: skip the clock to the edge that raises INTR; false when
 * nothing the platform has armed ever will. */
bool rootirq_halt(uint16_t pp);
/* The root's access to a register of PP `pp`'s local APIC (lapic.c, and the
 * emulator's read of the APIC page). */
uint32_t rootirq_lapic_read(uint16_t pp, uint32_t off);
void rootirq_lapic_write(uint16_t pp, uint32_t off, uint32_t v);

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
