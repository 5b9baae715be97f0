/*
 * One Unicorn engine per VPS, its hooks, and arch_vps_run.
 *
 * Every engine has a UC_HOOK_CODE hook on all addresses.  Measured on
 * Debian's Unicorn 2.0.1: it runs before each instruction with the exact
 * RIP, and uc_emu_stop() called in it stops *before* that instruction (RIP
 * stays at it, the instruction does not execute; also when its translated
 * block is reused).  In the CPUID/IN/OUT hooks, which run inside the
 * instruction, RIP is exact only because the code hook exists.  So the code
 * hook does:
 *   - the time slice: a VPS runs at most slice_limit instructions per
 *     arch_vps_run, then stops before the next one (HV_EXIT_PREEMPT);
 *   - invalid opcodes (the vendor's hypercall instruction, #UD);
 *   - for guest VMs (vmid != 0) only, the intercepts of docs/exit-reasons.md,
 *     taken before the instruction executes (intercept.c);
 *   - for the root VM, its RDMSR/WRMSR that its MSR policy does not pass
 *     (intercept.c, hv/core/msr_root.c);
 *   - for both, MOV to/from CR8 (kept per VPS) and the root's MOV to CR4 of
 *     a bit its CPU model lacks (#GP(0)) (cr.c);
 *   - delivery of queued external interrupts, and of the root's own
 *     (../rootirq.c: PIT IRQ0 through the 8259), when the VPS has IF = 1
 *     (intercept.c decides, events.c delivers).
 * The executed instructions drive the virtual clock (../vclock.c); a root
 * run ends at the next timer edge, and a root HLT with IF = 1 completes
 * when the clock reaches the interrupt that wakes it.
 * The root VM owns the machine: none of the guest intercepts apply to it
 * (its MSR policy aside).
 * The other hooks turn CPUID, the root VM's port I/O (the platform devices
 * of ../platform.c), exceptions and faulting memory accesses into exits or
 * events; arch_vps_run runs the engine until one of them ends the run.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microv/mv_abi.h>

#include "ucsim.h"

#define NEVER_ADDR 0xDEAD0000DEAD0000ull

static void invalid_insn(struct arch_vps *a, uint64_t rip);

/* Unicorn's hooks give linear addresses; RIP is the offset in CS.  Outside
 * real mode mvsim's guests have CS base 0 (64-bit mode, flat 32-bit code);
 * in real mode CS (base, limit) is read once per uc_emu_start (a far jump,
 * IRET or interrupt inside one run changes it unseen: its exits' RIPs would
 * be off).  True in real mode, with *cs set. */
bool vcpu_real_cs(struct arch_vps *a, struct seg_state *cs)
{
	if (regs_read(a->uc, UC_X86_REG_CR0) & 1)
		return false;
	return ctxseg_read(a->uc, SEG_CS, cs) == 0;
}

/* `rip`, taken with the CS base of the run's start (a->csb), as the offset
 * in CS as it is now: a far jump or return inside the run into a segment
 * with a base (outside 64-bit mode) leaves a->csb stale, and the
 * hypervisor fetches a trapped store at CS.base + RIP (mmio_store.c). */
static uint64_t vcpu_rip_now(struct arch_vps *a, uint64_t rip)
{
	struct seg_state cs;

	regs_seg_now(a, SEG_CS, &cs);
	if ((regs_efer(a->uc) & EFER_LMA) && (cs.attrib & (1u << 13)))
		return rip + a->csb; /* 64-bit mode: the base is 0 */
	return (rip + a->csb - cs.base) & 0xFFFFFFFFull;
}

