/*
 * svmguest: the guest-VM paths of the SVM backend, from the root VM.  It
 * creates a VM, VP and VPS, shares a few of its own pages with the VM (the
 * page-aligned guest_area of guest.S, at the same GPA), puts the VPS in
 * 64-bit mode (set_identity_map) and runs small snippets, checking the exit
 * reason, REG1 and the VPS state each leaves: HLT, STI;HLT, PAUSE, WRMSR
 * IA32_TSC, the ACPI suspend port, other port I/O, an NPT fault, CPUID + a
 * hypercall (VMMCALL) from the guest, an injected #GP, MSR/GPR/FPU state
 * round trips, a time slice.  It ends by destroying everything.
 * probe.toml: needs "svm" (the guest's VMMCALL, CPUID 'AuthenticAMD') and
 * "triple-fault-exit" (the #GP case).
 */
#include "probe.h"
#include "vmm.h"

PROBE_TITLE("guest VM exits and state through mv_vp_run_vp (SVM backend test)");

extern char guest_area[], guest_area_end[], guest_tables[], guest_stack_top[];
extern char g_hlt[], g_sti_hlt[], g_pause[], g_wrmsr_tsc[], g_suspend[], g_io[], g_npf[];
extern char g_cpuid_hc[], g_gp[], g_fsbase[], g_gpr[], g_fpu[], g_spin[];

static uint64_t vpsid, vpid, vmid;
static uint64_t area, area_size;
static uint8_t fpu_page[4096] __attribute__((aligned(4096)));

#define ADDR(sym) ((uint64_t)(uintptr_t)(sym))

static void must(const char *what, uint64_t st)
{
	if (st != EXP_STATUS_SUCCESS)
		probe_error("%s failed: status 0x%llx", what, (unsigned long long)st);
}

static void set_reg(uint64_t reg, uint64_t v)
{
	must("mv_vps_op_set_reg", vmm_vps_set_reg(vpsid, reg, v));
}

static uint64_t get_reg(uint64_t reg)
{
	uint64_t v = 0;

	must("mv_vps_op_get_reg", vmm_vps_get_reg(vpsid, reg, &v));
	return v;
}

static uint64_t get_msr(uint32_t msr)
{
	struct hc_regs o;

	must("mv_vps_op_get_msr", hc_call(EXP_HC_GET_MSR, HC_LOAD(&o, vmm_handle, vpsid, msr)));
	return o.r[0];
}

static void identity_map(void)
{
	must("mv_vps_op_set_identity_map",
	     hc_call(EXP_HC_SET_IDENTITY_MAP, HC_REGS(vmm_handle, vpsid, ADDR(guest_tables))));
}

/* Runs the VP from `entry` until it returns something other than an
 * external interrupt; returns the reason, *arg = REG1. */
static uint64_t run_from(const char *entry, uint64_t *arg)
{
	uint64_t reason = ~0ull;

	set_reg(EXP_REG_RIP, ADDR(entry));
	set_reg(EXP_REG_RSP, ADDR(guest_stack_top));
	set_reg(EXP_REG_RFLAGS, 0x2);
	for (int i = 0; i < 1000; i++) {
		must("mv_vp_run_vp", vmm_run_vp(vpid, &reason, arg));
		if (reason != EXP_EXIT_EXTERNAL_INTERRUPT)
			break;
	}
	return reason;
}

static uint64_t fault(uint64_t kind, uint64_t detail)
{
	return (kind << EXP_VP_FAULT_KIND_SHIFT) | detail;
}

static void setup(void)
{
	vmm_init(false);
	must("mv_vm_op_create_vm", vmm_vm_create(&vmid));
	must("mv_vp_op_create_vp", vmm_vp_create(vmid, &vpid));
	must("mv_vps_op_create_vps", vmm_vps_create(vpid, &vpsid));

	/* Share guest_area with the VM at the same GPA, RWX. */
	area = ADDR(guest_area);
	area_size = ADDR(guest_area_end) - area;
	must("mv_vm_op_map_mdl",
	     vmm_map_range(vmid, area, area, area_size,
			   EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_WRITE_ACCESS |
				   EXP_GPA_FLAG_EXECUTE_ACCESS));
	identity_map();
	rt_log("vm %llu vp %llu vps %llu, guest memory 0x%llx+0x%llx", (unsigned long long)vmid,
	       (unsigned long long)vpid, (unsigned long long)vpsid, (unsigned long long)area,
	       (unsigned long long)area_size);
}

static void teardown(void)
{
	must("mv_vm_op_unmap_mdl", vmm_unmap_range(vmid, area, area, area_size));
	must("mv_vps_op_destroy_vps", vmm_vps_destroy(vpsid));
	must("mv_vp_op_destroy_vp", vmm_vp_destroy(vpid));
	must("mv_vm_op_destroy_vm", vmm_vm_destroy(vmid));
}

#define I_RUN "mv_vp_run_vp"

