/*
 * isolation: what a guest VM can and cannot reach.  Two guests (the agent,
 * module guest-agent.elf): memory never given, given to the other guest,
 * donated and taken back, read-only; every root-only hypercall from a
 * guest (E-18: INVALID_PERM_EXT); the guest's own handle for the calls any
 * VM may make (debug_out, vm_vmid, vp_vpid, handles, E-14, E-17).
 */
#include "vmm.h"

PROBE_TITLE("isolation: guests' memory and the hypercalls a guest may and may not make");

#define PAGE 0x1000ull
#define RW EXP_GPA_RW

static struct guest A, B;

static void fault_expect(struct guest *g, const char *id, const char *items, uint64_t cmd,
			 uint64_t gpa, const char *what)
{
	uint64_t r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run(g, cmd, (uint64_t[]){ gpa, 0x77 }, 2, &r, &a);

	check_eq(rt_fmt("%s-reason", id), rt_fmt("%s,mv_vp_exit_t_fault", items), EXP_EXIT_FAULT,
		 st == EXP_STATUS_SUCCESS ? r : st, "%s ends with mv_vp_exit_t_fault (got %s)", what,
		 vmm_exit_name(r));
	check_eq(rt_fmt("%s-reg1", id), rt_fmt("%s,mv_vp_exit_t_fault", items),
		 EXP_FAULT(EXP_VP_FAULT_SLPT, gpa), a, "REG1 = 1<<56 | GPA 0x%llx", (unsigned long long)gpa);
	vmm_guest_reset(g);
}

static uint64_t read_in(struct guest *g, uint64_t gpa, uint64_t *reason)
{
	uint64_t a;

	if (vmm_guest_run(g, G_READ, (uint64_t[]){ gpa }, 1, reason, &a) != EXP_STATUS_SUCCESS)
		*reason = ~0ull;
	return g->mb->res[0];
}

