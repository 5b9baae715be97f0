/*
 * segregs: a guest VPS's segment registers keep their full width through
 * mv_vps_op_set_reg and mv_vps_op_get_reg.  The bases of FS, GS, LDTR and TR
 * are 64-bit linear addresses (any canonical value, hv/core/reg_valid.c), the
 * bases of ES/CS/SS/DS and every limit 32 bits.  Each backend stores them in
 * its own structure (VMCB, VMCS fields of different widths, mvsim's state),
 * so a backend that writes a base through the limit's 32-bit mask hands back
 * a different value (the VMX backend mutant vmx/regs.c `field == 2 ->
 * field != 2`, docs/testing.md "The backends").
 */
#include "vmm.h"

PROBE_TITLE("Segment registers: 64-bit bases and 32-bit limits round trip through set_reg/get_reg");

static const struct {
	uint64_t reg, val;
	const char *name;
} regs[] = {
	{ EXP_REG_FS_BASE, 0xFFFF800012345000ull, "fs-base" },
	{ EXP_REG_GS_BASE, 0x00007FFF87654000ull, "gs-base" },
	{ EXP_REG_LDTR_BASE, 0xFFFFFFFF80001000ull, "ldtr-base" },
	{ EXP_REG_TR_BASE, 0x0000123400005000ull, "tr-base" },
	{ EXP_REG_ES_BASE, 0xFFFFF000ull, "es-base" },
	{ EXP_REG_FS_LIMIT, 0xFFFFFFFFull, "fs-limit" },
};

void probe_main(void)
{
	uint64_t vm, vp, vps, v, st;

	vmm_init(false);
	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS || vmm_vp_create(vm, &vp) != EXP_STATUS_SUCCESS ||
	    vmm_vps_create(vp, &vps) != EXP_STATUS_SUCCESS)
		probe_error("cannot create a VM, VP and VPS");
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		st = vmm_vps_set_reg(vps, regs[i].reg, regs[i].val);
		vmm_check_st(rt_fmt("set-%s", regs[i].name), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
			     "set_reg %s = 0x%llx", regs[i].name, (unsigned long long)regs[i].val);
		st = vmm_vps_get_reg(vps, regs[i].reg, &v);
		check_eq(rt_fmt("get-%s", regs[i].name), "mv_vps_op_set_reg,mv_vps_op_get_reg",
			 regs[i].val, st == EXP_STATUS_SUCCESS ? v : st,
			 "get_reg %s returns all the bits set_reg wrote", regs[i].name);
	}
	if (vmm_vps_destroy(vps) != EXP_STATUS_SUCCESS || vmm_vp_destroy(vp) != EXP_STATUS_SUCCESS ||
	    vmm_vm_destroy(vm) != EXP_STATUS_SUCCESS)
		probe_error("cannot destroy the VPS, VP and VM");
}
