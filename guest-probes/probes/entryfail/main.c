/*
 * entryfail: guest states whose registers are each valid (set_reg accepts
 * them: hv/reg_valid.h checks one register at a time) but which no VM
 * entry accepts together.  The run must end with mv_vp_exit_t_fault of
 * kind MV_VP_FAULT_ENTRY (the detail is the backend's error number:
 * docs/exit-reasons.md), and once the root restores the register the same
 * VPS must run again to the agent's HLT (a failed entry must not leave it
 * dead: on VMX the launch state stays as it was, so after a failed first
 * entry the next one is VMLAUNCH again).  The states, the first one also
 * on the VPS's first entry:
 *   - IA-32e mode (EFER.LME, CR0.PG) with CR4.PAE cleared (SDM 27.3.1.1,
 *     APM 15.5.1);
 *   - a 64-bit code segment (CS.L) with CS.D set (SDM 27.3.1.2, APM 15.5.1).
 * And one state every entry accepts: a data segment that is not present
 * (VMX: unusable) with a limit its G bit could not hold.  The limit checks
 * are for present segments only (SDM 27.3.1.2; the SVM backend's own check,
 * svm.c seg_limit_invalid: docs/testing.md "The backends").
 */
#include "vmm.h"

PROBE_TITLE("inconsistent guest states: the run ends with an entry-failure fault, the VPS runs again");

#define CR4_PAE (1ull << 5)
#define SEG_L (1ull << 13)
#define SEG_D (1ull << 14)

static struct guest g;

/* The run's outcome: "entry-fault", "hlt" or what ended it instead. */
static const char *run(void)
{
	uint64_t r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run_once(&g, G_NOP, NULL, 0, &r, &a);

	if (st != EXP_STATUS_SUCCESS)
		return vmm_status_name(st);
	if (r == EXP_EXIT_FAULT && (a >> EXP_VP_FAULT_KIND_SHIFT) == EXP_VP_FAULT_ENTRY)
		return "entry-fault";
	if (r == EXP_EXIT_HLT)
		return "hlt";
	return rt_fmt("%s-0x%llx", vmm_exit_name(r), (unsigned long long)a);
}

/* Registers a failed entry must leave as the root set them. */
static const struct { uint64_t reg; const char *name; } kept[] = {
	{ EXP_REG_RIP, "rip" }, { EXP_REG_RSP, "rsp" }, { EXP_REG_RFLAGS, "rflags" },
	{ EXP_REG_CR0, "cr0" }, { EXP_REG_CR3, "cr3" }, { EXP_REG_CR4, "cr4" },
	{ EXP_REG_EFER, "efer" }, { EXP_REG_CS_ATTRIB, "cs-attrib" },
};
#define NKEPT (sizeof(kept) / sizeof(kept[0]))

static void read_kept(uint64_t v[NKEPT])
{
	for (unsigned i = 0; i < NKEPT; i++)
		if (vmm_vps_get_reg(g.vpsid, kept[i].reg, &v[i]) != EXP_STATUS_SUCCESS)
			v[i] = ~0ull;
}