static __attribute__((noinline)) void hook_code_slow(uc_engine *uc, uint64_t addr, uint32_t size,
						   struct arch_vps *a)
{
	if (a->in_loader)
		return;
	a->last_rip = addr - a->csb; /* the IP: linear minus the real-mode CS base */
	/*
	 * Measured (2.0.1): an undecodable instruction reaches the code hook
	 * with size 0xF1F1F1F1.  UC_HOOK_INSN_INVALID fires only the first
	 * time such an instruction executes; when its translated block is
	 * reused the engine stops silently.  So it is handled here.
	 */
	if (size == 0xF1F1F1F1u) {
		invalid_insn(a, a->last_rip);
		return;
	}
	if (a->exit_set || a->irq_now || a->nmi_now)
		return;
	if (a->nmi_watch && nmi_watch_step(a, addr)) {
		uc_emu_stop(uc); /* the held NMI, before this instruction */
		return;
	}
	if (a->icount >= a->slice_limit || kick_take(a->kick)) {
		/* slice_limit instructions ran, or another PP kicked this one
		 * (kick.c): stop before this one. */
		a->preempted = true;
		a->stopped_before = true;
		uc_emu_stop(uc);
		return;
	}
	/* Most instructions are none the core intercepts, known so by the
	 * per-RIP cache (icache_plain, inline); the others are decoded. */
	if (a->guest) {
		if ((a->irq_waiting && intercept_irq_window(a, addr, size)) ||
		    (size <= X86_DECODE_MAX_LEN && !icache_plain(a, addr, size) &&
		     intercept_guest(a, addr, size))) {
			uc_emu_stop(uc);
			return;
		}
	} else if ((a->irq_waiting && intercept_irq_window(a, addr, size)) ||
		   (size - 2u <= 2u && !icache_plain(a, addr, size) && intercept_root(a, addr, size))) {
		uc_emu_stop(uc);
		return;
	}
	a->icount++;
}

/* Before every instruction.  The fast path is hook_code_slow's outcome
 * when nothing is pending (no loader run, exit, interrupt to deliver or
 * window to watch), the slice has room, no kick came, and the instruction
 * is none the core intercepts (by its size, or known so by the per-RIP
 * cache): count it. */
static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct arch_vps *a = user;

	if (a->hook_slow == 0 && size < 32 && a->icount < a->slice_limit &&
	    !atomic_load_explicit(a->kick, memory_order_relaxed) &&
	    (!((a->check_sizes >> size) & 1) || icache_plain(a, addr, size))) {
		a->last_rip = addr - a->csb;
		a->icount++;
		return;
	}
	hook_code_slow(uc, addr, size, a);
}

static int hook_cpuid(uc_engine *uc, void *user)
{
	struct arch_vps *a = user;
	if (a->in_loader)
		return 0;
	vcpu_set_exit(a, HV_EXIT_CPUID, a->last_rip);
	a->exit->insn_len = 2;
	uc_emu_stop(uc);
	return 1; /* skip Unicorn's own CPUID */
}

static void io_intercept(struct arch_vps *a, uint32_t port, int size, bool in)
{
	vcpu_set_exit(a, HV_EXIT_IO, a->last_rip);
	a->exit->u.io.port = (uint16_t)port;
	a->exit->u.io.size = (uint8_t)size;
	a->exit->u.io.in = in;
	a->io_restore = true;
	a->io_saved[0] = regs_read(a->uc, UC_X86_REG_RAX);
	a->io_saved[1] = regs_read(a->uc, UC_X86_REG_RCX);
	a->io_saved[2] = regs_read(a->uc, UC_X86_REG_RSI);
	a->io_saved[3] = regs_read(a->uc, UC_X86_REG_RDI);
	uc_emu_stop(a->uc);
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	struct arch_vps *a = user;
	if (a->in_loader || a->exit_set)
		return;
	if (vps_vmid(a->vps) != 0) {
		/* Not reached (the code hook intercepts guest I/O before it
		 * executes); a guest never reaches the platform devices. */
		io_intercept(a, port, size, false);
		a->exit->u.io.value = value;
		return;
	}
	vcpu_clock_sync(a);
	switch (platform_io_out((uint16_t)port, size, value)) {
	case PLATFORM_OUT_STOP:
		vcpu_set_exit(a, HV_EXIT_HOST_STOP, a->last_rip);
		uc_emu_stop(uc);
		break;
	case PLATFORM_OUT_IRQ: /* end the run: the next one sees the new line */
		a->preempted = true;
		uc_emu_stop(uc);
		break;
	case PLATFORM_OUT_DONE:
		break;
	}
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	struct arch_vps *a = user;
	(void)uc;
	if (a->in_loader || a->exit_set)
		return 0xFFFFFFFFu;
	if (vps_vmid(a->vps) != 0) {
		io_intercept(a, port, size, true);
		return 0xFFFFFFFFu;
	}
	vcpu_clock_sync(a);
	return platform_io_in((uint16_t)port, size);
}

