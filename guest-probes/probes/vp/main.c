/*
 * vp: mv_vp_op_create_vp / destroy_vp / vmid / vpid (spec 6.11, E-02) with
 * docs/spec-errata.md E-15 (64 VPs with the root's), E-16 (root VPs, busy
 * VPs), E-18 (vpid from any VM, vmid root-only).  A guest reports its VPID.
 */
#include "vmm.h"

PROBE_TITLE("VPs: create in guest/root/missing VMs, vmid, vpid from root and guest, destroy");

#define I_CREATE "mv_vp_op_create_vp"
#define I_DESTROY "mv_vp_op_destroy_vp"
#define I_VMID "mv_vp_op_vmid"
#define I_VPID "mv_vp_op_vpid"

static uint64_t vp_vmid(uint64_t vpid, uint64_t *vmid)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, vpid));

	*vmid = o.r[0];
	return st;
}

void probe_main(void)
{
	struct hc_regs o;
	uint64_t st, vm, vp, vp2, vps, v, root_vps = 0;
	uint64_t ids[EXP_MAX_VPS + 1];
	unsigned n;

	vmm_init(true);

	/* vpid of the root: its root VP, 0 on the bootstrap PP. */
	st = hc_call(EXP_HC_VP_VPID, HC_LOAD(&o, vmm_handle));
	vmm_check_st("vpid-root-status", I_VPID, EXP_STATUS_SUCCESS, st, "mv_vp_op_vpid from the root");
	check_eq("vpid-root", I_VPID, EXP_ROOT_VPID, o.r[0],
		 "the root runs on the bootstrap PP: its root VP is VPID 0");
	st = vp_vmid(o.r[0], &v);
	vmm_check_st("vmid-of-root-vp-status", I_VMID, EXP_STATUS_SUCCESS, st, "vp_op_vmid of the root VP");
	check_eq("vmid-of-root-vp", I_VMID, EXP_ROOT_VMID, v, "the root VP belongs to VM 0");

	/* Root VPs: the IDs vp_op_vmid reports in VM 0 before any guest exists. */
	for (uint64_t i = 0; i < EXP_MAX_VPS; i++)
		if (vp_vmid(i, &v) == EXP_STATUS_SUCCESS && v == EXP_ROOT_VMID)
			root_vps++;

	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS)
		probe_error("create_vm failed");

	st = vmm_vp_create(vm, &vp);
	vmm_check_st("create-status", I_CREATE, EXP_STATUS_SUCCESS, st, "create_vp in a guest VM");
	check_tok("create-vpid", I_CREATE, "not-root-16bit", rt_hex(vp),
		  vp >= root_vps && vp < EXP_INVALID_ID,
		  "the VPID is not one of the %llu root VPs and fits 16 bits",
		  (unsigned long long)root_vps);
	st = vp_vmid(vp, &v);
	vmm_check_st("vmid-status", I_VMID, EXP_STATUS_SUCCESS, st, "vp_op_vmid of the new VP");
	check_eq("vmid", I_VMID, vm, v, "the new VP belongs to the VM it was created in");
	st = vp_vmid(0xFFFF0000ull | vp, &v);
	check_eq("vmid-revi", I_VMID ",MV_STATUS_SUCCESS", vm, st == EXP_STATUS_SUCCESS ? v : st,
		 "vp_op_vmid ignores REG1[63:16] (REVI)");
	st = vp_vmid(EXP_INVALID_ID, &v);
	vmm_check_st("vmid-missing", I_VMID, EXP_STATUS_INVALID_PARAMS1, st,
		 "vp_op_vmid of VPID 0xFFFF (no such VP)");

	st = vmm_vp_create(EXP_ROOT_VMID, &vp2);
	vmm_check_st("create-in-root", I_CREATE, EXP_STATUS_INVALID_PARAMS1, st,
		 "create_vp in the root VM is refused (root VPs exist one per PP)");
	st = vmm_vp_create(EXP_INVALID_ID, &vp2);
	vmm_check_st("create-in-invalid", I_CREATE, EXP_STATUS_INVALID_PARAMS1, st,
		 "create_vp in VM 0xFFFF");
	st = vmm_vp_create(vm + 1, &vp2);
	vmm_check_st("create-in-missing", I_CREATE, EXP_STATUS_INVALID_PARAMS1, st,
		 "create_vp in a VMID that was never created (0x%llx)", (unsigned long long)(vm + 1));
	st = vmm_vp_create(0xABCD0000ull | vm, &vp2);
	vmm_check_st("create-revi", I_CREATE, EXP_STATUS_SUCCESS, st,
		 "create_vp ignores REG1[63:16] (REVI)");
	if (st == EXP_STATUS_SUCCESS) {
		check_tok("create-revi-distinct", I_CREATE, rt_fmt("not-%llx", (unsigned long long)vp),
			  rt_hex(vp2), vp2 != vp, "a second VP gets a different VPID");
		st = vp_vmid(vp2, &v);
		check_eq("create-revi-vm", I_VMID, vm, v, "and belongs to the VM of REG1[15:0]");
		vmm_check_st("destroy-revi", I_DESTROY, EXP_STATUS_SUCCESS,
			 hc_call(EXP_HC_DESTROY_VP, HC_REGS(vmm_handle, 0x12340000ull | vp2)),
			 "destroy_vp ignores REG1[63:16] (REVI)");
		vmm_check_st("destroy-twice", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, vmm_vp_destroy(vp2),
			 "destroy_vp of an already destroyed VP");
	}

	/* destroy: with a VPS, a root VP, a missing VP. */
	if (vmm_vps_create(vp, &vps) != EXP_STATUS_SUCCESS)
		probe_error("create_vps failed");
	st = vmm_vp_destroy(vp);
	vmm_check_st("destroy-with-vps", I_DESTROY, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "destroy_vp of a VP that still has a VPS (E-16)");
	st = vmm_vps_get_reg(vps, EXP_REG_RAX, &v);
	vmm_check_st("destroy-with-vps-unchanged", I_DESTROY, EXP_STATUS_SUCCESS, st,
		 "after the refused destroy its VPS is still there (get_reg works)");
	st = vmm_vp_destroy(EXP_ROOT_VPID);
	vmm_check_st("destroy-root-vp", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroying a root VP is refused (E-16)");
	st = vmm_vp_destroy(EXP_INVALID_ID);
	vmm_check_st("destroy-missing", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroy_vp of VPID 0xFFFF");
	st = vmm_vm_destroy(vm);
	vmm_check_st("vm-destroy-with-vp", "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PERM_DENIED, st,
		 "the VM cannot be destroyed while the VP exists");
	vmm_check_st("destroy-vps", "mv_vps_op_destroy_vps", EXP_STATUS_SUCCESS, vmm_vps_destroy(vps),
		 "destroying the VPS first");
	vmm_check_st("destroy-ok", I_DESTROY, EXP_STATUS_SUCCESS, vmm_vp_destroy(vp),
		 "then destroy_vp succeeds");
	st = vp_vmid(vp, &v);
	vmm_check_st("vmid-destroyed", I_VMID, EXP_STATUS_INVALID_PARAMS1, st,
		 "vp_op_vmid of the destroyed VP");

	/* table exhaustion: 64 VPs with the root's. */
	for (n = 0; n < EXP_MAX_VPS + 1; n++)
		if ((st = vmm_vp_create(vm, &ids[n])) != EXP_STATUS_SUCCESS)
			break;
	check_eq("exhaust-count", I_CREATE ",MV_STATUS_SUCCESS", EXP_MAX_VPS - root_vps, n,
		 "create_vp succeeds 64 - %llu (root VPs) times (docs/limits.md)",
		 (unsigned long long)root_vps);
	vmm_check_st("exhaust-refused", I_CREATE, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "the next create_vp is refused (E-15)");
	{
		unsigned ok = 0;
		for (unsigned i = 0; i < n; i++)
			ok += vmm_vp_destroy(ids[i]) == EXP_STATUS_SUCCESS;
		check_eq("exhaust-destroy-all", I_DESTROY ",MV_STATUS_SUCCESS", n, ok,
			 "every VP of the full table is destroyed");
	}
	vmm_check_st("vm-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_vm_destroy(vm),
		 "the empty VM is destroyed");

	/* a guest's own VPID (E-18). */
	{
		struct guest g;
		uint64_t reason, gh;

		vmm_guest_new(&g, "vpid guest");
		st = vmm_guest_hc(&g, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-open-handle", "mv_handle_op_open_handle", EXP_STATUS_SUCCESS, st,
			 "the guest opens its handle (run ended with %s)", vmm_exit_name(reason));
		gh = o.r[0];
		st = vmm_guest_hc(&g, EXP_HC_VP_VPID, gh, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-vpid-status", I_VPID, EXP_STATUS_SUCCESS, st,
			 "mv_vp_op_vpid from the guest");
		check_eq("guest-vpid", I_VPID, g.vpid, o.r[0],
			 "the guest sees the VPID create_vp returned for it");
		st = vmm_guest_hc(&g, EXP_HC_VP_VMID, gh, g.vpid, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-vp-vmid", I_VMID, EXP_STATUS_INVALID_PERM_EXT, st,
			 "mv_vp_op_vmid is root-only (E-18), even for the guest's own VP");
		st = vmm_guest_free(&g);
		vmm_check_st("guest-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, st,
			 "the guest's VPS, VP and VM are destroyed");
	}
}
