/*
 * mvsim's Unicorn backend: the per-VM and per-VPS state behind hv/arch.h on
 * Unicorn 2.0.1 engines, and the interfaces between this folder's files.
 * Every file implements one job:
 *
 *   emu.c        sim/emu.h for Unicorn: set-up, guest code bytes, CPU mode
 *   slpt.c       per-VM second-level map and its sync into an engine
 *   vcpu.c       one Unicorn engine per VPS: hooks and arch_vps_run
 *   intercept.c  the guest-VM intercepts taken before an instruction runs
 *   events.c     arch_vps_inject's queue, exception error codes, delivery
 *   inject.c     event delivery through the guest IDT
 *   regs.c       arch_vps_get_reg / arch_vps_set_reg
 *   msr_fpu.c    per-VPS MSRs and the FXSAVE image
 *   loader.c     the entry-state loader (mode switch trampoline)
 *   excfix.c     resets QEMU's exception-in-flight state
 *   ctxseg.c     writes a segment's hidden part (real mode)
 *   lapic_mmio.c the local APIC's page in an engine: reads reach the device
 *
 * The host part's services (system memory, platform devices, budget,
 * diagnostics, the CPU model) are in ../sim.h.
 */
#ifndef MVSIM_UCSIM_H
#define MVSIM_UCSIM_H

#include <stdatomic.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "../emu.h"
#include "../sim.h"
#include "../x86_decode.h"

#define EFER_LMA (1ull << 10)
#define RFLAGS_IF (1ull << 9)

/* ---- slpt.c, slpt_sync.c ------------------------------------------------------ */

/* One leaf of a VM's table: the 512 pages of a 2 MiB chunk of GPA space. */
#define SLPT_LEAF_BITS 9
#define SLPT_LEAF_PAGES (1u << SLPT_LEAF_BITS)
#define SLPT_PRESENT 1ull /* in spa[]: the page is mapped (spa is page aligned) */

struct slpt_leaf {
	uint64_t chunk;   /* gfn >> SLPT_LEAF_BITS */
	uint64_t gen;     /* the VM generation of its last change */
	size_t slot;      /* index in arch_vm.leaves (and in arch_vps.leaf_gen) */
	uint64_t spa[SLPT_LEAF_PAGES];   /* spa | SLPT_PRESENT; 0 = not mapped */
	uint64_t flags[SLPT_LEAF_PAGES]; /* meaningful only where spa[i] is set */
};

/* poolpages.c: the hypervisor pool pages a VM / VPS holds on the x86
 * backends, taken and given back all or nothing (E-68). */
#define POOLPAGES_VM 2
#define POOLPAGES_VPS_MAX 3
unsigned poolpages_vps_count(void);
int poolpages_take(uint64_t *pa, unsigned n);
void poolpages_give(uint64_t *pa, unsigned n);

struct arch_vm {
	pthread_mutex_t lock;
	void *root;                 /* radix directory over the chunk number */
	struct slpt_leaf **leaves;  /* every leaf, in creation order */
	struct slpt_leaf *last;     /* the leaf found last (NULL: none) */
	size_t nleaves, capleaves;
	atomic_uint_fast64_t gen;   /* bumped by every map/unmap/flush */
	uint64_t pool[POOLPAGES_VM]; /* the pool pages a VM holds on hardware (poolpages.c) */
};

/* A region mapped into an engine. */
struct slpt_region {
	uint64_t gpa, len, spa;
	uint32_t prot;
};

struct arch_vps;
/* The leaf of chunk `chunk` (gfn >> SLPT_LEAF_BITS), or NULL; v->lock held. */
struct slpt_leaf *slpt_leaf_of(struct arch_vm *v, uint64_t chunk);
/* Bring the engine's memory map up to date with the VM's map. */
int slpt_sync(struct arch_vps *a, struct hv_vm *vm);
/* lapic_mmio.c: the local APIC page at `gpa` of the engine, read-only (a
 * store is a second-level write fault, as the root's map says). */
