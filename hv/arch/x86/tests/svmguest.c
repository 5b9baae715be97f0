/*
 * svmguest: a root-VM test of the guest-VM paths of a backend, written on
 * the probe runtime.  It creates a VM, VP and VPS, shares a few of its own
 * pages with the VM, puts the VPS in 64-bit mode (set_identity_map) and
 * runs small snippets (svmguest_guest.S), checking the exit reason, REG1
 * and the VPS state each leaves: HLT, STI;HLT, PAUSE, WRMSR IA32_TSC, the
 * ACPI suspend port, other port I/O, an NPT fault, CPUID + a hypercall from
 * the guest, an injected #GP, MSR/GPR/FPU state round trips.  It ends by
 * destroying everything.  Works on any backend (mvsim --vendor amd too).
 */
#include "probe.h"

#include <microv/mv_abi.h>
#include <microv/mv_reg.h>

PROBE_TITLE("guest VM exits and state through mv_vp_run_vp (backend test)");

extern char guest_area[], guest_area_end[], guest_tables[], guest_stack_top[];
extern char g_hlt[], g_sti_hlt[], g_pause[], g_wrmsr_tsc[], g_suspend[], g_io[], g_npf[];
extern char g_cpuid_hc[], g_gp[], g_fsbase[], g_gpr[], g_fpu[], g_spin[];

static uint64_t handle;
static uint64_t vpsid, vpid, vmid;
static uint8_t mdl_src[4096] __attribute__((aligned(4096)));
static uint8_t mdl_dst[4096] __attribute__((aligned(4096)));
static uint8_t fpu_page[4096] __attribute__((aligned(4096)));

#define RAX(op, idx) ((uint64_t)(op) | (uint64_t)(idx))

static uint64_t hc(uint64_t rax, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		   uint64_t r5, struct hc_regs *out)
{
	struct hc_regs r = { { handle, r1, r2, r3, r4, r5 } };
	uint64_t st = hc_call(rax, &r);

	if (out)
		*out = r;
	return st;
}

static void must(const char *what, uint64_t st)
{
	if (st != MV_STATUS_SUCCESS)
		probe_error("%s failed: status 0x%llx", what, (unsigned long long)st);
}

static void set_reg(enum bf_reg_t reg, uint64_t v)
{
	must("mv_vps_op_set_reg",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_SET_REG_IDX_VAL), vpsid, reg, v, 0, 0, NULL));
}

static uint64_t get_reg(enum bf_reg_t reg)
{
	struct hc_regs r;
	must("mv_vps_op_get_reg",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_GET_REG_IDX_VAL), vpsid, reg, 0, 0, 0, &r));
	return r.r[0];
}

static uint64_t get_msr(uint32_t msr)
{
	struct hc_regs r;
	must("mv_vps_op_get_msr",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_GET_MSR_IDX_VAL), vpsid, msr, 0, 0, 0, &r));
	return r.r[0];
}

/* Runs the VP from `entry` until it returns something other than an
 * external interrupt; returns the reason, *arg = REG1. */
static uint64_t run_from(const char *entry, uint64_t *arg)
{
	struct hc_regs r;

	set_reg(bf_reg_t_rip, (uint64_t)(uintptr_t)entry);
	set_reg(bf_reg_t_rsp, (uint64_t)(uintptr_t)guest_stack_top);
	set_reg(bf_reg_t_rflags, 0x2);
	for (int i = 0; i < 1000; i++) {
		must("mv_vp_run_vp",
		     hc(RAX(MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL), vpid, 0,
			0, 0, 0, &r));
		if (r.r[0] != mv_vp_exit_t_external_interrupt)
			break;
	}
	*arg = r.r[1];
	return r.r[0];
}

static uint64_t fault(uint64_t kind, uint64_t detail)
{
	return (kind << MV_VP_FAULT_KIND_SHIFT) | detail;
}

