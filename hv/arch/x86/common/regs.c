/*
 * The register-access logic both backends share (x86/regs.h).
 */
#include <hv/arch/core.h>

#include <x86/regs.h>

bool x86_seg_field(enum bf_reg_t r, unsigned *seg, unsigned *field)
{
	if (r >= bf_reg_t_es && r <= bf_reg_t_gs_attrib) {
		*seg = X86_SEG_ES + (unsigned)(r - bf_reg_t_es) / 4;
		*field = (unsigned)(r - bf_reg_t_es) % 4;
		return true;
	}
	if (r >= bf_reg_t_ldtr && r <= bf_reg_t_ldtr_attrib) {
		*seg = X86_SEG_LDTR;
		*field = (unsigned)(r - bf_reg_t_ldtr);
		return true;
	}
	if (r >= bf_reg_t_tr && r <= bf_reg_t_tr_attrib) {
		*seg = X86_SEG_TR;
		*field = (unsigned)(r - bf_reg_t_tr);
		return true;
	}
	return false;
}

bool x86_reg_value_ok(enum bf_reg_t reg, uint64_t val)
{
	switch (reg) {
	case bf_reg_t_rip:
	case bf_reg_t_gdtr_base:
	case bf_reg_t_idtr_base:
	case bf_reg_t_fs_base:
	case bf_reg_t_gs_base:
	case bf_reg_t_ldtr_base:
	case bf_reg_t_tr_base:
		return x86_canonical(val);
	case bf_reg_t_cr0:
	case bf_reg_t_cr4:
	case bf_reg_t_dr6:
	case bf_reg_t_dr7:
	case bf_reg_t_rflags:
		return (val >> 32) == 0;
	case bf_reg_t_cr8:
		return val <= 0xF;
	default:
		return true;
	}
}

static bool pat_valid(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(v >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

bool x86_msr_value_ok(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_IA32_PAT:
		return pat_valid(val);
	case MSR_IA32_SYSENTER_CS:
	case MSR_STAR:
	case MSR_SFMASK:
		return true;
	default: /* addresses */
		return x86_canonical(val);
	}
}