void probe_main(void)
{
	uint64_t arg, why;

	setup();

	why = run_from(g_hlt, &arg);
	check_eq("hlt", I_RUN ",mv_vp_exit_t_hlt", EXP_EXIT_HLT, why, "HLT with IF=0 ends the run with hlt");
	check_eq("hlt-rip", I_RUN ",mv_vp_exit_t_hlt", ADDR(g_hlt) + 1,
		 get_reg(EXP_REG_RIP), "RIP is past the HLT");

	why = run_from(g_sti_hlt, &arg);
	check_eq("yield", I_RUN ",mv_vp_exit_t_yield", EXP_EXIT_YIELD, why, "STI;HLT yields");

	why = run_from(g_pause, &arg);
	check_eq("retry", I_RUN ",mv_vp_exit_t_retry", EXP_EXIT_RETRY, why, "PAUSE: retry");
	check_eq("retry-arg", I_RUN ",mv_vp_exit_t_retry", ADDR(g_pause), arg,
		 "retry's REG1 is the RIP of the PAUSE");

	why = run_from(g_wrmsr_tsc, &arg);
	check_eq("sync-tsc", I_RUN ",mv_vp_exit_t_sync_tsc", EXP_EXIT_SYNC_TSC, why,
		 "WRMSR IA32_TSC: sync_tsc");
	check_eq("sync-tsc-arg", I_RUN ",mv_vp_exit_t_sync_tsc", 0x100002345ull, arg,
		 "sync_tsc's REG1 is the value written");

	why = run_from(g_suspend, &arg);
	check_eq("suspend", I_RUN ",mv_vp_exit_t_suspend", EXP_EXIT_SUSPEND, why,
		 "OUT to 0x604 with SLP_EN: suspend");
	check_eq("suspend-arg", I_RUN ",mv_vp_exit_t_suspend", 5, arg, "suspend's REG1 is SLP_TYP");

	why = run_from(g_io, &arg);
	check_eq("io", I_RUN ",mv_vp_exit_t_fault", EXP_EXIT_FAULT, why, "OUT to port 0x80: fault");
	check_eq("io-arg", I_RUN ",mv_vp_exit_t_fault", fault(EXP_VP_FAULT_IO, 0x80 | (1u << 16)),
		 arg, "fault REG1: I/O, port 0x80, size 1, out");

	why = run_from(g_npf, &arg);
	check_eq("npf", I_RUN ",mv_vp_exit_t_fault", EXP_EXIT_FAULT, why,
		 "a store to an unmapped GPA: fault");
	check_eq("npf-arg", I_RUN ",mv_vp_exit_t_fault", fault(EXP_VP_FAULT_SLPT, 0x3FF00000), arg,
		 "fault REG1: SLPT, the GPA");

	why = run_from(g_cpuid_hc, &arg);
	check_eq("cpuid-hc", I_RUN ",mv_vp_exit_t_hlt", EXP_EXIT_HLT, why,
		 "CPUID and a hypercall from the guest resume it");
	check_eq("cpuid-ebx", I_RUN, 0x68747541, get_reg(EXP_REG_R12) & 0xFFFFFFFF,
		 "the guest's CPUID 0 EBX is 'Auth'");
	check_eq("guest-hc-status", "mv_debug_op_out,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 get_reg(EXP_REG_R13), "mv_debug_op_out from a guest succeeds");

	why = run_from(g_gp, &arg);
	check_eq("gp-triple", I_RUN ",mv_vp_exit_t_fault", EXP_EXIT_FAULT, why,
		 "RDMSR of an MSR the VPS does not own: #GP, no IDT: triple fault");
	check_eq("gp-triple-arg", I_RUN ",mv_vp_exit_t_fault", fault(EXP_VP_FAULT_TRIPLE, 0), arg,
		 "fault REG1: triple fault");
	/* The triple fault leaves the VPS unusable: reload its state. */
	identity_map();

	why = run_from(g_fsbase, &arg);
	check_eq("fsbase", I_RUN ",mv_vps_op_get_msr", 0x1234000, get_msr(0xC0000100),
		 "the guest's WRMSR FS_BASE is what get_msr reads (exit %llu)",
		 (unsigned long long)why);

	set_reg(EXP_REG_RBX, 0x1000);
	set_reg(EXP_REG_R15, 0x2000);
	why = run_from(g_gpr, &arg);
	check_eq("gpr-rbx", "mv_vps_op_get_reg,mv_vps_op_set_reg", 0x1001, get_reg(EXP_REG_RBX),
		 "RBX set, incremented by the guest, read back");
	check_eq("gpr-r15", "mv_vps_op_get_reg,mv_vps_op_set_reg", 0x2002, get_reg(EXP_REG_R15),
		 "R15 likewise");
	check_eq("gpr-rsp", "mv_vps_op_get_reg", ADDR(guest_stack_top),
		 get_reg(EXP_REG_R14), "RSP as set");

	why = run_from(g_fpu, &arg);
	must("mv_vps_op_get_fpu",
	     hc_call(EXP_HC_GET_FPU, HC_REGS(vmm_handle, vpsid, ADDR(fpu_page))));
	uint64_t xmm0;
	memcpy(&xmm0, fpu_page + 160, 8);
	check_eq("fpu-xmm0", "mv_vps_op_get_fpu", 0x1122334455667788ull, xmm0,
		 "XMM0 the guest loaded is in the FXSAVE image");

	/* An endless loop: only the backend's time slice (or an interrupt)
	 * gives the PP back. */
	set_reg(EXP_REG_RBX, 0);
	set_reg(EXP_REG_RIP, ADDR(g_spin));
	set_reg(EXP_REG_RFLAGS, 0x2);
	must("mv_vp_run_vp", vmm_run_vp(vpid, &why, &arg));
	check_eq("slice", I_RUN ",mv_vp_exit_t_external_interrupt", EXP_EXIT_EXTERNAL_INTERRUPT, why,
		 "an endless loop is preempted: external_interrupt");
	uint64_t n = get_reg(EXP_REG_RBX);
	check_tok("slice-progress", I_RUN ",mv_vp_exit_t_external_interrupt", "n>0", rt_hex(n),
		  n > 0, "the guest ran before it was preempted");

	teardown();
}
