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

/* Each call that looks an ID up, as a function of that ID alone. */
static uint64_t destroy_vm(uint64_t id) { return vmm_vm_destroy(id); }
static uint64_t create_vp(uint64_t id) { uint64_t vp; return vmm_vp_create(id, &vp); }
static uint64_t vp_vmid(uint64_t id)
{
	struct hc_regs o;

	return hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, id));
}
static uint64_t destroy_vp(uint64_t id) { return vmm_vp_destroy(id); }
static uint64_t create_vps(uint64_t id) { uint64_t vps; return vmm_vps_create(id, &vps); }
static uint64_t run_vp(uint64_t id) { uint64_t reason, arg; return vmm_run_vp(id, &reason, &arg); }
static uint64_t get_reg(uint64_t id) { uint64_t v; return vmm_vps_get_reg(id, EXP_REG_RAX, &v); }
static uint64_t destroy_vps(uint64_t id) { return vmm_vps_destroy(id); }

static const struct lookup {
	const char *name;    /* the check id's first part */
	const char *item;    /* the hypercall's ABI item */
	const char *table;   /* "VMID", "VPID", "VPSID" */
	uint64_t size;       /* the table's size: its first invalid ID */
	uint64_t (*call)(uint64_t id);
} lookups[] = {
	{ "destroy-vm", "mv_vm_op_destroy_vm", "VMID", EXP_MAX_VMS, destroy_vm },
	{ "create-vp", "mv_vp_op_create_vp", "VMID", EXP_MAX_VMS, create_vp },
	{ "vp-vmid", "mv_vp_op_vmid", "VPID", EXP_MAX_VPS, vp_vmid },
	{ "destroy-vp", "mv_vp_op_destroy_vp", "VPID", EXP_MAX_VPS, destroy_vp },
	{ "create-vps", "mv_vps_op_create_vps", "VPID", EXP_MAX_VPS, create_vps },
	{ "run-vp", "mv_vp_run_vp", "VPID", EXP_MAX_VPS, run_vp },
	{ "get-reg", "mv_vps_op_get_reg", "VPSID", EXP_MAX_VPSS, get_reg },
	{ "destroy-vps", "mv_vps_op_destroy_vps", "VPSID", EXP_MAX_VPSS, destroy_vps },
};

void probe_main(void)
{
	vmm_init(false);
	/* No guest exists: the last ID of each table is free (the root's VPs
	 * and VPSs take the lowest IDs, one per PP). */
	for (unsigned i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup *l = &lookups[i];
		for (uint64_t id = l->size - 1; id <= l->size; id++)
			vmm_check_st(rt_fmt("%s-%s", l->name, id < l->size ? "last" : "past"), l->item,
				     EXP_STATUS_INVALID_PARAMS1, l->call(id),
				     "%s of %s 0x%llx (%s)", l->item, l->table, (unsigned long long)id,
				     id < l->size ? "the table's last, free" : "the first past the table");
	}
	/* Nothing was created: the first guest VM still gets VMID 1. */
	uint64_t vm = ~0ull;
	vmm_check_st("create-vm-after", "mv_vm_op_create_vm", EXP_STATUS_SUCCESS, vmm_vm_create(&vm),
		     "create_vm after the refused calls");
	check_eq("create-vm-after-id", "mv_vm_op_create_vm", 1, vm,
		 "the refused calls created no VM: the first guest VM is VMID 1");
	if (vm != ~0ull)
		vmm_vm_destroy(vm);
}