static void setup(void)
{
	struct hc_regs r;

	struct hc_regs o = { { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 } };
	must("mv_handle_op_open_handle",
	     hc_call(RAX(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL), &o));
	handle = o.r[0];
	must("mv_vm_op_create_vm", hc(RAX(MV_VM_OP_VAL, MV_VM_OP_CREATE_VM_IDX_VAL), 0, 0, 0, 0, 0, &r));
	vmid = r.r[0];
	must("mv_vp_op_create_vp", hc(RAX(MV_VP_OP_VAL, MV_VP_OP_CREATE_VP_IDX_VAL), vmid, 0, 0, 0, 0, &r));
	vpid = r.r[0];
	must("mv_vps_op_create_vps",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_CREATE_VPS_IDX_VAL), vpid, 0, 0, 0, 0, &r));
	vpsid = r.r[0];

	/* Share guest_area with the VM at the same GPA, RWX. */
	struct mv_mdl_t *s = (struct mv_mdl_t *)mdl_src, *d = (struct mv_mdl_t *)mdl_dst;
	uint64_t base = (uint64_t)(uintptr_t)guest_area;
	uint64_t size = (uint64_t)(uintptr_t)guest_area_end - base;
	s->num_entries = d->num_entries = 1;
	s->entries[0].gpa = d->entries[0].gpa = base;
	s->entries[0].size = d->entries[0].size = size;
	must("mv_vm_op_map_mdl",
	     hc(RAX(MV_VM_OP_VAL, MV_VM_OP_MAP_MDL_IDX_VAL), 0, (uint64_t)(uintptr_t)mdl_src, vmid,
		(uint64_t)(uintptr_t)mdl_dst,
		MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS,
		NULL));
	must("mv_vps_op_set_identity_map",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL), vpsid,
		(uint64_t)(uintptr_t)guest_tables, 0, 0, 0, NULL));
	rt_log("vm %llu vp %llu vps %llu, guest memory 0x%llx+0x%llx", (unsigned long long)vmid,
	       (unsigned long long)vpid, (unsigned long long)vpsid, (unsigned long long)base,
	       (unsigned long long)size);
}

static void teardown(void)
{
	must("mv_vm_op_unmap_mdl",
	     hc(RAX(MV_VM_OP_VAL, MV_VM_OP_UNMAP_MDL_IDX_VAL), 0, (uint64_t)(uintptr_t)mdl_src,
		vmid, (uint64_t)(uintptr_t)mdl_dst, 0, NULL));
	must("mv_vps_op_destroy_vps",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_DESTROY_VPS_IDX_VAL), vpsid, 0, 0, 0, 0, NULL));
	must("mv_vp_op_destroy_vp",
	     hc(RAX(MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL), vpid, 0, 0, 0, 0, NULL));
	must("mv_vm_op_destroy_vm",
	     hc(RAX(MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL), vmid, 0, 0, 0, 0, NULL));
}

#define I_RUN "mv_vp_run_vp"

