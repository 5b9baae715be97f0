/*
 * One Unicorn engine per VPS, its hooks, and arch_vps_run.
 *
 * Measured on Debian's Unicorn 2.0.1: in hooks of CPUID/IN/OUT the RIP is the
 * start of the translated block, and uc_emu_stop() only takes effect at the
 * end of that block (later instructions still run) -- unless a UC_HOOK_CODE
 * hook exists.  With a code hook on every instruction, RIP is exact in every
 * hook and uc_emu_stop() stops right after the current instruction.  So each
 * engine has one (it also counts the time slice and makes memory-fault RIPs
 * exact without UC_HOOK_MEM_READ/WRITE, pitfall 2 of the notes).
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SLICE_INSNS 2000000u
#define NEVER_ADDR 0xDEAD0000DEAD0000ull
#define EFER_LMA (1ull << 10)

static void set_exit(struct arch_vps *a, enum hv_exit_type t, uint64_t rip)
{
	if (a->exit_set)
		return;
	a->exit->type = t;
	a->exit->rip = rip;
	a->exit_set = true;
}

static void invalid_insn(struct arch_vps *a, uint64_t rip);

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
	if (++a->icount >= a->slice_limit && !a->preempted) {
		a->preempted = true;
		uc_emu_stop(uc);
	}
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
	if (a->vps->vmid != 0) {
		io_intercept(a, port, size, false);
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
	if (a->vps->vmid != 0) {
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
	vps->arch = a;
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
	a->slice_limit = SLICE_INSNS;
	return 0;
}

void arch_vps_fini(struct hv_vps *vps)
{
	struct arch_vps *a = vps->arch;
	if (!a)
		return;
	uc_close(a->uc);
	free(a->regions);
	free(a);
	vps->arch = NULL;
}

void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	struct arch_vps *a = vps->arch;
	if (a->nevents < SIM_MAX_EVENTS)
		a->events[a->nevents++] = *event;
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
		a->vps->vmid, a->vps->vpid, vector, (unsigned long long)fault_rip, why);
	return false;
}

static void finish_exit(struct arch_vps *a, struct hv_exit *exit)
{
	switch (exit->type) {
	case HV_EXIT_CPUID:
	case HV_EXIT_HYPERCALL:
	case HV_EXIT_SLPT_VIOLATION:
		regs_write(a->uc, UC_X86_REG_RIP, exit->rip);
		break;
	case HV_EXIT_IO: {
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
	struct arch_vps *a = vps->arch;
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
				vps->vmid, vps->vpid, why);
			exit->type = HV_EXIT_ENTRY_FAILURE;
			exit->rip = regs_read(uc, UC_X86_REG_RIP);
			goto out;
		}
	}
	for (unsigned i = 0; i < a->nevents; i++) {
		const struct hv_event *ev = &a->events[i];
		uint64_t rip = regs_read(uc, UC_X86_REG_RIP);
		if (!deliver(a, exit, ev->vector, ev->type == HV_EVENT_EXCEPTION && ev->has_error,
			     ev->error, rip, rip)) {
			a->nevents = 0;
			goto out;
		}
	}
	a->nevents = 0;

	for (;;) {
		a->exit = exit;
		a->exit_set = false;
		a->icount = 0;
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
			vps->vmid, vps->vpid, (unsigned long long)rip, (unsigned long long)start, (unsigned long long)a->icount, uc_strerror(err),
			err == UC_ERR_OK ? ": Unicorn shut the CPU down (triple fault)" : "");
		break;
	}
out:
	if (g_cfg.trace)
		vcpu_trace_event(a, hv_exit_type_name(exit->type), exit->rip);
	diag_record_exit(arch_pp_id(), a, exit);
}

void vcpu_trace_event(struct arch_vps *a, const char *what, uint64_t rip)
{
	char text[96];
	bool lm = (regs_efer(a->uc) & EFER_LMA) != 0;
	diag_disasm(a->uc, rip, lm, text, sizeof(text));
	platform_flush();
	fprintf(stderr, "mvsim: trace pp=%u vm=%u vp=%u exit=%s rip=0x%llx insn=\"%s\"\n",
		arch_pp_id(), a->vps->vmid, a->vps->vpid, what, (unsigned long long)rip, text);
}