uc_err lapic_mmio_map(struct arch_vps *a, uint64_t gpa);
/* Does the VM map `gpa`, and with which flags (0 if not mapped)? */
bool slpt_lookup(struct hv_vm *vm, uint64_t gpa, uint64_t *flags);
/* slpt_host() for `gpa` outside the page it remembers. */
const uint8_t *slpt_host_slow(struct arch_vps *a, uint64_t gpa, uint64_t len);
/* Forget the engine's regions (the engine is being closed). */
void slpt_fini(struct arch_vps *a);

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
	uint64_t pool[POOLPAGES_VPS_MAX]; /* the pool pages a VPS holds on hardware */
	/* Engine memory map (sorted by gpa), the VM generation it reflects,
	 * and per leaf slot the leaf generation each chunk was synced at. */
	struct slpt_region *regions;
	size_t nregions, capregions;
	uint64_t synced_gen;
	uint64_t *leaf_gen;
	size_t nleaf_gen;
	uint64_t map_epoch;      /* bumped whenever the engine's map changes */
	bool ran;                /* the engine has run guest code (has translations) */
	/* slpt_host's last page: its GPA, host address and map_epoch. */
	uint64_t host_page, host_page_epoch;
	const uint8_t *host_page_ptr;
	struct icache_entry *icache; /* icache.c, allocated at first use */

	/* Desired entry state not yet loaded into the engine (loader.c). */
	bool entry_dirty;
	uint64_t cr0, cr4, efer;
	struct seg_state seg[SEG_COUNT];
	/* Selector each shadow segment was loaded with (to tell whether the
	 * guest reloaded it since). */

	/* arch_vps_gprs (regs.c): the engine's RAX..R15 the core asked for
	 * since the exit (gprs_loaded, HV_GPR_BIT each), as read (to write back
	 * only what changed) and as the core leaves them; regs_gprs_flush hands
	 * them back before the run. */
	uint32_t gprs_loaded;
	uint64_t gprs[HV_GPR_COUNT], gprs_read[HV_GPR_COUNT];

	/* Events queued by arch_vps_inject. */
	struct hv_event events[SIM_MAX_EVENTS];
	unsigned nevents;

	/* Run state, valid during arch_vps_run. */
	struct hv_exit *exit;
	/* The code hook's reasons to leave its fast path (vcpu.c), tested as
	 * one word. */
	union {
		struct {
			bool exit_set;
			bool in_loader;
			bool irq_now;     /* deliver one now, returning to irq_ret */
			/* External interrupts queued and not yet delivered
			 * (guest IF = 0). */
			bool irq_waiting;
			/* NMIs blocked (from an NMI's delivery to the IRET
			 * that ends its handler): look for that IRET (nmi.c). */
			bool nmi_watch;
			uint8_t hook_slow_pad[3]; /* 0: no padding in hook_slow */
		};
		uint64_t hook_slow;
	};
	bool nmi_blocked;        /* NMIs blocked now (SDM 6.7.1) */
	bool nmi_iret;           /* the instruction before this one was that IRET */
	bool nmi_now;            /* deliver the held NMI before this instruction */
	bool guest;              /* vmid != 0: guest-VM intercepts apply */
	/* Bit n: an n-byte instruction may be one the code hook intercepts
	 * (guests: 1 to X86_DECODE_MAX_LEN bytes; the root: RDMSR/WRMSR
	 * and MOV to/from CRn, 2 to 4).  Set with `guest`. */
	uint32_t check_sizes;
	uint64_t last_rip;       /* RIP of the last instruction started */
	uint64_t csb;            /* CS base in real mode, else 0 (vcpu_real_cs) */
	bool pf_write;           /* the pending #PF was a write (error code bit 1) */
	uint64_t deliver_gpa;    /* inject_deliver failed at this GPA (~0: not so) */
	uint8_t deliver_access;  /* ... with this HV_ACCESS_* */
	uint8_t deliver_fault_vec;  /* inject_deliver's nested fault (INJECT_FAULT) */
	uint32_t deliver_fault_err; /* ... and its error code */
	uint64_t icount;         /* instructions executed in this slice */
	uint64_t clock_icount;   /* ... of which the virtual clock has counted */
	bool root_irq;           /* the root's INTR (../rootirq.c) is up for this run */
	uint64_t slice_limit;
	bool cs_reload;            /* the root wrote CR0: stop, re-read CS (cr.c) */
	uint64_t cs_reload_limit;  /* ... and then the slice_limit it had */
	bool preempted;
	bool stopped_before; /* the code hook stopped the run before last_rip's instruction */
	bool want_window; /* arch_vps_request_window (events.c) for this run */
	bool sti_shadow;         /* the instruction before was STI with IF = 0 */
	/* intercept_irq_window: IF is still 0 (it read IF = 0, and every
	 * instruction since could not set IF).  Per uc_emu_start. */
	bool if0_valid;
	uint64_t irq_ret;
	size_t code_region;      /* regions[] index of the last slpt_host hit */
	atomic_bool *kick;       /* kick_flag() of the PP running this engine */
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
	/* A MOV to/from CR8 cr.c emulated: resume at cr_next. */
	bool cr_done;
	uint64_t cr_next;
	uint64_t cr8; /* the VPS's CR8 (TPR): Unicorn has no local APIC (cr.c) */
	/* IA32_SYSENTER_CS bits 31:16: Unicorn's WRMSR keeps 15:0 (msr_fpu.c). */
	uint16_t sysenter_cs_hi;
};

