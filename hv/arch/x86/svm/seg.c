/*
 * svm_vps_get_reg / svm_vps_set_reg / svm_vps_gprs for the SVM backend, and
 * the segment attribute conversion.
 *
 * mv_reg.h uses the VMX access-rights layout: type 3:0, S 4, DPL 6:5, P 7,
 * AVL 12, L 13, D/B 14, G 15, "unusable" 16.  The VMCB packs the same bits
 * into 12: bits 7:0 as they are, AVL 8, L 9, D/B 10, G 11.  SVM has no
 * "unusable" bit: an unusable segment is stored with attributes 0, and a
 * segment whose P bit is clear reads back as unusable.
 */
#include <x86/cpu.h>
#include <x86/regs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "svm.h"
#include "vmcb.h"

#define RFLAGS_VM (1ull << 17)

uint16_t seg_vmx_to_svm(uint64_t attrib)
{
	if (attrib & MV_SEG_ATTRIB_UNUSABLE)
		return 0;
	return (uint16_t)((attrib & 0xFF) | ((attrib >> 4) & 0xF00));
}

uint64_t seg_svm_to_vmx(uint16_t attrib)
{
	uint64_t v = (attrib & 0xFFu) | ((uint64_t)(attrib & 0xF00u) << 4);

	return (attrib & 0x80) ? v : v | MV_SEG_ATTRIB_UNUSABLE;
}

/* The VMCB's CPL must match the state: SS.DPL in protected mode, 0 in real
 * mode, 3 in virtual-8086 mode. */
void svm_vps_update_cpl(struct arch_vps *a)
{
	uint8_t cpl;

	if (!(vmcb_get64(a->vmcb, VMCB_CR0) & CR0_PE))
		cpl = 0;
	else if (vmcb_get64(a->vmcb, VMCB_RFLAGS) & RFLAGS_VM)
		cpl = 3;
	else
		cpl = (uint8_t)((vmcb_get16(a->vmcb, VMCB_SS + SEG_ATTRIB) >> 5) & 3);
	vmcb_set8(a->vmcb, VMCB_CPL, cpl);
	a->cpl_dirty = false;
}

/* x86/regs.h's segments -> their VMCB save-area entries. */
static const unsigned vmcb_seg[X86_NUM_SEGS] = {
	[X86_SEG_ES] = VMCB_ES, [X86_SEG_CS] = VMCB_CS, [X86_SEG_SS] = VMCB_SS,
	[X86_SEG_DS] = VMCB_DS, [X86_SEG_FS] = VMCB_FS, [X86_SEG_GS] = VMCB_GS,
	[X86_SEG_LDTR] = VMCB_LDTR, [X86_SEG_TR] = VMCB_TR,
};

static bool seg_field(enum bf_reg_t r, unsigned *seg, unsigned *field)
{
	if (!x86_seg_field(r, seg, field))
		return false;
	*seg = vmcb_seg[*seg];
	return true;
}

static int vmcb_reg(enum bf_reg_t r)
{
	switch (r) {
	case bf_reg_t_rsp: return VMCB_RSP;
	case bf_reg_t_rip: return VMCB_RIP;
	case bf_reg_t_rflags: return VMCB_RFLAGS;
	case bf_reg_t_cr0: return VMCB_CR0;
	case bf_reg_t_cr2: return VMCB_CR2;
	case bf_reg_t_cr3: return VMCB_CR3;
	case bf_reg_t_cr4: return VMCB_CR4;
	case bf_reg_t_dr6: return VMCB_DR6;
	case bf_reg_t_dr7: return VMCB_DR7;
	case bf_reg_t_gdtr_base: return VMCB_GDTR + SEG_BASE;
	case bf_reg_t_idtr_base: return VMCB_IDTR + SEG_BASE;
	default: return -1;
	}
}

