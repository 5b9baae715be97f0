/*
 * msrguest: a guest VM cannot reach the virtualization-control MSRs either.
 * The guest agent writes a fake host-save address to VM_HSAVE_PA (then
 * reads it, and writes VM_CR).  Each access raises #GP in the guest; the
 * agent has no handler below vector 32, so the #GP becomes a triple fault:
 * mv_vp_run_vp ends with mv_vp_exit_t_fault, REG1 = the triple-fault kind
 * (docs/exit-reasons.md).  A WRMSR of an MSR the VPS keeps (LSTAR) runs to
 * its HLT, so the fault is the MSR's, not WRMSR's.  IA32_PKRS, which passes
 * through to the root, raises #GP in a guest too (read and write).
 * Afterwards the guest
 * and the root still run under the hypervisor.
 */
#include "vmm.h"

PROBE_TITLE("a guest's VM_HSAVE_PA / VM_CR accesses: #GP (a triple fault in the agent)");

#define ITEMS "mv_vp_run_vp,mv_vp_exit_t_fault"

#define MSR_LSTAR 0xC0000082u
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define MSR_PKRS 0x6E1u

static void expect_gp_fault(struct guest *g, const char *id, uint64_t cmd, uint64_t msr,
			    uint64_t val, const char *what)
{
	uint64_t args[2] = { msr, val }, r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run(g, cmd, args, 2, &r, &a);
	bool ok = st == EXP_STATUS_SUCCESS && r == EXP_EXIT_FAULT &&
		  a == EXP_FAULT(EXP_VP_FAULT_TRIPLE, 0);
	check_tok(id, ITEMS, "gp-triple", ok ? "gp-triple" : rt_fmt("%s-0x%llx", vmm_exit_name(r),
		  (unsigned long long)a), ok,
		  "%s (status 0x%llx): #GP in the guest, a triple fault in the agent",
		  what, (unsigned long long)st);
	vmm_guest_reset(g);
}

void probe_main(void)
{
	struct guest g;
	uint64_t r = ~0ull, a = ~0ull;

	vmm_init(true);
	vmm_guest_new(&g, "msr guest");

	uint64_t args[2] = { MSR_LSTAR, 0xFFFF800000002000ull };
	uint64_t st = vmm_guest_run(&g, G_WRMSR, args, 2, &r, &a);
	check_eq("guest-lstar-write", "mv_vp_run_vp,mv_vp_exit_t_hlt", EXP_EXIT_HLT,
		 st == EXP_STATUS_SUCCESS ? r : st, "a WRMSR of LSTAR (kept by the VPS) runs to HLT");

	expect_gp_fault(&g, "guest-vm-hsave-pa-write", G_WRMSR, MSR_VM_HSAVE_PA, 0x800000,
			"WRMSR VM_HSAVE_PA <- a fake host-save area in the guest's memory");
	expect_gp_fault(&g, "guest-vm-hsave-pa-read", G_RDMSR, MSR_VM_HSAVE_PA, 0,
			"RDMSR VM_HSAVE_PA");
	expect_gp_fault(&g, "guest-vm-cr-write", G_WRMSR, MSR_VM_CR, 0x18,
			"WRMSR VM_CR <- LOCK|SVMDIS");
	/* The root's PKRS passes through to the root only (docs/root-vm.md). */
	expect_gp_fault(&g, "guest-pkrs-read", G_RDMSR, MSR_PKRS, 0,
			"RDMSR IA32_PKRS (the root's protection keys)");
	expect_gp_fault(&g, "guest-pkrs-write", G_WRMSR, MSR_PKRS, 0x5,
			"WRMSR IA32_PKRS <- access-disable key 0 and 1");

	uint64_t cargs[2] = { EXP_CPUID_XX00, 0 };
	r = ~0ull;
	st = vmm_guest_run(&g, G_CPUID, cargs, 2, &r, &a);
	check_eq("guest-still-guest", "mv_vp_run_vp,CPUID_4000_XX00_EBX", EXP_CPUID_VENDOR_ID1_VAL,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[1] : st,
		 "after the attempts the guest runs and its CPUID 0x%x still answers MicroV",
		 EXP_CPUID_XX00);
	struct cpuid_regs c = cpuid1(EXP_CPUID_XX00);
	check_eq("root-still-root", "none", EXP_CPUID_VENDOR_ID1_VAL, c.ebx,
		 "the root's CPUID 0x%x still exits to the hypervisor", EXP_CPUID_XX00);
	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