static void memory(void)
{
	uint64_t P = vmm_alloc(1), D = vmm_alloc(1), R = vmm_alloc(1), r, v, st;
	const uint64_t x = GUEST_SCRATCH_GPA;

	/* never given: nothing there, not even at the root's own addresses */
	fault_expect(&A, "never-given", "mv_vm_op_map_mdl", G_READ, 0x2000000,
		     "A reading GPA 0x2000000, never mapped into it");
	fault_expect(&A, "root-address", "mv_vm_op_map_mdl", G_READ, A.mb_gpa + 0x1000 * 3,
		     "A reading a GPA where the root has RAM (guest GPAs are not the root's)");

	/* given to B only */
	*(volatile uint64_t *)vmm_gpa_ptr(P) = 0xB0B0B0B0ull;
	st = vmm_map_range(B.vmid, P, x, PAGE, RW);
	vmm_check_st("share-b", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st, "share a page with B at 0x%llx",
		 (unsigned long long)x);
	v = read_in(&B, x, &r);
	check_eq("share-b-reads", "mv_vm_op_map_mdl", 0xB0B0B0B0ull, r == EXP_EXIT_HLT ? v : ~0ull,
		 "B reads it");
	fault_expect(&A, "other-guests", "mv_vm_op_map_mdl", G_READ, x,
		     "A reading the same GPA, which only B was given");

	/* donated to A, taken back */
	*(volatile uint64_t *)vmm_gpa_ptr(D) = 0xD0D0D0D0ull;
	st = vmm_map_range(A.vmid, D, x + PAGE, PAGE, RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate-a", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st, "donate a page to A");
	v = read_in(&A, x + PAGE, &r);
	check_eq("donate-a-reads", "mv_vm_op_map_mdl", 0xD0D0D0D0ull, r == EXP_EXIT_HLT ? v : ~0ull,
		 "A reads the donated page");
	st = vmm_map_mdl(A.vmid, vmm_mdl_one(x + PAGE, PAGE), B.vmid, vmm_mdl_one(x + PAGE, PAGE),
		     RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate-a-to-b", "mv_vm_op_map_mdl", EXP_STATUS_INVALID_PARAMS2, st,
		 "the root cannot donate A's page on to B (only the root's own pages are donated)");
	fault_expect(&B, "donate-a-to-b-none", "mv_vm_op_map_mdl", G_READ, x + PAGE,
		     "B reading where the refused donation would have put it");
	st = vmm_unmap_range(A.vmid, D, x + PAGE, PAGE);
	vmm_check_st("take-back", "mv_vm_op_unmap_mdl", EXP_STATUS_SUCCESS, st, "unmap A's donated page");
	fault_expect(&A, "taken-back", "mv_vm_op_unmap_mdl", G_READ, x + PAGE,
		     "A reading the page that was taken back");

	/* read-only */
	*(volatile uint64_t *)vmm_gpa_ptr(R) = 0x0123;
	st = vmm_map_range(A.vmid, R, x + 2 * PAGE, PAGE, EXP_GPA_FLAG_READ_ACCESS);
	vmm_check_st("ro", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st, "share a page read-only with A");
	fault_expect(&A, "ro-write", "mv_vm_op_map_mdl", G_WRITE, x + 2 * PAGE,
		     "A writing its read-only page");
	check_eq("ro-intact", "mv_vm_op_map_mdl", 0x0123, *(volatile uint64_t *)vmm_gpa_ptr(R),
		 "the page is unchanged");
	/* not executable: no X flag */
	*(volatile uint32_t *)vmm_gpa_ptr(R) = 0x90909090u; /* nops, then ret below */
	*(volatile uint8_t *)vmm_gpa_ptr(R + 4) = 0xC3;
	fault_expect(&A, "nx-exec", "mv_vm_op_map_mdl", G_EXEC, x + 2 * PAGE,
		     "A calling code in its page mapped without EXECUTE_ACCESS");
}

static const struct { uint64_t rax; const char *name; uint64_t r1; } root_only[] = {
	{ EXP_HC_CREATE_VM, "mv_vm_op_create_vm", 0 },
	{ EXP_HC_DESTROY_VM, "mv_vm_op_destroy_vm", 0 /* B's VMID, set below */ },
	{ EXP_HC_MAP_MDL, "mv_vm_op_map_mdl", 0 },
	{ EXP_HC_UNMAP_MDL, "mv_vm_op_unmap_mdl", 0 },
	{ EXP_HC_SET_GPA_FLAGS_MDL, "mv_vm_op_set_gpa_flags_mdl", 0 },
	{ EXP_HC_CREATE_VP, "mv_vp_op_create_vp", 0 },
	{ EXP_HC_DESTROY_VP, "mv_vp_op_destroy_vp", 0 },
	{ EXP_HC_VP_VMID, "mv_vp_op_vmid", 0 },
	{ EXP_HC_RUN_VP, "mv_vp_run_vp", 0 },
};

static const struct { uint64_t rax; const char *name; } vps_calls[] = {
	{ EXP_HC_CREATE_VPS, "mv_vps_op_create_vps" },
	{ EXP_HC_DESTROY_VPS, "mv_vps_op_destroy_vps" },
	{ EXP_HC_GET_CPUID, "mv_vps_op_get_cpuid" },
	{ EXP_HC_SET_CPUID, "mv_vps_op_set_cpuid" },
	{ EXP_HC_GET_REG, "mv_vps_op_get_reg" },
	{ EXP_HC_SET_REG, "mv_vps_op_set_reg" },
	{ EXP_HC_GET_MSR, "mv_vps_op_get_msr" },
	{ EXP_HC_SET_MSR, "mv_vps_op_set_msr" },
	{ EXP_HC_GET_SUPPORTED_MSRS, "mv_vps_op_get_supported_msrs" },
	{ EXP_HC_GET_SUPPORTED_FEATURE_MSRS, "mv_vps_op_get_supported_feature_msrs" },
	{ EXP_HC_GET_FPU, "mv_vps_op_get_fpu" },
	{ EXP_HC_SET_FPU, "mv_vps_op_set_fpu" },
	{ EXP_HC_GET_XSAVE, "mv_vps_op_get_xsave" },
	{ EXP_HC_SET_XSAVE, "mv_vps_op_set_xsave" },
	{ EXP_HC_VIRT_TO_PHYS, "mv_vps_op_virt_to_phys" },
	{ EXP_HC_QUEUE_IRQ, "mv_vps_op_queue_irq" },
	{ EXP_HC_SET_IDENTITY_MAP, "mv_vps_op_set_identity_map" },
	{ EXP_HC_GET_TSC_KHZ, "mv_vps_op_get_tsc_khz" },
};

static void hypercalls(void)
{
	struct hc_regs o;
	uint64_t st, r, gh;

	/* handles of the guest */
	st = vmm_guest_hc(&A, EXP_HC_OPEN_HANDLE, 0x3123764Eull, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-open-bad-version", "mv_handle_op_open_handle", EXP_STATUS_INVALID_PARAMS0,
		 st, "a guest's open_handle with a wrong version (REG0 is parameter 0, E-14)");
	st = vmm_guest_hc(&A, EXP_HC_VM_VMID, vmm_handle, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-root-handle", "mv_vm_op_vmid", EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "a guest using the root's handle value (it has none open)");
	st = vmm_guest_hc(&A, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-open", "mv_handle_op_open_handle", EXP_STATUS_SUCCESS, st,
		 "the guest opens its own handle");
	gh = o.r[0];
	check_tok("guest-handle-own", "mv_handle_op_open_handle", "not-the-roots", rt_hex(gh),
		  st == EXP_STATUS_SUCCESS && gh != vmm_handle && gh != 0,
		  "the guest's handle is non-zero and not the root's (one per VM, E-14)");
	st = vmm_guest_hc(&B, EXP_HC_VM_VMID, gh, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("other-guests-handle", "mv_vm_op_vmid", EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "guest B using guest A's handle (another VM's handle)");

	/* what any VM may do */
	st = vmm_guest_hc(&A, EXP_HC_DEBUG_OUT, 0x1234ABCDull, A.vmid << 8 | A.vpid, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-debug-out", "mv_debug_op_out", EXP_STATUS_SUCCESS, st,
		 "console: [hv] debug_out vm=%llu vp=%llu: 0x%016llx 0x%016llx",
		 (unsigned long long)A.vmid, (unsigned long long)A.vpid, 0x1234ABCDull,
		 (unsigned long long)(A.vmid << 8 | A.vpid));
	st = vmm_guest_hc(&A, EXP_HC_VM_VMID, gh, 0, 0, 0, 0, 0, &o, &r);
	check_eq("guest-vm-vmid", "mv_vm_op_vmid,MV_STATUS_SUCCESS", A.vmid,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "mv_vm_op_vmid from the guest: its own VMID");
	st = vmm_guest_hc(&A, EXP_HC_VP_VPID, gh, 0, 0, 0, 0, 0, &o, &r);
	check_eq("guest-vp-vpid", "mv_vp_op_vpid,MV_STATUS_SUCCESS", A.vpid,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "mv_vp_op_vpid from the guest: its own VPID");
	st = vmm_guest_hc(&A, EXP_HC(EXP_OP_VM, EXP_NUM_IDX_VM), gh, 0, 0, 0, 0, 0, &o, &r);
	check_eq("guest-unknown-index", "MV_STATUS_FAILURE_UNSUPPORTED", EXP_STATUS_FAILURE_UNSUPPORTED,
		 st, "an unknown VM index (%u) from a guest (E-17)", (unsigned)EXP_NUM_IDX_VM);

	/* root-only: INVALID_PERM_EXT, nothing changed */
	for (unsigned i = 0; i < sizeof(root_only) / sizeof(root_only[0]); i++) {
		uint64_t r1 = root_only[i].rax == EXP_HC_DESTROY_VM ? B.vmid
			      : root_only[i].rax == EXP_HC_DESTROY_VP ? B.vpid
			      : root_only[i].rax == EXP_HC_VP_VMID ? A.vpid
			      : root_only[i].rax == EXP_HC_RUN_VP ? B.vpid
			      : root_only[i].rax == EXP_HC_CREATE_VP ? A.vmid : 0;
		st = vmm_guest_hc(&A, root_only[i].rax, gh, r1, 0, 0, 0, 0, &o, &r);
		vmm_check_st(rt_fmt("perm-%s", root_only[i].name + 3), root_only[i].name,
			 EXP_STATUS_INVALID_PERM_EXT, st, "%s from a guest (root-only, E-18)",
			 root_only[i].name);
		check_eq(rt_fmt("perm-%s-regs", root_only[i].name + 3),
			 rt_fmt("%s,MV_STATUS_INVALID_PERM_EXT", root_only[i].name), r1, o.r[1],
			 "the refused call left REG1 as it was");
	}
	for (unsigned i = 0; i < sizeof(vps_calls) / sizeof(vps_calls[0]); i++) {
		uint64_t r1 = vps_calls[i].rax == EXP_HC_CREATE_VPS ? A.vpid : B.vpsid;

		st = vmm_guest_hc(&A, vps_calls[i].rax, gh, r1, 1, 0, 0, 0, &o, &r);
		vmm_check_st(rt_fmt("perm-%s", vps_calls[i].name + 3), vps_calls[i].name,
			 EXP_STATUS_INVALID_PERM_EXT, st,
			 "%s from a guest (every VPS hypercall is root-only)", vps_calls[i].name);
	}
	/* B is intact after all of A's attempts */
	st = vmm_guest_run(&B, G_NOP, 0, 0, &r, 0);
	check_eq("b-intact", "mv_vm_op_destroy_vm,MV_STATUS_INVALID_PERM_EXT", EXP_EXIT_HLT,
		 st == EXP_STATUS_SUCCESS ? r : st, "B still runs: A's refused calls destroyed nothing");

	st = vmm_guest_hc(&A, EXP_HC_CLOSE_HANDLE, gh, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-close", "mv_handle_op_close_handle", EXP_STATUS_SUCCESS, st,
		 "the guest closes its handle");
	st = vmm_guest_hc(&A, EXP_HC_VP_VPID, gh, 0, 0, 0, 0, 0, &o, &r);
	vmm_check_st("guest-closed-handle", "mv_vp_op_vpid", EXP_STATUS_FAILURE_INVALID_HANDLE, st,
		 "the closed handle no longer works");
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&A, "guest A");
	vmm_guest_new(&B, "guest B");
	memory();
	hypercalls();
	vmm_check_st("destroy-a", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_guest_free(&A), "destroy A");
	vmm_check_st("destroy-b", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_guest_free(&B),
		 "destroy B (with its shared-in page)");
}
