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
 *     taken before the instruction executes: HLT, PAUSE, RDMSR/WRMSR of
 *     IA32_TSC (write) and of every MSR the VPS does not keep, and all port
 *     I/O (IN/OUT/INS/OUTS: the guest never reaches the platform devices);
 *   - delivery of queued external interrupts when the guest has IF = 1.
 * The root VM owns the machine: none of the guest intercepts apply to it.
 */
#include <stdlib.h>
#include <string.h>

#include <microv/mv_abi.h>

#include <hv/arch/core.h>

#include "sim.h"

#define NEVER_ADDR 0xDEAD0000DEAD0000ull
#define EFER_LMA (1ull << 10)
#define RFLAGS_IF (1ull << 9)
#define ATTR_L (1u << 13)
#define ATTR_DB (1u << 14)
/* Longest instruction the guest intercepts look at (prefixes included). */
#define INTERCEPT_MAX_LEN 6u

static void set_exit(struct arch_vps *a, enum hv_exit_type t, uint64_t rip)
{
	if (a->exit_set)
		return;
	a->exit->type = t;
	a->exit->rip = rip;
	a->exit_set = true;
}

static void invalid_insn(struct arch_vps *a, uint64_t rip);

/* The bytes of the instruction at guest address `addr` (GVA == GPA in
 * Unicorn), straight from system memory through the engine's map. */
static bool code_bytes(struct arch_vps *a, uint64_t addr, uint32_t size, uint8_t *out)
{
	for (size_t k = 0; k <= a->nregions; k++) {
		/* The region of the last fetch first, then all of them. */
		size_t i = k == 0 ? a->code_region : k - 1;
		if (i >= a->nregions)
			continue;
		const struct slpt_region *r = &a->regions[i];
		if (addr >= r->gpa && addr - r->gpa + size <= r->len) {
			memcpy(out, g_mem + r->spa + (addr - r->gpa), size);
			a->code_region = i;
			return true;
		}
	}
	return uc_mem_read(a->uc, addr, out, size) == UC_ERR_OK;
}

/* Operand size of IN/OUT/INS/OUTS with an "e" (16/32-bit) opcode. */
static uint8_t io_opsize(struct arch_vps *a, bool prefix66, bool *lm64, bool *big)
{
	struct seg_state cs;
	regs_seg_now(a, SEG_CS, &cs);
	*lm64 = (regs_efer(a->uc) & EFER_LMA) && (cs.attrib & ATTR_L);
	*big = *lm64 || (cs.attrib & ATTR_DB);
	return *big != prefix66 ? 4 : 2;
}

static void guest_io(struct arch_vps *a, uint64_t addr, uint32_t size, const uint8_t *b,
		     unsigned i, uint8_t rep, bool p66, bool p67, int seg)
{
	uint8_t op = b[i];
	bool in = op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED || op == 0x6C || op == 0x6D;
	bool string = op <= 0x6F;
	bool lm64 = false, big = false;
	uint8_t sz = 1;
	if (op & 1)
		sz = io_opsize(a, p66, &lm64, &big);
	else
		(void)io_opsize(a, false, &lm64, &big);
	uint16_t port = (op >= 0xE4 && op <= 0xE7) ? b[i + 1]
						     : (uint16_t)regs_read(a->uc, UC_X86_REG_RDX);
	uint32_t mask = sz == 4 ? 0xFFFFFFFFu : sz == 2 ? 0xFFFFu : 0xFFu;
	uint32_t value = 0;
	if (!in && !string) {
		value = (uint32_t)regs_read(a->uc, UC_X86_REG_RAX) & mask;
	} else if (!in) {
		/* OUTS: the first element, at seg:(R|E)SI. */
		uint64_t si = regs_read(a->uc, UC_X86_REG_RSI);
		unsigned asz = lm64 ? (p67 ? 32 : 64) : (big != p67 ? 32 : 16);
		if (asz < 64)
			si &= (1ull << asz) - 1;
		enum seg_idx s = SEG_DS;
		switch (seg) {
		case 0x26: s = SEG_ES; break;
		case 0x2E: s = SEG_CS; break;
		case 0x36: s = SEG_SS; break;
		case 0x64: s = SEG_FS; break;
		case 0x65: s = SEG_GS; break;
		default: break;
		}
		if (!lm64 || s == SEG_FS || s == SEG_GS) {
			struct seg_state st;
			regs_seg_now(a, s, &st);
			si += st.base;
		}
		if (uc_mem_read(a->uc, si, &value, sz) != UC_ERR_OK)
			value = 0;
		value &= mask;
	}
	set_exit(a, HV_EXIT_IO, addr);
	a->exit->insn_len = size;
	a->exit->u.io.port = port;
	a->exit->u.io.size = sz;
	a->exit->u.io.in = in;
	a->exit->u.io.string = string;
	a->exit->u.io.rep = string && rep;
	a->exit->u.io.value = value;
}