/*
 * Where the `len` bytes at `gpa` are in system memory, as the engine maps
 * them now: NULL unless they lie in one of its regions (then read them with
 * uc_mem_read, which sees the same map).  The code hook asks for every
 * instruction: the page of the last answer is checked inline first.
 */
static inline const uint8_t *slpt_host(struct arch_vps *a, uint64_t gpa, uint64_t len)
{
	if ((gpa & ~0xFFFull) == a->host_page && a->host_page_ptr &&
	    a->host_page_epoch == a->map_epoch && (gpa & 0xFFF) + len <= 0x1000)
		return a->host_page_ptr + (gpa & 0xFFF);
	return slpt_host_slow(a, gpa, len);
}

/* ---- regs.c ---------------------------------------------------------------- */

uint64_t regs_read(uc_engine *uc, int reg);
/* arch_vps_gprs of the VPS `a` is; regs_gpr_get / regs_gpr_set: one of RAX..R15
 * as arch_vps_get_reg / set_reg see it (the array's entry while it is handed
 * out, else the engine's). */
uint64_t *regs_gprs(struct arch_vps *a, uint32_t use);
uint64_t regs_gpr_get(struct arch_vps *a, enum bf_reg_t reg);
void regs_gpr_set(struct arch_vps *a, enum bf_reg_t reg, uint64_t val);
/* The registers arch_vps_gprs handed out back into the engine (the ones that
 * changed); at the start of every run, before anything reads the engine's. */
void regs_gprs_flush(struct arch_vps *a);
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

/* ---- msr_fpu.c ------------------------------------------------------------ */

/* A VPS's RDMSR/WRMSR (`write`) of IA32_SYSENTER_CS at `addr`, before it
 * executes: true when it was emulated (resume at cr_next). */
bool msr_sysenter_cs_insn(struct arch_vps *a, uint64_t addr, uint32_t size, bool write);

/* ---- inject.c -------------------------------------------------------------- */

/*
 * Deliver `vector` through the guest IDT as the CPU would.  `rip` is the
 * return address pushed; `ext`: an external event or a hardware exception
 * (not INT n/INT3/INTO), the EXT bit of a nested fault's error code.
 * Returns 0; INJECT_FAULT when the gate's code segment makes the processor
 * raise a nested fault (a->deliver_fault_vec/err; the caller delivers it);
 * or -1 (with a reason) when delivery is impossible: the caller reports a
 * triple fault.
 */
#define INJECT_FAULT 1
int inject_deliver(struct arch_vps *a, uint8_t vector, bool has_error, uint32_t error,
		   uint64_t rip, bool ext, const char **why);
/* Does this exception vector push an error code? */
bool inject_vector_has_error(uint8_t vector);

/* ---- excfix.c ------------------------------------------------------------- */

/* Both calibrations run on one scratch engine (emu_init): ctxseg's first,
 * with no exception taken yet; each maps its own pages. */
void excfix_calibrate(uc_engine *uc);
bool excfix_available(void);
/* Forget the exception in flight (call after delivering one by hand). */
void excfix_reset(uc_engine *uc);
/* Copy len bytes of the engine's uc_context blob to out. */
int excfix_snapshot(uc_engine *uc, uint8_t *out, size_t len);

/* ---- ctxseg.c ------------------------------------------------------------- */

void ctxseg_calibrate(uc_engine *uc);
bool ctxseg_available(void);
/* The whole segment register (selector and hidden part) of the engine. */
int ctxseg_write(uc_engine *uc, enum seg_idx s, const struct seg_state *st);
int ctxseg_read(uc_engine *uc, enum seg_idx s, struct seg_state *st);

/* ---- nmi.c ------------------------------------------------------------------ */

/* The code hook's step while NMIs are blocked, before the instruction at
 * `addr` (linear): true when it must stop there to deliver the held NMI. */
bool nmi_watch_step(struct arch_vps *a, uint64_t addr);
/* The index of a queued NMI that may be delivered now, or -1. */
int nmi_deliverable(const struct arch_vps *a);

/* ---- vcpu.c ---------------------------------------------------------------- */

bool vcpu_real_cs(struct arch_vps *a, struct seg_state *cs);
/* The instructions of this run so far, into the virtual clock (inline:
 * lapic_mmio.c's read needs it too). */
static inline void vcpu_clock_sync(struct arch_vps *a)
{
	vclock_add_insns(a->icount - a->clock_icount);
	a->clock_icount = a->icount;
}
/* Set the run's exit (the first one set wins).  Inline: the code hook
 * (vcpu.c) and the intercepts it asks (intercept.c) both set it. */
