/*
 * tablebounds: every root hypercall that looks an ID up in one of the
 * hypervisor's tables (VMs, VPs, VPSs), given the first ID past the table
 * (EXP_MAX_VMS, EXP_MAX_VPS, EXP_MAX_VPSS: docs/limits.md) and the table's
 * last ID (free in a machine with no guests), is refused with
 * INVALID_PARAMS1 and creates nothing.  A lookup whose bound is one off
 * reads the entry past the table: on the plain backends that memory often
 * looks like a free slot and the status does not change, so the probe is
 * written for mvsim-asan, where that read ends the run (sim/README.md
 * "mvsim-asan"; issue 17's vm_get survivor).
 */
#include "vmm.h"

PROBE_TITLE("tables at their first invalid ID: VMID 16, VPID 64, VPSID 64 refused");

static uint64_t vp_vmid(uint64_t vpid)
{
	struct hc_regs o;

	return hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, vpid));
}

/* The calls that look up a VMID, at `vmid`. */
static void vm_ids(const char *at, uint64_t vmid)
{
	uint64_t vp = ~0ull;

	vmm_check_st(rt_fmt("destroy-vm-%s", at), "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vm_destroy(vmid), "destroy_vm of VMID 0x%llx (no such VM)",
		     (unsigned long long)vmid);
	vmm_check_st(rt_fmt("create-vp-%s", at), "mv_vp_op_create_vp", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vp_create(vmid, &vp), "create_vp in VMID 0x%llx (no such VM)",
		     (unsigned long long)vmid);
}

/* The calls that look up a VPID, at `vpid`. */
static void vp_ids(const char *at, uint64_t vpid)
{
	uint64_t vps = ~0ull, reason, arg;

	vmm_check_st(rt_fmt("vp-vmid-%s", at), "mv_vp_op_vmid", EXP_STATUS_INVALID_PARAMS1,
		     vp_vmid(vpid), "vp_op_vmid of VPID 0x%llx (no such VP)", (unsigned long long)vpid);
	vmm_check_st(rt_fmt("destroy-vp-%s", at), "mv_vp_op_destroy_vp", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vp_destroy(vpid), "destroy_vp of VPID 0x%llx (no such VP)",
		     (unsigned long long)vpid);
	vmm_check_st(rt_fmt("create-vps-%s", at), "mv_vps_op_create_vps", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vps_create(vpid, &vps), "create_vps in VPID 0x%llx (no such VP)",
		     (unsigned long long)vpid);
	vmm_check_st(rt_fmt("run-vp-%s", at), "mv_vp_run_vp", EXP_STATUS_INVALID_PARAMS1,
		     vmm_run_vp(vpid, &reason, &arg), "run_vp of VPID 0x%llx (no such VP)",
		     (unsigned long long)vpid);
}

/* The calls that look up a VPSID, at `vpsid`. */
static void vps_ids(const char *at, uint64_t vpsid)
{
	uint64_t v = 0;

	vmm_check_st(rt_fmt("get-reg-%s", at), "mv_vps_op_get_reg", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vps_get_reg(vpsid, EXP_REG_RAX, &v), "get_reg of VPSID 0x%llx (no such VPS)",
		     (unsigned long long)vpsid);
	vmm_check_st(rt_fmt("destroy-vps-%s", at), "mv_vps_op_destroy_vps", EXP_STATUS_INVALID_PARAMS1,
		     vmm_vps_destroy(vpsid), "destroy_vps of VPSID 0x%llx (no such VPS)",
		     (unsigned long long)vpsid);
}

void probe_main(void)
{
	vmm_init(false);
	/* No guest exists: the last ID of each table is free (the root's VPs
	 * and VPSs take the lowest IDs, one per PP). */
	vm_ids("last", EXP_MAX_VMS - 1);
	vm_ids("past", EXP_MAX_VMS);
	vp_ids("last", EXP_MAX_VPS - 1);
	vp_ids("past", EXP_MAX_VPS);
	vps_ids("last", EXP_MAX_VPSS - 1);
	vps_ids("past", EXP_MAX_VPSS);
	/* Nothing was created: the first guest VM still gets VMID 1. */
	uint64_t vm = ~0ull;
	vmm_check_st("create-vm-after", "mv_vm_op_create_vm", EXP_STATUS_SUCCESS, vmm_vm_create(&vm),
		     "create_vm after the refused calls");
	check_eq("create-vm-after-id", "mv_vm_op_create_vm", 1, vm,
		 "the refused calls created no VM: the first guest VM is VMID 1");
	if (vm != ~0ull)
		vmm_vm_destroy(vm);
}