/* The vector of Unicorn's #UD at `rip`: #GP(0) where the instruction is
 * longer than 15 bytes (all prefixes), as the processor raises. */
static uint8_t ud_vector(struct arch_vps *a, uint64_t rip)
{
	uint8_t b[15] = { 0 };
	unsigned n = uc_mem_read(a->uc, rip + a->csb, b, sizeof(b)) == UC_ERR_OK ? 15 : 0;

	return x86_prefixes_over_limit(b, n) ? 13 : 6;
}

/* An invalid opcode at `rip`: the vendor's hypercall instruction exits to
 * the core; anything else (the other vendor's one included) is #UD in the
 * guest, as on hardware. */
static void invalid_insn(struct arch_vps *a, uint64_t rip)
{
	uint8_t b[3] = { 0 };

	if (a->invalid_handled)
		return;
	a->invalid_handled = true;
	uc_mem_read(a->uc, rip + a->csb, b, 3);
	if (b[0] == 0x0F && b[1] == 0x01 && b[2] == cpuid_models_hypercall_modrm()) {
		vcpu_set_exit(a, HV_EXIT_HYPERCALL, rip);
		a->exit->insn_len = 3;
	} else {
		a->exc_pending = true;
		a->exc_vector = ud_vector(a, rip);
		a->exc_rip = rip;
		a->exc_soft = false;
	}
	uc_emu_stop(a->uc);
}

static bool hook_invalid(uc_engine *uc, void *user)
{
	struct arch_vps *a = user;

	if (a->in_loader) {
		uc_emu_stop(uc);
		return true;
	}
	invalid_insn(a, regs_read(uc, UC_X86_REG_RIP));
	return true;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct arch_vps *a = user;
	uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
	uint8_t b[2] = { 0 };

	uc_emu_stop(uc); /* or the instruction faults again forever */
	if (a->in_loader)
		return;
	a->exc_pending = true;
	a->exc_vector = intno == 6 ? ud_vector(a, rip) : (uint8_t)intno;
	a->exc_rip = rip;
	a->pf_write = false;
	a->exc_soft = false;
	/* INT n / INT3 / INT1 / INTO: the return address follows the insn.
	 * Measured (2.0.1): at INT n the hook sees RIP already past the
	 * instruction, which the code hook saw last (last_rip); a delivery
	 * that takes an SLPT exit must leave RIP at the INT, which then runs
	 * again (events_deliver; probe reinject). */
	unsigned n = uc_mem_read(uc, a->last_rip + a->csb, b, 2) == UC_ERR_OK ? 2 : 0;
	unsigned len = x86_soft_int_len(b, n, (uint8_t)intno);
	if (len && a->last_rip + len == rip) {
		a->exc_soft = true;
		a->exc_rip = a->last_rip;
		a->exc_next = rip;
		return;
	}
	n = uc_mem_read(uc, rip + a->csb, b, 2) == UC_ERR_OK ? 2 : 0;
	len = x86_soft_int_len(b, n, (uint8_t)intno);
	if (len) {
		a->exc_soft = true;
		a->exc_next = rip + len;
	}
}

