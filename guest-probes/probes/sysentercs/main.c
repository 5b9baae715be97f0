/*
 * sysentercs: a guest VPS's IA32_SYSENTER_CS is 32 bits wide (E-74).  The
 * VMCS guest field holds bits 31:0 (SDM Vol. 3 26.3.2.1: VM entry loads the
 * MSR from it, bits 63:32 cleared; a VM exit saves bits 31:0), the VMCB's
 * field more; the core refuses bit 32 and up (PARAMS3).  So set_msr of
 * 0xFFFFFFFF reads back as written through get_msr, through the guest's own
 * RDMSR, and after the guest's run.  mvsim's engine (Unicorn's WRMSR)
 * keeps bits 15:0 only; before E-74 get_msr read 0xFFFF on sim-intel.
 * The guest's own WRMSR of bits 31:16 is not checked: QEMU 7.2 TCG keeps
 * 15:0 there (its helper_wrmsr), Bochs 31:0.
 */
#include "vmm.h"

PROBE_TITLE("a guest VPS's IA32_SYSENTER_CS keeps 32 bits: set_msr, get_msr, the guest's RDMSR");

#define MSR_SYSENTER_CS 0x174u
#define ITEMS "mv_vps_op_set_msr,mv_vps_op_get_msr"
#define VALUE 0xFFFFFFFFull

static struct guest g;

static uint64_t msr_op(uint64_t idx, uint64_t val, uint64_t *out)
{
	struct hc_regs r;
	uint64_t st = hc_call(EXP_HC_VPS(idx), HC_LOAD(&r, vmm_handle, g.vpsid, MSR_SYSENTER_CS, val, 0));
	if (out)
		*out = r.r[0];
	return st;
}

static void check_get(const char *id, const char *when)
{
	uint64_t v = ~0ull;
	uint64_t st = msr_op(EXP_IDX_GET_MSR, 0, &v);
	check_eq(id, ITEMS, VALUE, st == EXP_STATUS_SUCCESS ? v : ~st,
		 "get_msr IA32_SYSENTER_CS reads 0xFFFFFFFF %s", when);
}

void probe_main(void)
{
	uint64_t r = ~0ull, a = ~0ull;

	vmm_init(true);
	vmm_guest_new(&g, "sysenter guest");

	vmm_check_st("set-u32-max", "mv_vps_op_set_msr", EXP_STATUS_SUCCESS,
		     msr_op(EXP_IDX_SET_MSR, VALUE, NULL),
		     "set_msr IA32_SYSENTER_CS = 0xFFFFFFFF (all 32 bits of the VMCS field)");
	check_get("get-u32-max", "after the set: all 32 bits kept");
	vmm_check_st("set-bit32", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		     msr_op(EXP_IDX_SET_MSR, 1ull << 32, NULL),
		     "set_msr IA32_SYSENTER_CS = 0x100000000 (bit 32: past the field)");
	check_get("get-after-refused", "after the refused set: it changed nothing");

	uint64_t st = vmm_guest_run(&g, G_RDMSR, (uint64_t[]){ MSR_SYSENTER_CS }, 1, &r, &a);
	bool ran = st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT;
	check_eq("guest-rdmsr", "mv_vps_op_set_msr,mv_vp_run_vp", VALUE, ran ? g.mb->res[0] : ~0ull,
		 "the guest's RDMSR IA32_SYSENTER_CS reads the root's 0xFFFFFFFF (run: %s, exit %s)",
		 vmm_status_name(st), ran ? "hlt" : vmm_exit_name(r));
	check_get("get-after-run", "after the guest's run (the VM exit saved bits 31:0)");

	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
