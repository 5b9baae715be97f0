/* Vendor detection and the hypercall primitive (include/hypercall.h). */
#include "cpu.h"
#include "expect.h"
#include "fmt.h"
#include "hypercall.h"
#include "report.h"

extern char rt_vmcall_insn[], rt_vmcall_resume[];
extern char rt_vmmcall_insn[], rt_vmmcall_resume[];

static enum hc_vendor vendor;
static char vendor_str[13];

void hc_init(void)
{
	struct cpuid_regs r = cpuid1(0);

	memcpy(vendor_str + 0, &r.ebx, 4);
	memcpy(vendor_str + 4, &r.edx, 4);
	memcpy(vendor_str + 8, &r.ecx, 4);
	vendor_str[12] = '\0';
	if (!rt_strcmp(vendor_str, "GenuineIntel"))
		vendor = HC_VENDOR_INTEL;
	else if (!rt_strcmp(vendor_str, "AuthenticAMD"))
		vendor = HC_VENDOR_AMD;
	else
		vendor = HC_VENDOR_UNKNOWN;
}

enum hc_vendor hc_vendor(void)
{
	return vendor;
}

const char *hc_vendor_string(void)
{
	return vendor_str;
}

enum hc_insn hc_native_insn(void)
{
	switch (vendor) {
	case HC_VENDOR_INTEL:
		return HC_VMCALL;
	case HC_VENDOR_AMD:
		return HC_VMMCALL;
	default:
		probe_error("CPU vendor '%s' is neither GenuineIntel nor AuthenticAMD: "
			    "no hypercall instruction", vendor_str);
	}
}

enum hc_insn hc_foreign_insn(void)
{
	return hc_native_insn() == HC_VMCALL ? HC_VMMCALL : HC_VMCALL;
}

const char *hc_insn_name(enum hc_insn insn)
{
	return insn == HC_VMCALL ? "vmcall" : "vmmcall";
}

uintptr_t hc_insn_addr(enum hc_insn insn)
{
	return (uintptr_t)(insn == HC_VMCALL ? rt_vmcall_insn : rt_vmmcall_insn);
}

static uintptr_t hc_insn_resume(enum hc_insn insn)
{
	return (uintptr_t)(insn == HC_VMCALL ? rt_vmcall_resume : rt_vmmcall_resume);
}

uint64_t hc_call_insn(enum hc_insn insn, uint64_t rax, struct hc_regs *regs)
{
	const char *name = hc_name(rax);

	rt_set_context_items(name ? name : "MV_STATUS_FAILURE_UNSUPPORTED");
	return insn == HC_VMCALL ? rt_vmcall(rax, regs) : rt_vmmcall(rax, regs);
}

uint64_t hc_call(uint64_t rax, struct hc_regs *regs)
{
	return hc_call_insn(hc_native_insn(), rax, regs);
}

uint64_t hc_call_expect_ud(enum hc_insn insn, uint64_t rax, struct hc_regs *regs,
			   struct rt_exc *out)
{
	uint64_t r;

	rt_expect(EXP_VECTOR_UD, hc_insn_addr(insn), hc_insn_resume(insn));
	r = hc_call_insn(insn, rax, regs);
	rt_expect_take(out);
	return r;
}

struct hc_entry {
	uint16_t op, idx;
	const char *name;
};