static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			     int64_t value, void *user)
{
	struct arch_vps *a = user;
	(void)size;
	(void)value;
	if (a->in_loader)
		return false;
	/* Measured (2.0.1): a non-canonical address is not #GP but an access
	 * to unmapped memory.  The CPU would raise #GP(0): deliver that. */
	if ((uint64_t)((int64_t)(addr << 16) >> 16) != addr) {
		a->exc_pending = true;
		a->exc_vector = 13;
		a->exc_rip = a->last_rip;
		a->exc_soft = false;
		return false;
	}
	uint8_t access = 0, present = 0;
	uint64_t gpa = addr;
	enum walk_result w = walk_guest(uc, addr, &gpa);
	if (w == WALK_NOT_PRESENT) {
		/* The guest's tables do not map it: a guest #PF (difffuzz case
		 * guest-pf-no-idt), delivered through its IDT like any other. */
		a->exc_pending = true;
		a->exc_vector = 14;
		a->exc_rip = type == UC_MEM_FETCH_UNMAPPED ? addr - a->csb : a->last_rip;
		a->exc_soft = false;
		a->pf_write = type == UC_MEM_WRITE_UNMAPPED;
		regs_write(uc, UC_X86_REG_CR2, addr);
		return false;
	}
	switch (type) {
	case UC_MEM_READ_UNMAPPED: access = HV_ACCESS_READ; break;
	case UC_MEM_WRITE_UNMAPPED: access = HV_ACCESS_WRITE; break;
	case UC_MEM_FETCH_UNMAPPED: access = HV_ACCESS_EXEC; break;
	case UC_MEM_READ_PROT: access = HV_ACCESS_READ; present = 1; break;
	case UC_MEM_WRITE_PROT: access = HV_ACCESS_WRITE; present = 1; break;
	case UC_MEM_FETCH_PROT: access = HV_ACCESS_EXEC; present = 1; break;
	default: access = HV_ACCESS_READ; break;
	}
	vcpu_set_exit(a, HV_EXIT_SLPT_VIOLATION,
		      vcpu_rip_now(a, access == HV_ACCESS_EXEC ? addr - a->csb : a->last_rip));
	if (w == WALK_TABLE) {
		access = HV_ACCESS_READ; /* the walk read a paging-structure entry */
		present = 0;
	}
	a->exit->u.slpt.gpa = gpa;
	a->exit->u.slpt.gva = addr; /* Unicorn: GVA == GPA */
	a->exit->u.slpt.gva_valid = 0;
	a->exit->u.slpt.access = access;
	a->exit->u.slpt.present = present;
	return false;
}

/* The processor's reset state (real mode at F000:FFF0), as the SVM and VMX
 * backends give a new VPS (difffuzz case vps-reset-state, docs/difffuzz.md). */
static void reset_state(struct hv_vps *vps)
{
	static const struct { enum bf_reg_t reg; uint64_t val; } r[] = {
		{ bf_reg_t_es_limit, 0xFFFF }, { bf_reg_t_es_attrib, 0x93 },
		{ bf_reg_t_ss_limit, 0xFFFF }, { bf_reg_t_ss_attrib, 0x93 },
		{ bf_reg_t_ds_limit, 0xFFFF }, { bf_reg_t_ds_attrib, 0x93 },
		{ bf_reg_t_fs_limit, 0xFFFF }, { bf_reg_t_fs_attrib, 0x93 },
		{ bf_reg_t_gs_limit, 0xFFFF }, { bf_reg_t_gs_attrib, 0x93 },
		{ bf_reg_t_cs, 0xF000 }, { bf_reg_t_cs_base, 0xFFFF0000ull },
		{ bf_reg_t_cs_limit, 0xFFFF }, { bf_reg_t_cs_attrib, 0x9B },
		{ bf_reg_t_gdtr_limit, 0xFFFF }, { bf_reg_t_idtr_limit, 0xFFFF },
		{ bf_reg_t_ldtr_limit, 0xFFFF }, { bf_reg_t_ldtr_attrib, 0x82 },
		{ bf_reg_t_tr_limit, 0xFFFF }, { bf_reg_t_tr_attrib, 0x8B },
		{ bf_reg_t_rip, 0xFFF0 }, { bf_reg_t_rflags, 0x2 }, { bf_reg_t_cr0, 0x60000010ull },
	};

	/* The FPU as FNINIT leaves it, the SVM and VMX backends' x86_fpu_reset
	 * (Unicorn starts with FCW 0, every tag valid, MXCSR 0: difffuzz case
	 * fpu-reset-state). */
	uc_engine *uc = vps_arch(vps)->uc;
	uint16_t fcw = 0x037F, ftw = 0xFFFF;
	uint32_t mxcsr = 0x1F80;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		arch_vps_set_reg(vps, r[i].reg, r[i].val);
	uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
	uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
	uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
}