void probe_main(void)
{
	uint64_t arg, why;

	setup();

	why = run_from(g_hlt, &arg);
	check_eq("hlt", I_RUN ",mv_vp_exit_t_hlt", mv_vp_exit_t_hlt, why, "HLT with IF=0 ends the run with hlt");
	check_eq("hlt-rip", I_RUN ",mv_vp_exit_t_hlt", (uint64_t)(uintptr_t)g_hlt + 1,
		 get_reg(bf_reg_t_rip), "RIP is past the HLT");

	why = run_from(g_sti_hlt, &arg);
	check_eq("yield", I_RUN ",mv_vp_exit_t_yield", mv_vp_exit_t_yield, why, "STI;HLT yields");

	why = run_from(g_pause, &arg);
	check_eq("retry", I_RUN ",mv_vp_exit_t_retry", mv_vp_exit_t_retry, why, "PAUSE: retry");
	check_eq("retry-arg", I_RUN ",mv_vp_exit_t_retry", (uint64_t)(uintptr_t)g_pause, arg,
		 "retry's REG1 is the RIP of the PAUSE");

	why = run_from(g_wrmsr_tsc, &arg);
	check_eq("sync-tsc", I_RUN ",mv_vp_exit_t_sync_tsc", mv_vp_exit_t_sync_tsc, why,
		 "WRMSR IA32_TSC: sync_tsc");
	check_eq("sync-tsc-arg", I_RUN ",mv_vp_exit_t_sync_tsc", 0x100002345ull, arg,
		 "sync_tsc's REG1 is the value written");

	why = run_from(g_suspend, &arg);
	check_eq("suspend", I_RUN ",mv_vp_exit_t_suspend", mv_vp_exit_t_suspend, why,
		 "OUT to 0x604 with SLP_EN: suspend");
	check_eq("suspend-arg", I_RUN ",mv_vp_exit_t_suspend", 5, arg, "suspend's REG1 is SLP_TYP");

	why = run_from(g_io, &arg);
	check_eq("io", I_RUN ",mv_vp_exit_t_fault", mv_vp_exit_t_fault, why, "OUT to port 0x80: fault");
	check_eq("io-arg", I_RUN ",mv_vp_exit_t_fault", fault(MV_VP_FAULT_IO, 0x80 | (1u << 16)),
		 arg, "fault REG1: I/O, port 0x80, size 1, out");

	why = run_from(g_npf, &arg);
	check_eq("npf", I_RUN ",mv_vp_exit_t_fault", mv_vp_exit_t_fault, why,
		 "a store to an unmapped GPA: fault");
	check_eq("npf-arg", I_RUN ",mv_vp_exit_t_fault", fault(MV_VP_FAULT_SLPT, 0x3FF00000), arg,
		 "fault REG1: SLPT, the GPA");

	why = run_from(g_cpuid_hc, &arg);
	check_eq("cpuid-hc", I_RUN ",mv_vp_exit_t_hlt", mv_vp_exit_t_hlt, why,
		 "CPUID and a hypercall from the guest resume it");
	check_eq("cpuid-ebx", I_RUN, 0x68747541, get_reg(bf_reg_t_r12) & 0xFFFFFFFF,
		 "the guest's CPUID 0 EBX is 'Auth'");
	check_eq("guest-hc-status", "mv_debug_op_out,MV_STATUS_SUCCESS", MV_STATUS_SUCCESS,
		 get_reg(bf_reg_t_r13), "mv_debug_op_out from a guest succeeds");

	why = run_from(g_gp, &arg);
	check_eq("gp-triple", I_RUN ",mv_vp_exit_t_fault", mv_vp_exit_t_fault, why,
		 "RDMSR of an MSR the VPS does not own: #GP, no IDT: triple fault");
	check_eq("gp-triple-arg", I_RUN ",mv_vp_exit_t_fault", fault(MV_VP_FAULT_TRIPLE, 0), arg,
		 "fault REG1: triple fault");
	/* The triple fault leaves the VPS unusable: reload its state. */
	must("mv_vps_op_set_identity_map",
	     hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL), vpsid,
		(uint64_t)(uintptr_t)guest_tables, 0, 0, 0, NULL));

	why = run_from(g_fsbase, &arg);
	check_eq("fsbase", I_RUN ",mv_vps_op_get_msr", 0x1234000, get_msr(0xC0000100),
		 "the guest's WRMSR FS_BASE is what get_msr reads (exit %llu)",
		 (unsigned long long)why);

	set_reg(bf_reg_t_rbx, 0x1000);
	set_reg(bf_reg_t_r15, 0x2000);
	why = run_from(g_gpr, &arg);
	check_eq("gpr-rbx", "mv_vps_op_get_reg,mv_vps_op_set_reg", 0x1001, get_reg(bf_reg_t_rbx),
		 "RBX set, incremented by the guest, read back");
	check_eq("gpr-r15", "mv_vps_op_get_reg,mv_vps_op_set_reg", 0x2002, get_reg(bf_reg_t_r15),
		 "R15 likewise");
	check_eq("gpr-rsp", "mv_vps_op_get_reg", (uint64_t)(uintptr_t)guest_stack_top,
		 get_reg(bf_reg_t_r14), "RSP as set");

	why = run_from(g_fpu, &arg);
	must("mv_vps_op_get_fpu", hc(RAX(MV_VPS_OP_VAL, MV_VPS_OP_GET_FPU_IDX_VAL), vpsid,
				     (uint64_t)(uintptr_t)fpu_page, 0, 0, 0, NULL));
	uint64_t xmm0;
	memcpy(&xmm0, fpu_page + 160, 8);
	check_eq("fpu-xmm0", "mv_vps_op_get_fpu", 0x1122334455667788ull, xmm0,
		 "XMM0 the guest loaded is in the FXSAVE image");

	/* An endless loop: only the backend's time slice (or an interrupt)
	 * gives the PP back. */
	set_reg(bf_reg_t_rbx, 0);
	set_reg(bf_reg_t_rip, (uint64_t)(uintptr_t)g_spin);
	set_reg(bf_reg_t_rflags, 0x2);
	struct hc_regs r;
	must("mv_vp_run_vp", hc(RAX(MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL),
				vpid, 0, 0, 0, 0, &r));
	check_eq("slice", I_RUN ",mv_vp_exit_t_external_interrupt",
		 mv_vp_exit_t_external_interrupt, r.r[0],
		 "an endless loop is preempted: external_interrupt");
	uint64_t n = get_reg(bf_reg_t_rbx);
	check_tok("slice-progress", I_RUN ",mv_vp_exit_t_external_interrupt", "n>0", rt_hex(n),
		  n > 0, "the guest ran before it was preempted");

	teardown();
}
