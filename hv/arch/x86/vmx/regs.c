/*
 * vmx_vps_get_reg / vmx_vps_set_reg / vmx_vps_gprs.
 *
 * mv_reg.h's segment attributes are the VMX access-rights layout, stored
 * as they are; a segment whose P bit is clear is stored unusable (bit 16),
 * as the SVM backend reads such a segment back.  CR0/CR4 read as the guest
 * sees them (the read shadow for the bits the host owns).  CR2 and DR6 are
 * not in the VMCS: kept here and switched around the run.  CR8: guests have
 * a TPR shadow (virtual-APIC page offset 0x80, bits 7:4); the root's CR8 is
 * the local APIC's TPR, saved after each of its runs.
 */
#include <x86/cpu.h>
#include <x86/regs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

/* Segment fields: x86_seg_field (x86/regs.h); segment 0..7 is the VMCS's
 * order, field 0 selector 1 base 2 limit 3 attributes. */
static const uint32_t seg_base_field[4] = { VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE,
					    VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR };

static int vmcs_reg(enum bf_reg_t r)
{
	switch (r) {
	case bf_reg_t_rsp: return VMCS_GUEST_RSP;
	case bf_reg_t_rip: return VMCS_GUEST_RIP;
	case bf_reg_t_rflags: return VMCS_GUEST_RFLAGS;
	case bf_reg_t_cr3: return VMCS_GUEST_CR3;
	case bf_reg_t_dr7: return VMCS_GUEST_DR7;
	case bf_reg_t_gdtr_base: return VMCS_GUEST_GDTR_BASE;
	case bf_reg_t_gdtr_limit: return VMCS_GUEST_GDTR_LIMIT;
	case bf_reg_t_idtr_base: return VMCS_GUEST_IDTR_BASE;
	case bf_reg_t_idtr_limit: return VMCS_GUEST_IDTR_LIMIT;
	case bf_reg_t_efer: return VMCS_GUEST_EFER;
	default: return -1;
	}
}

uint64_t vmx_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg)
{
	struct arch_vps *a = vps_arch(vps);
	unsigned seg, field;
	int f;

	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15)
		return a->gprs.r[HV_GPR(reg)];
	switch (reg) {
	case bf_reg_t_cr2: return a->cr2;
	case bf_reg_t_dr6: return a->dr6;
	case bf_reg_t_cr8:
		return a->guest ? (a->vapic[0x80] >> 4) & 0xF : a->root_cr8 & 0xF;
	default: break;
	}
	vmx_vmcs_load(a);
	if ((f = vmcs_reg(reg)) >= 0)
		return vmread((uint64_t)f);
	if (x86_seg_field(reg, &seg, &field))
		return vmread(seg_base_field[field] + 2 * seg);
	switch (reg) {
	case bf_reg_t_cr0:
		return vmx_guest_cr0(a);
	case bf_reg_t_cr4:
		return (vmread(VMCS_GUEST_CR4) & ~vmx_caps.cr4_mask) |
		       (vmread(VMCS_CR4_SHADOW) & vmx_caps.cr4_mask);
	default:
		return 0;
	}
}

/* arch_vps_gprs: the save area vmentry.S loads at entry and stores at exit. */
uint64_t *vmx_vps_gprs(struct hv_vps *vps)
{
	return vps_arch(vps)->gprs.r;
}

/* Values no VM entry accepts or the register cannot hold (the core checks
 * the root's requests itself: hv/reg_valid.h; this is the backend's floor):
 * x86/regs.h's, and canonical ES, CS, SS, DS bases. */
static bool reg_value_ok(enum bf_reg_t reg, uint64_t val)
{
	switch (reg) {
	case bf_reg_t_es_base: case bf_reg_t_cs_base: case bf_reg_t_ss_base:
	case bf_reg_t_ds_base:
		return x86_canonical(val);
	default:
		return x86_reg_value_ok(reg, val);
	}
}

int vmx_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val)
{
	struct arch_vps *a = vps_arch(vps);
	unsigned seg, field;
	int f;

	if (!reg_value_ok(reg, val))
		return -1;
	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15) {
		a->gprs.r[HV_GPR(reg)] = val;
		return 0;
	}
	switch (reg) {
	case bf_reg_t_cr2:
		a->cr2 = val;
		return 0;
	case bf_reg_t_dr6:
		a->dr6 = val;
		return 0;
	case bf_reg_t_cr8:
		if (a->guest)
			a->vapic[0x80] = (uint8_t)((val & 0xF) << 4);
		else
			a->root_cr8 = val & 0xF;
		return 0;
	default:
		break;
	}
	vmx_vmcs_load(a);
	if (x86_seg_field(reg, &seg, &field)) {
		if (field == 3 && !(val & 0x80))
			val |= MV_SEG_ATTRIB_UNUSABLE;
		if (field == 0)
			val &= 0xFFFF;
		if (field == 2)
			val &= 0xFFFFFFFFull;
		vmwrite(seg_base_field[field] + 2 * seg, val);
		return 0;
	}
	switch (reg) {
	case bf_reg_t_cr0:
		vmx_set_cr0(a, val);
		return 0;
	case bf_reg_t_cr4:
		vmx_set_cr4(a, val);
		return 0;
	case bf_reg_t_rflags:
		vmwrite(VMCS_GUEST_RFLAGS, val | 0x2);
		return 0;
	case bf_reg_t_rip: {
		/* A new RIP ends any STI / MOV SS blocking (it was for the
		 * instruction the core just completed or replaced). */
		vmwrite(VMCS_GUEST_RIP, val);
		uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS))
			vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
				intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS));
		return 0;
	}
	case bf_reg_t_gdtr_limit:
	case bf_reg_t_idtr_limit:
		vmwrite((uint64_t)vmcs_reg(reg), val & 0xFFFF);
		return 0;
	default:
		if ((f = vmcs_reg(reg)) >= 0) {
			vmwrite((uint64_t)f, val);
			return 0;
		}
		return -1;
	}
}
