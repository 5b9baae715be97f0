/*
 * Register and MSR values a root may set in a guest VPS (hv/reg_valid.h;
 * the table is docs/vps-abi.md "Values refused").
 */
#include <hv/msr.h>
#include <hv/reg_valid.h>

_Static_assert(bf_reg_t_cs == bf_reg_t_es + 4 && bf_reg_t_fs == bf_reg_t_es + 16 &&
		       bf_reg_t_ldtr_base == bf_reg_t_es + 25 &&
		       bf_reg_t_tr_attrib == bf_reg_t_es + 31,
	       "seg_value_valid: ES..TR are 8 x (selector, base, limit, attrib)");

#define U32_MAX 0xFFFFFFFFull
#define U16_MAX 0xFFFFull

bool reg_canonical(uint64_t va)
{
	uint64_t top = va >> 47; /* bits 63:47 */

	return top == 0 || top == 0x1FFFF;
}

/* Segment registers: selector, base, limit, attributes of ES..TR. */
static bool seg_value_valid(enum bf_reg_t reg, uint64_t val)
{
	unsigned field = (unsigned)(reg - bf_reg_t_es) % 4;
	unsigned seg = (unsigned)(reg - bf_reg_t_es) / 4; /* ES CS SS DS FS GS LDTR TR */

	switch (field) {
	case 0: /* selector */
		return val <= U16_MAX;
	case 1: /* base: ES/CS/SS/DS are 32-bit, FS/GS/LDTR/TR linear addresses */
		return seg < 4 ? val <= U32_MAX : reg_canonical(val);
	case 2: /* limit (byte granular, 32 bits) */
		return val <= U32_MAX;
	default: /* attributes */
		return (val & ~REG_SEG_ATTRIB_ALLOWED) == 0;
	}
}

static bool efer_valid(uint64_t val)
{
	if (val & ~REG_EFER_ALLOWED)
		return false;
	/* LMA is only ever set by the processor while LME is set. */
	return !(val & REG_EFER_LMA) || (val & REG_EFER_LME);
}

bool reg_value_valid(enum bf_reg_t reg, uint64_t val)
{
	if (reg >= bf_reg_t_es && reg <= bf_reg_t_tr_attrib)
		return seg_value_valid(reg, val);
	switch (reg) {
	case bf_reg_t_rip:
		return reg_canonical(val);
	case bf_reg_t_rflags:
		return (val & REG_RFLAGS_FIXED1) && !(val & REG_RFLAGS_RESERVED);
	case bf_reg_t_gdtr_base:
	case bf_reg_t_idtr_base:
		return reg_canonical(val);
	case bf_reg_t_gdtr_limit:
	case bf_reg_t_idtr_limit:
		return val <= U16_MAX;
	case bf_reg_t_cr0:
		if (val & ~REG_CR0_ALLOWED)
			return false;
		if ((val & REG_CR0_PG) && !(val & REG_CR0_PE))
			return false; /* paging without protection: #GP on MOV CR0 */
		return !(val & REG_CR0_NW) || (val & REG_CR0_CD); /* NW without CD: #GP */
	case bf_reg_t_cr3:
		return !(val & REG_CR3_RESERVED);
	case bf_reg_t_cr4:
		return !(val & ~REG_CR4_ALLOWED);
	case bf_reg_t_cr8:
		return val <= 15;
	case bf_reg_t_dr6:
	case bf_reg_t_dr7:
		return val <= U32_MAX; /* 63:32 reserved (MOV DR #GP, VM entry fails) */
	case bf_reg_t_efer:
		return efer_valid(val);
	default: /* GPRs, RSP, CR2: any value */
		return true;
	}
}

/* PAT: eight memory types, each UC(0) WC(1) WT(4) WP(5) WB(6) or UC-(7). */
static bool pat_valid(uint64_t val)
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t = (val >> (8 * i)) & 0xFF;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

bool reg_msr_value_valid(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
	case MSR_SFMASK:
		return val <= U32_MAX;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		return reg_canonical(val);
	case MSR_IA32_PAT:
		return pat_valid(val);
	case MSR_EFER:
		return efer_valid(val);
	default: /* STAR: any value */
		return true;
	}
}