uint64_t svm_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg)
{
	struct arch_vps *a = vps_arch(vps);
	unsigned seg, field;
	int off;

	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15)
		return a->gprs.r[HV_GPR(reg)];
	if ((off = vmcb_reg(reg)) >= 0)
		return vmcb_get64(a->vmcb, (unsigned)off);
	if (seg_field(reg, &seg, &field)) {
		switch (field) {
		case 0: return vmcb_get16(a->vmcb, seg + SEG_SEL);
		case 1: return vmcb_get64(a->vmcb, seg + SEG_BASE);
		case 2: return vmcb_get32(a->vmcb, seg + SEG_LIMIT);
		default: return seg_svm_to_vmx(vmcb_get16(a->vmcb, seg + SEG_ATTRIB));
		}
	}
	switch (reg) {
	case bf_reg_t_gdtr_limit: return vmcb_get32(a->vmcb, VMCB_GDTR + SEG_LIMIT);
	case bf_reg_t_idtr_limit: return vmcb_get32(a->vmcb, VMCB_IDTR + SEG_LIMIT);
	case bf_reg_t_cr8: return vmcb_get32(a->vmcb, VMCB_INT_CTL) & INT_CTL_V_TPR;
	case bf_reg_t_efer: return vmcb_get64(a->vmcb, VMCB_EFER) & ~EFER_SVME;
	default: return 0;
	}
}

/* arch_vps_gprs: RAX's slot is the guest's RAX between an exit and the next
 * VMRUN (svm_vps_run copies it from and to the VMCB). */
uint64_t *svm_vps_gprs(struct hv_vps *vps)
{
	return vps_arch(vps)->gprs.r;
}

int svm_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val)
{
	struct arch_vps *a = vps_arch(vps);
	unsigned seg, field;
	int off;

	/* Values VMRUN would refuse (VMEXIT_INVALID) or the register cannot
	 * hold: INVALID_PARAMS3. */
	if (!x86_reg_value_ok(reg, val))
		return -1;

	if (reg >= bf_reg_t_rax && reg <= bf_reg_t_r15) {
		a->gprs.r[HV_GPR(reg)] = val;
		return 0;
	}
	a->entry_dirty = true; /* svm.c checks the combination at the next entry */
	if ((off = vmcb_reg(reg)) >= 0) {
		vmcb_set64(a->vmcb, (unsigned)off, val);
		if (reg == bf_reg_t_cr0 || reg == bf_reg_t_rflags)
			a->cpl_dirty = true;
		return 0;
	}
	if (seg_field(reg, &seg, &field)) {
		switch (field) {
		case 0: vmcb_set16(a->vmcb, seg + SEG_SEL, (uint16_t)val); break;
		case 1: vmcb_set64(a->vmcb, seg + SEG_BASE, val); break;
		case 2: vmcb_set32(a->vmcb, seg + SEG_LIMIT, (uint32_t)val); break;
		default:
			vmcb_set16(a->vmcb, seg + SEG_ATTRIB, seg_vmx_to_svm(val));
			if (seg == VMCB_SS)
				a->cpl_dirty = true;
			break;
		}
		return 0;
	}
	switch (reg) {
	case bf_reg_t_gdtr_limit:
		vmcb_set32(a->vmcb, VMCB_GDTR + SEG_LIMIT, (uint32_t)val);
		return 0;
	case bf_reg_t_idtr_limit:
		vmcb_set32(a->vmcb, VMCB_IDTR + SEG_LIMIT, (uint32_t)val);
		return 0;
	case bf_reg_t_cr8:
		vmcb_set32(a->vmcb, VMCB_INT_CTL,
			   (vmcb_get32(a->vmcb, VMCB_INT_CTL) & ~INT_CTL_V_TPR) |
				   (uint32_t)(val & INT_CTL_V_TPR));
		return 0;
	case bf_reg_t_efer:
		/* The guest's EFER.SVME must stay set (VMRUN requires it). */
		vmcb_set64(a->vmcb, VMCB_EFER, val | EFER_SVME);
		return 0;
	default:
		return -1;
	}
}