/*
 * The guest-VM intercepts, before the instruction at `addr` executes.
 * Returns true when it set an exit (or an interrupt delivery): stop there.
 */
static bool guest_intercept(struct arch_vps *a, uint64_t addr, uint32_t size)
{
	uint8_t b[INTERCEPT_MAX_LEN];
	unsigned i = 0;
	uint8_t rep = 0, rex = 0;
	bool p66 = false, p67 = false;
	int seg = -1;

	if (size == 0 || size > INTERCEPT_MAX_LEN || !code_bytes(a, addr, size, b))
		return false;
	for (; i < size; i++) {
		uint8_t c = b[i];
		if (c == 0xF3 || c == 0xF2)
			rep = c;
		else if (c == 0x66)
			p66 = true;
		else if (c == 0x67)
			p67 = true;
		else if (c == 0x26 || c == 0x2E || c == 0x36 || c == 0x3E || c == 0x64 || c == 0x65)
			seg = c;
		else if (c == 0xF0)
			continue;
		else if ((c & 0xF0) == 0x40 && i + 1 < size) {
			/* REX (an INC/DEC outside 64-bit mode is one byte long,
			 * so never followed by more bytes of the same insn). */
			rex = c;
			i++;
			break;
		} else
			break;
	}
	if (i >= size)
		return false;
	uint8_t op = b[i];
	unsigned rest = size - i;

	if (op == 0xF4 && rest == 1) {
		/* HLT.  With IF = 1 and an interrupt pending (the STI shadow
		 * let it through to here) it completes at once: the interrupt
		 * is delivered with the return address after the HLT. */
		if (a->irq_waiting && (regs_read(a->uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
			a->irq_now = true;
			a->irq_ret = addr + size;
			return true;
		}
		set_exit(a, HV_EXIT_HLT, addr);
		a->exit->insn_len = size;
		return true;
	}
	if (op == 0x90 && rest == 1 && rep == 0xF3 && !(rex & 1)) {
		set_exit(a, HV_EXIT_PAUSE, addr);
		a->exit->insn_len = size;
		return true;
	}
	if (op == 0x0F && rest == 2 && (b[i + 1] == 0x30 || b[i + 1] == 0x32)) {
		bool write = b[i + 1] == 0x30;
		uint32_t index = (uint32_t)regs_read(a->uc, UC_X86_REG_RCX);
		/* An MSR the VPS keeps runs on its own copy (the engine's, what
		 * arch_vps_get_msr/set_msr read and write), except a write to
		 * IA32_TSC: the guest changed its clock.  Reading IA32_TSC
		 * runs as on hardware (the MSR bitmap intercepts only the
		 * write); its value is the engine's, like RDTSC's. */
		if (msr_supported(index) && !(write && index == MV_MSR_IA32_TSC))
			return false;
		if (!write && index == MV_MSR_IA32_TSC)
			return false;
		set_exit(a, HV_EXIT_MSR, addr);
		a->exit->insn_len = size;
		a->exit->u.msr.index = index;
		a->exit->u.msr.write = write;
		if (write)
			a->exit->u.msr.value = (regs_read(a->uc, UC_X86_REG_RDX) << 32) |
					       (uint32_t)regs_read(a->uc, UC_X86_REG_RAX);
		return true;
	}
	if (((op >= 0xE4 && op <= 0xE7) && rest == 2) || ((op >= 0xEC && op <= 0xEF) && rest == 1) ||
	    ((op >= 0x6C && op <= 0x6F) && rest == 1)) {
		guest_io(a, addr, size, b, i, rep, p66, p67, seg);
		return true;
	}
	return false;
}

/*
 * External interrupts wait for RFLAGS.IF = 1, as for an interrupt window on
 * hardware, including the one-instruction shadow of an STI that set IF.
 * Returns true to stop before `addr` and deliver one (irq_now).
 */
static bool irq_window(struct arch_vps *a, uint64_t addr, uint32_t size)
{
	bool shadow = a->sti_shadow;
	a->sti_shadow = false;
	if (!(regs_read(a->uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
		uint8_t b = 0;
		a->sti_shadow = size == 1 && code_bytes(a, addr, 1, &b) && b == 0xFB;
		return false;
	}
	if (shadow)
		return false; /* this instruction still runs (an HLT: see above) */
	a->irq_now = true;
	a->irq_ret = addr;
	return true;
}

static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct arch_vps *a = user;
	if (a->in_loader)
		return;
	a->last_rip = addr;
	/*
	 * Measured (2.0.1): an undecodable instruction reaches the code hook
	 * with size 0xF1F1F1F1.  UC_HOOK_INSN_INVALID fires only the first
	 * time such an instruction executes; when its translated block is
	 * reused the engine stops silently.  So it is handled here.
	 */
	if (size == 0xF1F1F1F1u) {
		invalid_insn(a, addr);
		return;
	}
	if (a->exit_set || a->irq_now)
		return;
	if (a->icount >= a->slice_limit) {
		/* slice_limit instructions ran: stop before this one. */
		a->preempted = true;
		uc_emu_stop(uc);
		return;
	}
	if (a->guest) {
		if ((a->irq_waiting && irq_window(a, addr, size)) || guest_intercept(a, addr, size)) {
			uc_emu_stop(uc);
			return;
		}
	}
	a->icount++;
}

static int hook_cpuid(uc_engine *uc, void *user)
{
	struct arch_vps *a = user;
	if (a->in_loader)
		return 0;
	set_exit(a, HV_EXIT_CPUID, a->last_rip);
	a->exit->insn_len = 2;
	uc_emu_stop(uc);
	return 1; /* skip Unicorn's own CPUID */
}

static void io_intercept(struct arch_vps *a, uint32_t port, int size, bool in)
{
	set_exit(a, HV_EXIT_IO, a->last_rip);
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
	if (platform_io_out((uint16_t)port, size, value)) {
		set_exit(a, HV_EXIT_HOST_STOP, a->last_rip);
		uc_emu_stop(uc);
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
	return platform_io_in((uint16_t)port, size);
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
	uc_mem_read(a->uc, rip, b, 3);
	if (b[0] == 0x0F && b[1] == 0x01 && b[2] == sim_hypercall_modrm()) {
		set_exit(a, HV_EXIT_HYPERCALL, rip);
		a->exit->insn_len = 3;
	} else {
		a->exc_pending = true;
		a->exc_vector = 6;
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
	a->exc_vector = (uint8_t)intno;
	a->exc_rip = rip;
	a->exc_soft = false;
	/* INT n / INT3 / INT1 / INTO: the return address follows the insn. */
	uc_mem_read(uc, rip, b, 2);
	if ((b[0] == 0xCD && b[1] == intno) || (b[0] == 0xCC && intno == 3) ||
	    (b[0] == 0xF1 && intno == 1) || (b[0] == 0xCE && intno == 4)) {
		a->exc_soft = true;
		a->exc_next = rip + (b[0] == 0xCD ? 2 : 1);
	}
}

static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			     int64_t value, void *user)
{
	struct arch_vps *a = user;
	(void)uc;
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
	switch (type) {
	case UC_MEM_READ_UNMAPPED: access = HV_ACCESS_READ; break;
	case UC_MEM_WRITE_UNMAPPED: access = HV_ACCESS_WRITE; break;
	case UC_MEM_FETCH_UNMAPPED: access = HV_ACCESS_EXEC; break;
	case UC_MEM_READ_PROT: access = HV_ACCESS_READ; present = 1; break;
	case UC_MEM_WRITE_PROT: access = HV_ACCESS_WRITE; present = 1; break;
	case UC_MEM_FETCH_PROT: access = HV_ACCESS_EXEC; present = 1; break;
	default: access = HV_ACCESS_READ; break;
	}
	set_exit(a, HV_EXIT_SLPT_VIOLATION, access == HV_ACCESS_EXEC ? addr : a->last_rip);
	a->exit->u.slpt.gpa = addr;
	a->exit->u.slpt.gva = addr; /* Unicorn: GVA == GPA */
	a->exit->u.slpt.gva_valid = 0;
	a->exit->u.slpt.access = access;
	a->exit->u.slpt.present = present;
	return false;
}

int arch_vps_init(struct hv_vps *vps)
{
	struct arch_vps *a = calloc(1, sizeof(*a));
	uc_hook h;

	if (!a)
		return -1;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &a->uc) != UC_ERR_OK) {
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
	return 0;
}

void arch_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps_arch(vps);
	if (!a)
		return;
	uc_close(a->uc);
	free(a->regions);
	free(a);
	vps_set_arch(vps, NULL);
}

/*
 * Events wait in a->events until the next arch_vps_run: exceptions (and NMI)
 * are delivered at entry; external interrupts when RFLAGS.IF = 1 (at entry
 * or as soon as the guest enables interrupts), one at a time, in order.
 * A full queue drops the event (the core queues at most one exception per
 * exit; queue_irq beyond SIM_MAX_EVENTS pending interrupts is lost).
 */
void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	struct arch_vps *a = vps_arch(vps);
	if (a->nevents < SIM_MAX_EVENTS)
		a->events[a->nevents++] = *event;
}

static void event_drop(struct arch_vps *a, unsigned i)
{
	memmove(&a->events[i], &a->events[i + 1], (a->nevents - i - 1) * sizeof(a->events[0]));
	a->nevents--;
}

static int event_next_irq(const struct arch_vps *a)
{
	for (unsigned i = 0; i < a->nevents; i++)
		if (a->events[i].type == HV_EVENT_EXTINT)
			return (int)i;
	return -1;
}

/* Page-walk for the #PF error code's P bit (4-level paging only). */
static bool pf_present(uc_engine *uc, uint64_t va)
{
	uint64_t cr3 = regs_read(uc, UC_X86_REG_CR3), e = cr3;
	if (!(regs_efer(uc) & EFER_LMA))
		return false;
	for (int level = 3; level >= 0; level--) {
		uint64_t idx = (va >> (12 + 9 * level)) & 511;
		if (uc_mem_read(uc, (e & 0x000FFFFFFFFFF000ull) + idx * 8, &e, 8) != UC_ERR_OK)
			return false;
		if (!(e & 1))
			return false;
		if (level > 0 && level < 3 && (e & 0x80))
			return true;
	}
	return true;
}

static uint32_t exc_error_code(struct arch_vps *a, uint8_t vector)
{
	if (vector != 14)
		return 0; /* Unicorn does not expose error codes: 0 (#GP(0) is the usual) */
	uint64_t cr2 = regs_read(a->uc, UC_X86_REG_CR2);
	uint32_t err = pf_present(a->uc, cr2) ? 1 : 0;
	if ((regs_read(a->uc, UC_X86_REG_CS) & 3) == 3)
		err |= 4;
	return err;
}

/* Deliver one event; on failure fill a triple-fault exit and return false. */
static bool deliver(struct arch_vps *a, struct hv_exit *exit, uint8_t vector, bool has_error,
		    uint32_t error, uint64_t ret_rip, uint64_t fault_rip)
{
	const char *why = NULL;
	if (g_cfg.trace) {
		static const char *const names[32] = {
			"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "09", "TS", "NP",
			"SS", "GP", "PF", "15", "MF", "AC", "MC", "XM", "VE", "CP",
		};
		char what[32];
		if (vector < 32 && names[vector])
			snprintf(what, sizeof(what), "deliver-#%s", names[vector]);
		else
			snprintf(what, sizeof(what), "deliver-vector-%u", vector);
		vcpu_trace_event(a, what, fault_rip);
	}
	if (inject_deliver(a, vector, has_error, error, ret_rip, false, &why) == 0)
		return true;
	memset(exit, 0, sizeof(*exit));
	exit->type = HV_EXIT_TRIPLE_FAULT;
	exit->rip = fault_rip;
	exit->raw = vector;
	regs_write(a->uc, UC_X86_REG_RIP, fault_rip);
	fprintf(stderr, "mvsim: vm %u vp %u: cannot deliver vector %u at rip 0x%llx: %s\n",
		vps_vmid(a->vps), vps_vpid(a->vps), vector, (unsigned long long)fault_rip, why);
	return false;
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
		bool lm = (regs_efer(a->uc) & EFER_LMA) != 0;
		uint8_t b[15] = { 0 };
		regs_write(a->uc, UC_X86_REG_RAX, a->io_saved[0]);
		regs_write(a->uc, UC_X86_REG_RCX, a->io_saved[1]);
		regs_write(a->uc, UC_X86_REG_RSI, a->io_saved[2]);
		regs_write(a->uc, UC_X86_REG_RDI, a->io_saved[3]);
		regs_write(a->uc, UC_X86_REG_RIP, exit->rip);
		exit->insn_len = diag_disasm(a->uc, exit->rip, lm, text, sizeof(text));
		uc_mem_read(a->uc, exit->rip, b, sizeof(b));
		for (unsigned i = 0; i < exit->insn_len; i++) {
			if (b[i] == 0xF3 || b[i] == 0xF2) {
				exit->u.io.rep = 1;
			} else if (b[i] >= 0x6C && b[i] <= 0x6F) {
				exit->u.io.string = 1;
				break;
			} else if (b[i] != 0x66 && b[i] != 0x67 && (b[i] & 0xF0) != 0x40) {
				break;
			}
		}
		break;
	}
	default:
		break;
	}
}