int arch_vps_init(struct hv_vps *vps)
{
	struct arch_vps *a = calloc(1, sizeof(*a));
	uc_hook h;

	if (!a)
		return -1;
	if (poolpages_take(a->pool, poolpages_vps_count())) {
		free(a);
		return -1;
	}
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &a->uc) != UC_ERR_OK) {
		poolpages_give(a->pool, POOLPAGES_VPS_MAX);
		free(a);
		return -1;
	}
	a->vps = vps;
	vps_set_arch(vps, a);
	uc_hook_add(a->uc, &h, UC_HOOK_CODE, hook_code, a, 1, 0);
	uc_hook_add(a->uc, &h, UC_HOOK_INSN, hook_cpuid, a, 1, 0, UC_X86_INS_CPUID);
	uc_hook_add(a->uc, &h, UC_HOOK_INSN, hook_in, a, 1, 0, UC_X86_INS_IN);
	uc_hook_add(a->uc, &h, UC_HOOK_INSN, hook_out, a, 1, 0, UC_X86_INS_OUT);
	uc_hook_add(a->uc, &h, UC_HOOK_INSN_INVALID, hook_invalid, a, 1, 0);
	uc_hook_add(a->uc, &h, UC_HOOK_INTR, hook_intr, a, 1, 0);
	uc_hook_add(a->uc, &h, UC_HOOK_MEM_INVALID, hook_mem_invalid, a, 1, 0);
	/* Unicorn's reset state: 64-bit mode, paging off. */
	a->seg[SEG_CS].attrib = 0xA09B;
	for (int s = SEG_DS; s < SEG_COUNT; s++)
		a->seg[s].attrib = MV_SEG_ATTRIB_UNUSABLE;
	a->slice_limit = SIM_ROOT_SLICE_INSNS; /* set per run in arch_vps_run */
	a->kick = kick_flag();                 /* likewise */
	reset_state(vps);
	return 0;
}

void arch_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps_arch(vps);
	if (!a)
		return;
	uc_close(a->uc);
	slpt_fini(a);
	icache_fini(a);
	poolpages_give(a->pool, POOLPAGES_VPS_MAX);
	free(a);
	vps_set_arch(vps, NULL);
}

static void finish_exit(struct arch_vps *a, struct hv_exit *exit)
{
	switch (exit->type) {
	case HV_EXIT_CPUID:
	case HV_EXIT_HYPERCALL:
	case HV_EXIT_SLPT_VIOLATION:
	case HV_EXIT_HLT:
	case HV_EXIT_PAUSE:
	case HV_EXIT_MSR:
		regs_write(a->uc, UC_X86_REG_RIP, exit->rip);
		break;
	case HV_EXIT_IO: {
		regs_write(a->uc, UC_X86_REG_RIP, exit->rip);
		if (!a->io_restore)
			break; /* the code hook's intercept: complete already */
		/* IN/OUT hook (not reached for guests): undo the partly
		 * executed instruction. */
		char text[96];
		uint8_t b[15] = { 0 };
		regs_write(a->uc, UC_X86_REG_RAX, a->io_saved[0]);
		regs_write(a->uc, UC_X86_REG_RCX, a->io_saved[1]);
		regs_write(a->uc, UC_X86_REG_RSI, a->io_saved[2]);
		regs_write(a->uc, UC_X86_REG_RDI, a->io_saved[3]);
		regs_write(a->uc, UC_X86_REG_RIP, exit->rip);
		exit->insn_len = diag_disasm_guest(a->vps, exit->rip, text, sizeof(text));
		uc_mem_read(a->uc, exit->rip, b, sizeof(b));
		struct x86_insn d;
		if (x86_decode(b, exit->insn_len, &d) == X86_INSN_IO) {
			exit->u.io.rep = d.rep != 0;
			exit->u.io.string = d.io_string;
		}
		break;
	}
	default:
		break;
	}
}