static const struct hc_entry table[] = {
	{ EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT, "mv_debug_op_out" },
	{ EXP_OP_HANDLE, EXP_IDX_OPEN_HANDLE, "mv_handle_op_open_handle" },
	{ EXP_OP_HANDLE, EXP_IDX_CLOSE_HANDLE, "mv_handle_op_close_handle" },
	{ EXP_OP_VM, EXP_IDX_CREATE_VM, "mv_vm_op_create_vm" },
	{ EXP_OP_VM, EXP_IDX_DESTROY_VM, "mv_vm_op_destroy_vm" },
	{ EXP_OP_VM, EXP_IDX_VM_VMID, "mv_vm_op_vmid" },
	{ EXP_OP_VM, EXP_IDX_SET_GPA_FLAGS_MDL, "mv_vm_op_set_gpa_flags_mdl" },
	{ EXP_OP_VM, EXP_IDX_MAP_MDL, "mv_vm_op_map_mdl" },
	{ EXP_OP_VM, EXP_IDX_UNMAP_MDL, "mv_vm_op_unmap_mdl" },
	{ EXP_OP_VP, EXP_IDX_CREATE_VP, "mv_vp_op_create_vp" },
	{ EXP_OP_VP, EXP_IDX_DESTROY_VP, "mv_vp_op_destroy_vp" },
	{ EXP_OP_VP, EXP_IDX_VP_VMID, "mv_vp_op_vmid" },
	{ EXP_OP_VP, EXP_IDX_VP_VPID, "mv_vp_op_vpid" },
	{ EXP_OP_VPS, EXP_IDX_CREATE_VPS, "mv_vps_op_create_vps" },
	{ EXP_OP_VPS, EXP_IDX_DESTROY_VPS, "mv_vps_op_destroy_vps" },
	{ EXP_OP_VPS, EXP_IDX_GET_CPUID, "mv_vps_op_get_cpuid" },
	{ EXP_OP_VPS, EXP_IDX_SET_CPUID, "mv_vps_op_set_cpuid" },
	{ EXP_OP_VPS, EXP_IDX_GET_REG, "mv_vps_op_get_reg" },
	{ EXP_OP_VPS, EXP_IDX_SET_REG, "mv_vps_op_set_reg" },
	{ EXP_OP_VPS, EXP_IDX_GET_MSR, "mv_vps_op_get_msr" },
	{ EXP_OP_VPS, EXP_IDX_SET_MSR, "mv_vps_op_set_msr" },
	{ EXP_OP_VPS, EXP_IDX_GET_SUPPORTED_MSRS, "mv_vps_op_get_supported_msrs" },
	{ EXP_OP_VPS, EXP_IDX_GET_SUPPORTED_FEATURE_MSRS, "mv_vps_op_get_supported_feature_msrs" },
	{ EXP_OP_VPS, EXP_IDX_GET_FPU, "mv_vps_op_get_fpu" },
	{ EXP_OP_VPS, EXP_IDX_SET_FPU, "mv_vps_op_set_fpu" },
	{ EXP_OP_VPS, EXP_IDX_GET_XSAVE, "mv_vps_op_get_xsave" },
	{ EXP_OP_VPS, EXP_IDX_SET_XSAVE, "mv_vps_op_set_xsave" },
	{ EXP_OP_VPS, EXP_IDX_VIRT_TO_PHYS, "mv_vps_op_virt_to_phys" },
	{ EXP_OP_VPS, EXP_IDX_QUEUE_IRQ, "mv_vps_op_queue_irq" },
	{ EXP_OP_VPS, EXP_IDX_SET_IDENTITY_MAP, "mv_vps_op_set_identity_map" },
	{ EXP_OP_VPS, EXP_IDX_GET_TSC_KHZ, "mv_vps_op_get_tsc_khz" },
	{ EXP_OP_VP_MANAGEMENT, EXP_IDX_RUN_VP, "mv_vp_run_vp" },
};

const char *hc_name(uint64_t rax)
{
	uint16_t op = (uint16_t)(rax >> 16), idx = (uint16_t)rax;
	unsigned i;

	if ((rax >> 48) != EXP_HC_SIG || ((rax >> 32) & 0xFFFF & ~EXP_HC_FLAG_SCC))
		return 0;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].op == op && table[i].idx == idx)
			return table[i].name;
	return 0;
}

uint64_t hc_rax_of(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!rt_strcmp(table[i].name, name))
			return EXP_HC(table[i].op, table[i].idx);
	return ~0ull;
}