void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	struct arch_vps *a = vps_arch(vps);
	uc_engine *uc = a->uc;

	memset(exit, 0, sizeof(*exit));
	if (sim_stop_reason() != SIM_STOP_NONE || !sim_budget_ok()) {
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
	 * the next interrupt window (irq_window). */
	for (unsigned i = 0; i < a->nevents;) {
		const struct hv_event ev = a->events[i];
		if (ev.type == HV_EVENT_EXTINT) {
			i++;
			continue;
		}
		event_drop(a, i);
		uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
		if (!deliver(a, exit, ev.vector, ev.type == HV_EVENT_EXCEPTION && ev.has_error,
			     ev.error, rip, rip)) {
			a->nevents = 0;
			goto out;
		}
	}
	a->guest = vps_vmid(vps) != 0;
	a->slice_limit = a->guest ? g_cfg.slice_insns : SIM_ROOT_SLICE_INSNS;
	a->icount = 0;
	a->sti_shadow = false;
	a->irq_now = false;
	if (event_next_irq(a) >= 0 && (regs_read(uc, UC_X86_REG_RFLAGS) & RFLAGS_IF)) {
		a->irq_now = true;
		a->irq_ret = regs_read(uc, UC_X86_REG_RIP);
	}

	for (;;) {
		a->irq_waiting = event_next_irq(a) >= 0;
		if (a->irq_now) {
			int k = event_next_irq(a);
			a->irq_now = false;
			if (k >= 0) {
				uint8_t v = a->events[k].vector;
				event_drop(a, (unsigned)k);
				if (!deliver(a, exit, v, false, 0, a->irq_ret, a->irq_ret))
					break;
				a->irq_waiting = event_next_irq(a) >= 0;
			}
		}
		a->exit = exit;
		a->exit_set = false;
		a->preempted = false;
		a->exc_pending = false;
		a->io_restore = false;
		a->invalid_handled = false;
		a->last_rip = regs_read(uc, UC_X86_REG_RIP);
		uint64_t start = a->last_rip;
		uc_err err = uc_emu_start(uc, start, NEVER_ADDR, 0, 0);

		if (a->exit_set) {
			finish_exit(a, exit);
			break;
		}
		if (a->irq_now) {
			regs_write(uc, UC_X86_REG_RIP, a->irq_ret);
			continue;
		}
		if (a->exc_pending) {
			uint8_t v = a->exc_vector;
			bool has_err = !a->exc_soft && inject_vector_has_error(v);
			uint32_t code = has_err ? exc_error_code(a, v) : 0;
			if (!deliver(a, exit, v, has_err, code, a->exc_soft ? a->exc_next : a->exc_rip,
				     a->exc_rip))
				break;
			excfix_reset(uc);
			if (!sim_budget_ok() || sim_stop_reason() != SIM_STOP_NONE) {
				exit->type = HV_EXIT_HOST_STOP;
				exit->rip = regs_read(uc, UC_X86_REG_RIP);
				break;
			}
			continue;
		}
		uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
		uint8_t b = 0;
		if (err == UC_ERR_OK && rip == a->last_rip + 1 &&
		    uc_mem_read(uc, a->last_rip, &b, 1) == UC_ERR_OK && b == 0xF4) {
			exit->type = HV_EXIT_HLT;
			exit->rip = a->last_rip;
			exit->insn_len = 1;
			regs_write(uc, UC_X86_REG_RIP, a->last_rip);
			break;
		}
		if (a->preempted) {
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
	if (g_cfg.trace)
		vcpu_trace_event(a, exit_type_name(exit->type), exit->rip);
	diag_record_exit(arch_pp_id(), a, exit);
}

void vcpu_trace_event(struct arch_vps *a, const char *what, uint64_t rip)
{
	char text[96];
	bool lm = (regs_efer(a->uc) & EFER_LMA) != 0;
	diag_disasm(a->uc, rip, lm, text, sizeof(text));
	platform_flush();
	fprintf(stderr, "mvsim: trace pp=%u vm=%u vp=%u exit=%s rip=0x%llx insn=\"%s\"\n",
		arch_pp_id(), vps_vmid(a->vps), vps_vpid(a->vps), what, (unsigned long long)rip, text);
}