/*
 * With more than one PP, another PP can still wake a halted one: an IPI
 * (with IF = 1), or the hypervisor's kick (an NMI the core queued, a TLB
 * flush).  The PP's thread waits for one, or for the machine to stop; the
 * run budget's timeout ends a machine whose PPs all halt for good (the
 * hardware backends' harness timeout).
 */
#define HLT_POLL_US 100
#define HLT_POLLS_PER_BUDGET 100

static bool root_hlt_wait(struct arch_vps *a, bool if1)
{
	for (unsigned n = 1; platform_stop_reason() == SIM_STOP_NONE; n++) {
		if (atomic_load(a->kick) || (if1 && rootirq_halt(arch_pp_id())))
			return true;
		if (n % HLT_POLLS_PER_BUDGET == 0 && !platform_budget_ok())
			break;
		usleep(HLT_POLL_US);
	}
	return true; /* the next run ends with HV_EXIT_HOST_STOP */
}

/*
 * A root HLT (executed: the root's HLT is not intercepted, docs/root-vm.md
 * "HLT") waits for its next event: an NMI the core queued (whatever IF
 * says), or with IF = 1 an interrupt already queued or the root's next
 * timer event (the BSP's PIT edge, its APIC timer), to which the clock
 * skips (../rootirq.c); with more than one PP, what another PP sends
 * (root_hlt_wait).  False when there is none: nothing could ever wake it,
 * the PP would stay halted for good (E-57).
 */
static bool root_hlt_wakes(struct arch_vps *a)
{
	vcpu_clock_sync(a);
	for (unsigned i = 0; i < a->nevents; i++)
		if (a->events[i].type != HV_EVENT_EXTINT &&
		    !(a->events[i].type == HV_EVENT_NMI && a->nmi_blocked))
			return true; /* delivered at the next run's start */
	bool if1 = regs_read(a->uc, UC_X86_REG_RFLAGS) & RFLAGS_IF;
	if (if1 && (events_next_irq(a) >= 0 || rootirq_halt(arch_pp_id())))
		return true;
	return g_cfg.cpus > 1 && root_hlt_wait(a, if1);
}