static void bad_state(const char *id, uint64_t reg, uint64_t bad, const char *what)
{
	uint64_t old = ~0ull;

	if (!vmm_check_st(rt_fmt("%s-get", id), "mv_vps_op_get_reg", EXP_STATUS_SUCCESS,
			  vmm_vps_get_reg(g.vpsid, reg, &old), "get_reg before the change"))
		return;
	if (!vmm_check_st(rt_fmt("%s-set", id), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
			  vmm_vps_set_reg(g.vpsid, reg, bad), "set_reg 0x%llx accepted (%s)",
			  (unsigned long long)bad, what))
		return;
	uint64_t before[NKEPT], after[NKEPT];
	read_kept(before);
	const char *got = run();
	check_tok(id, "mv_vp_run_vp,mv_vp_exit_t_fault", "entry-fault", got,
		  !rt_strcmp(got, "entry-fault"), "%s: the run ends with a fault of kind ENTRY (4)",
		  what);
	read_kept(after);
	const char *changed = "none";
	for (unsigned i = 0; i < NKEPT; i++)
		if (after[i] != before[i]) {
			changed = rt_fmt("%s-0x%llx-to-0x%llx", kept[i].name,
					 (unsigned long long)before[i], (unsigned long long)after[i]);
			break;
		}
	check_tok(rt_fmt("%s-state-kept", id), "mv_vp_run_vp,mv_vps_op_get_reg", "none", changed,
		  !rt_strcmp(changed, "none"),
		  "the failed entry changed none of RIP, RSP, RFLAGS, CR0, CR3, CR4, EFER, CS");
	vmm_check_st(rt_fmt("%s-restore", id), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		     vmm_vps_set_reg(g.vpsid, reg, old), "set_reg of the value before");
	vmm_guest_reset(&g);
	got = run();
	check_tok(rt_fmt("%s-runs-again", id), "mv_vp_run_vp,mv_vp_exit_t_hlt", "hlt", got,
		  !rt_strcmp(got, "hlt"), "restored, the same VPS runs to the agent's HLT");
}

/* ES not present (attributes 0) with limit 0xFFFFFFFF and G = 0: the run
 * goes on to the agent's HLT; then ES is set back. */
static void not_present_any_limit(void)
{
	uint64_t lim = ~0ull, attr = ~0ull;

	vmm_guest_reset(&g);
	if (vmm_vps_get_reg(g.vpsid, EXP_REG_ES_LIMIT, &lim) != EXP_STATUS_SUCCESS ||
	    vmm_vps_get_reg(g.vpsid, EXP_REG_ES_ATTRIB, &attr) != EXP_STATUS_SUCCESS)
		probe_error("get_reg of ES's limit and attributes failed");
	if (!vmm_check_st("es-not-present-set", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
			  vmm_vps_set_reg(g.vpsid, EXP_REG_ES_ATTRIB, 0) |
				  vmm_vps_set_reg(g.vpsid, EXP_REG_ES_LIMIT, 0xFFFFFFFFull),
			  "set_reg ES attributes 0 (not present) and limit 0xFFFFFFFF accepted"))
		return;
	const char *got = run();
	check_tok("es-not-present-any-limit", "mv_vp_run_vp,mv_vp_exit_t_hlt", "hlt", got,
		  !rt_strcmp(got, "hlt"),
		  "ES not present with a limit G = 0 cannot hold: no entry check applies, the run "
		  "ends at the agent's HLT");
	vmm_check_st("es-not-present-restore", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		     vmm_vps_set_reg(g.vpsid, EXP_REG_ES_LIMIT, lim) |
			     vmm_vps_set_reg(g.vpsid, EXP_REG_ES_ATTRIB, attr),
		     "set_reg of ES's limit and attributes before");
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "entry guest");

	uint64_t cr4 = 0, cs = 0;
	vmm_vps_get_reg(g.vpsid, EXP_REG_CR4, &cr4);
	vmm_vps_get_reg(g.vpsid, EXP_REG_CS_ATTRIB, &cs);
	/* The VPS's first entry (VMX: VMLAUNCH), then one after runs (VMRESUME). */
	bad_state("first-entry-no-pae", EXP_REG_CR4, cr4 & ~CR4_PAE,
		  "the VPS's first run: CR4.PAE cleared with EFER.LME and CR0.PG set");
	bad_state("long-mode-no-pae", EXP_REG_CR4, cr4 & ~CR4_PAE,
		  "CR4.PAE cleared with EFER.LME and CR0.PG set");
	bad_state("cs-l-and-d", EXP_REG_CS_ATTRIB, cs | SEG_L | SEG_D,
		  "CS.L and CS.D both set in IA-32e mode");
	not_present_any_limit();

	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