static inline void vcpu_set_exit(struct arch_vps *a, enum hv_exit_type t, uint64_t rip)
{
	if (a->exit_set)
		return;
	a->exit->type = t;
	a->exit->rip = rip;
	a->exit_set = true;
}
/* kick.c: this PP's pending-kick flag (arch_pp_kick sets it); read by the
 * code hook of the engine running on this PP. */
atomic_bool *kick_flag(void);
/* True once per arch_pp_kick of the PP whose flag this is (the code hook
 * ends the run); a plain load while no kick is pending. */
static inline bool kick_take(atomic_bool *flag)
{
	return atomic_load_explicit(flag, memory_order_relaxed) && atomic_exchange(flag, false);
}

/* ---- icache.c ------------------------------------------------------------- */

#define ICACHE_ENTRIES 2048 /* direct-mapped, per VPS */

struct icache_entry {
	uint64_t rip;
	uint64_t epoch;
	const uint8_t *host; /* NULL: empty */
	uint64_t word;       /* the bytes, zero-padded to 8 */
	uint64_t mask;       /* covers the instruction's bytes in `word` */
	uint8_t size;
	uint8_t cls;
};

static inline struct icache_entry *icache_slot(const struct arch_vps *a, uint64_t addr)
{
	return &a->icache[(addr ^ (addr >> 11)) & (ICACHE_ENTRIES - 1)];
}

/*
 * The code hook's fast path, run before most instructions: true when the
 * cache holds the `size`-byte instruction at `addr` as X86_INSN_OTHER (no
 * intercept), made under the engine's current map, and the bytes in memory
 * are still the bytes decoded.  False says nothing: ask icache_class.
 */
static inline bool icache_plain(const struct arch_vps *a, uint64_t addr, uint32_t size)
{
	if (!a->icache)
		return false;
	const struct icache_entry *e = icache_slot(a, addr);
	if (e->rip != addr || e->size != size || e->cls != X86_INSN_OTHER || !e->host ||
	    e->epoch != a->map_epoch)
		return false;
	uint64_t now = 0;
	memcpy(&now, e->host, sizeof(now)); /* 8 bytes readable: icache_class */
	return (now & e->mask) == e->word;
}

/*
 * The x86_decode class of the `size`-byte instruction at `addr`, from the
 * per-RIP cache when the bytes there are the ones it was decoded from (and
 * the engine's map has not changed since).  Unless it is X86_INSN_OTHER,
 * the bytes are in `bytes`.  Unreadable bytes: X86_INSN_OTHER.
 */
enum x86_insn_class icache_class(struct arch_vps *a, uint64_t addr, uint32_t size,
				 uint8_t bytes[X86_DECODE_MAX_LEN]);
void icache_fini(struct arch_vps *a);

/* ---- intercept.c ----------------------------------------------------------- */

/*
 * The guest-VM intercepts, before the instruction of `size` bytes at `addr`
 * executes.  Returns true when it set an exit (or an interrupt delivery):
 * stop there.
 */
bool intercept_guest(struct arch_vps *a, uint64_t addr, uint32_t size);
/* The root VM's RDMSR/WRMSR that its MSR policy does not pass (an exit),
 * and its MOV to/from CR4 and CR8 that cr.c decides. */
bool intercept_root(struct arch_vps *a, uint64_t addr, uint32_t size);
/* External interrupts wait for RFLAGS.IF = 1 and the STI shadow.  Returns
 * true to stop before `addr` and deliver one (irq_now). */
bool intercept_irq_window(struct arch_vps *a, uint64_t addr, uint32_t size);

/* ---- cr.c ------------------------------------------------------------------ */

/*
 * The decoded MOV to/from CRn `d` at `addr`, before it executes: true when
 * mvsim takes it (a #GP(0) pending in exc_*, or a CR8 access done: cr_done),
 * so stop there; false: Unicorn executes it.
 */
bool cr_intercept(struct arch_vps *a, uint64_t addr, const struct x86_insn *d);

/* ---- events.c -------------------------------------------------------------- */

void events_drop(struct arch_vps *a, unsigned i);
/* Index of the first queued external interrupt, or -1. */
int events_next_irq(const struct arch_vps *a);
/* The error code pushed for an exception Unicorn raised. */
uint32_t events_error_code(struct arch_vps *a, uint8_t vector);

/* walk.c: the guest's page walk for a linear address. */
enum walk_result { WALK_MAPPED, WALK_NOT_PRESENT, WALK_TABLE };
enum walk_result walk_guest(uc_engine *uc, uint64_t va, uint64_t *gpa);
/* Deliver one event; on failure fill a triple-fault exit and return false. */
bool events_deliver(struct arch_vps *a, struct hv_exit *exit, uint8_t vector, bool has_error,
		    uint32_t error, uint64_t ret_rip, uint64_t fault_rip);

#endif /* MVSIM_UCSIM_H */