void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uc_engine *uc = a->uc;

	memset(exit, 0, sizeof(*exit));
	regs_gprs_flush(a); /* what the core wrote through arch_vps_gprs */
	if (platform_stop_reason() != SIM_STOP_NONE || !platform_budget_ok()) {
		exit->type = HV_EXIT_HOST_STOP;
		exit->rip = regs_read(uc, UC_X86_REG_RIP);
		goto out;
	}
	if (slpt_sync(a, vps_vm(vps))) {
		exit->type = HV_EXIT_ENTRY_FAILURE;
		exit->rip = regs_read(uc, UC_X86_REG_RIP);
		goto out;
	}
	if (a->entry_dirty) {
		const char *why = NULL;
		if (loader_apply(a, &why)) {
			fprintf(stderr, "mvsim: vm %u vp %u: cannot load the entry state: %s\n",
				vps_vmid(vps), vps_vpid(vps), why);
			exit->type = HV_EXIT_ENTRY_FAILURE;
			exit->rip = regs_read(uc, UC_X86_REG_RIP);
			goto out;
		}
	}
	/* Queued exceptions first (whatever IF says), then one external
	 * interrupt if the guest has interrupts enabled; the others wait for
	 * the next interrupt window (intercept_irq_window). */
	for (unsigned i = 0; i < a->nevents;) {
		const struct hv_event ev = a->events[i];
		if (ev.type == HV_EVENT_EXTINT || (ev.type == HV_EVENT_NMI && a->nmi_blocked)) {
			i++; /* an NMI while NMIs are blocked waits for the IRET (nmi.c) */
			continue;
		}
		a->nmi_blocked = a->nmi_blocked || ev.type == HV_EVENT_NMI;
		events_drop(a, i);
		uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
		if (!events_deliver(a, exit, ev.vector, ev.type == HV_EVENT_EXCEPTION && ev.has_error,
			     ev.error, rip, rip)) {
			a->nevents = 0;
			goto out;
		}
	}
	a->guest = vps_vmid(vps) != 0;
	a->root_irq = rootirq_pending(arch_pp_id());
	/* The root's timer interrupt ends a guest's run on its PP at once, or
	 * when its next edge comes (an external-interrupt exit on hardware). */
	uint64_t edge = a->guest && a->root_irq ? 0 : rootirq_insns_to_edge(arch_pp_id());
	a->check_sizes = a->guest ? ((1u << (X86_DECODE_MAX_LEN + 1)) - 2u) : 0x1Cu;
	a->kick = kick_flag();
	a->slice_limit = a->guest ? g_cfg.slice_insns : SIM_ROOT_SLICE_INSNS;
	if (edge < a->slice_limit)
		a->slice_limit = edge;
	a->root_irq = a->root_irq && !a->guest;
	a->icount = 0;
	a->clock_icount = 0;
	a->cs_reload = false;
	a->nmi_watch = a->nmi_blocked;
	a->nmi_iret = false;
	a->nmi_now = false;
	a->sti_shadow = false;
	a->irq_now = false;
	if ((events_next_irq(a) >= 0 || a->root_irq) && (regs_read(uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
		a->irq_now = true;
		a->irq_ret = regs_read(uc, UC_X86_REG_RIP);
	}

	for (;;) {
		a->irq_waiting = events_next_irq(a) >= 0 || a->want_window || a->root_irq;
		if (a->irq_now) {
			int k = events_next_irq(a), v = -1;
			a->irq_now = false;
			if (k >= 0) {
				v = a->events[k].vector;
				events_drop(a, (unsigned)k);
			} else if (a->root_irq) {
				v = rootirq_ack(arch_pp_id()); /* INTA at the 8259 */
				a->root_irq = false;
			}
			if (v >= 0) {
				if (!events_deliver(a, exit, (uint8_t)v, false, 0, a->irq_ret, a->irq_ret))
					break;
				a->irq_waiting = events_next_irq(a) >= 0 || a->want_window;
			} else if (a->want_window) {
				/* arch_vps_request_window: the core hands over the next */
				exit->type = HV_EXIT_IRQ_WINDOW;
				exit->rip = a->irq_ret;
				break;
			}
		}
		a->exit = exit;
		a->exit_set = false;
		a->if0_valid = false;
		a->preempted = false;
		a->stopped_before = false;
		a->exc_pending = false;
		a->cr_done = false;
		a->io_restore = false;
		a->invalid_handled = false;
		a->last_rip = regs_read(uc, UC_X86_REG_RIP);
		uint64_t start = a->last_rip;
		struct seg_state cs;
		bool real = vcpu_real_cs(a, &cs);
		a->csb = real ? cs.base : 0;
		a->ran = true;
		uc_err err = UC_ERR_OK;
		if (real && start > cs.limit) {
			/* Unicorn does not check the CS limit: the fetch past it
			 * is #GP(0), as the SDM says for real mode. */
			a->exc_pending = true;
			a->exc_vector = 13;
			a->exc_rip = start;
			a->exc_soft = false;
		} else {
			err = uc_emu_start(uc, start, NEVER_ADDR, 0, 0);
		}

		if (a->exit_set) {
			finish_exit(a, exit);
			break;
		}
		if (a->nmi_now) {
			int k = nmi_deliverable(a);
			a->nmi_now = false;
			events_drop(a, (unsigned)k);
			a->nmi_blocked = true;
			a->nmi_watch = true;
			if (!events_deliver(a, exit, 2, false, 0, a->last_rip, a->last_rip))
				break;
			continue;
		}
		if (a->irq_now) {
			regs_write(uc, UC_X86_REG_RIP, a->irq_ret);
			continue;
		}
		if (a->cr_done) {
			/* cr.c emulated the MOV to/from CR8: it ran */
			regs_write(uc, UC_X86_REG_RIP, a->cr_next);
			a->icount++;
			if (!a->guest && !a->root_irq && rootirq_pending(arch_pp_id())) {
				/* A CR8 write let a held interrupt in (cr.c). */
				a->root_irq = true;
				if (regs_read(uc, UC_X86_REG_RFLAGS) & RFLAGS_IF) {
					a->irq_now = true;
					a->irq_ret = a->cr_next;
				}
			}
			continue;
		}
		if (a->exc_pending) {
			uint8_t v = a->exc_vector;
			bool has_err = !a->exc_soft && inject_vector_has_error(v);
			uint32_t code = has_err ? events_error_code(a, v) : 0;
			if (!events_deliver(a, exit, v, has_err, code, a->exc_soft ? a->exc_next : a->exc_rip,
				     a->exc_rip))
				break;
			excfix_reset(uc);
			if (!platform_budget_ok() || platform_stop_reason() != SIM_STOP_NONE) {
				exit->type = HV_EXIT_HOST_STOP;
				exit->rip = regs_read(uc, UC_X86_REG_RIP);
				break;
			}
			continue;
		}
		uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
		uint8_t b = 0;
		if (err == UC_ERR_OK && rip == a->last_rip + 1 &&
		    uc_mem_read(uc, a->last_rip + a->csb, &b, 1) == UC_ERR_OK && b == 0xF4) {
			if (!a->guest && root_hlt_wakes(a)) {
				/* The root's HLT completed: the next run delivers. */
				exit->type = HV_EXIT_PREEMPT;
				exit->rip = rip;
				break;
			}
			/* Nothing will ever wake it: the core stops the root. */
			exit->type = HV_EXIT_HLT;
			exit->rip = a->last_rip;
			exit->insn_len = 1;
			regs_write(uc, UC_X86_REG_RIP, a->last_rip);
			break;
		}
		if (a->preempted && a->cs_reload) {
			a->cs_reload = false;
			a->slice_limit = a->cs_reload_limit;
			/* Measured: a stop in real mode leaves the linear
			 * address in RIP; the IP is the code hook's. */
			regs_write(uc, UC_X86_REG_RIP, a->last_rip);
			continue; /* the same run, with CS's base read again */
		}
		if (a->preempted) {
			if (real && a->stopped_before) {
				/* As above: RIP holds the linear address; the next
				 * run starts at the IP (a kick before a real-mode
				 * root AP's first instruction, smproot). */
				rip = a->last_rip;
				regs_write(uc, UC_X86_REG_RIP, rip);
			}
			exit->type = HV_EXIT_PREEMPT;
			exit->rip = rip;
			break;
		}
		exit->type = err == UC_ERR_OK ? HV_EXIT_TRIPLE_FAULT : HV_EXIT_UNKNOWN;
		exit->rip = a->last_rip;
		exit->raw = (uint64_t)err;
		fprintf(stderr, "mvsim: vm %u vp %u: emulation stopped unexpectedly at rip 0x%llx (started 0x%llx, %llu insns) (%s)%s\n",
			vps_vmid(vps), vps_vpid(vps), (unsigned long long)rip, (unsigned long long)start, (unsigned long long)a->icount, uc_strerror(err),
			err == UC_ERR_OK ? ": Unicorn shut the CPU down (triple fault)" : "");
		break;
	}
out:
	vcpu_clock_sync(a);
	a->want_window = false;
	if (g_cfg.trace)
		diag_trace(vps, exit_type_name(exit->type), exit->rip);
	diag_record_exit(arch_pp_id(), vps, exit);
}
