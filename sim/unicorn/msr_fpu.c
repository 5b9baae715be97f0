/*
 * Per-VPS MSRs and x87/SSE state (FXSAVE layout).  (The TSC frequency is
 * the CPU model's: ../cpuid_models.c.)
 * MSRs go through Unicorn's UC_X86_REG_MSR (its WRMSR/RDMSR helpers); EFER
 * takes the register path (regs.c) so that mode changes go through the
 * entry-state loader.  IA32_SYSENTER_CS is 32 bits wide, as the VMCS field
 * (E-74); Unicorn's WRMSR keeps bits 15:0, so bits 31:16 live in
 * arch_vps.sysenter_cs_hi, which the guest's own WRMSR/RDMSR of it keep and
 * read too (msr_sysenter_cs_insn).
 */
#include <string.h>

#include <hv/arch/core.h>

#include "ucsim.h"

int arch_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	struct arch_vps *a = vps_arch(vps);
	if (!msr_supported(msr))
		return -1;
	if (msr == MSR_EFER) {
		*val = arch_vps_get_reg(vps, bf_reg_t_efer);
		return 0;
	}
	uc_x86_msr m = { msr, 0 };
	if (uc_reg_read(a->uc, UC_X86_REG_MSR, &m) != UC_ERR_OK)
		return -1;
	*val = m.value;
	if (msr == MSR_IA32_SYSENTER_CS)
		*val = (m.value & 0xFFFF) | (uint64_t)a->sysenter_cs_hi << 16;
	return 0;
}

int arch_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val)
{
	struct arch_vps *a = vps_arch(vps);
	if (!msr_supported(msr))
		return -1;
	if (msr == MSR_EFER)
		return arch_vps_set_reg(vps, bf_reg_t_efer, val);
	uc_x86_msr m = { msr, val };
	if (uc_reg_write(a->uc, UC_X86_REG_MSR, &m) != UC_ERR_OK)
		return -1;
	if (msr == MSR_IA32_SYSENTER_CS)
		a->sysenter_cs_hi = (uint16_t)(val >> 16);
	return 0;
}

/*
 * A VPS's own RDMSR/WRMSR of IA32_SYSENTER_CS at CPL 0, before it executes:
 * a WRMSR keeps EAX's bits 31:16 (the engine keeps 15:0) and runs; a RDMSR
 * is emulated (EDX:EAX = the 32 bits, resume at `addr + size`: cr_done).
 * Returns true when it emulated the instruction.
 */
bool msr_sysenter_cs_insn(struct arch_vps *a, uint64_t addr, uint32_t size, bool write)
{
	uint64_t v = 0;

	if (regs_read(a->uc, UC_X86_REG_CS) & 3)
		return false; /* #GP(0), raised by the engine */
	if (write) {
		a->sysenter_cs_hi = (uint16_t)(regs_read(a->uc, UC_X86_REG_RAX) >> 16);
		return false;
	}
	arch_vps_get_msr(a->vps, MSR_IA32_SYSENTER_CS, &v);
	regs_write(a->uc, UC_X86_REG_RAX, v);
	regs_write(a->uc, UC_X86_REG_RDX, 0);
	a->cr_next = addr - a->csb + size;
	a->cr_done = true;
	return true;
}

void arch_vps_get_fpu(struct hv_vps *vps, uint8_t fx[512])
{
	uc_engine *uc = vps_arch(vps)->uc;
	uint16_t fcw = 0, fsw = 0, ftw = 0;
	uint32_t mxcsr = 0;

	memset(fx, 0, 512);
	uc_reg_read(uc, UC_X86_REG_FPCW, &fcw);
	uc_reg_read(uc, UC_X86_REG_FPSW, &fsw);
	uc_reg_read(uc, UC_X86_REG_FPTAG, &ftw);
	uc_reg_read(uc, UC_X86_REG_MXCSR, &mxcsr);
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 2, &fsw, 2);
	uint8_t abridged = 0;
	for (int i = 0; i < 8; i++)
		if (((ftw >> (2 * i)) & 3) != 3)
			abridged |= (uint8_t)(1u << i);
	fx[4] = abridged;
	memcpy(fx + 24, &mxcsr, 4);
	uint32_t mask = 0xFFFF;
	memcpy(fx + 28, &mask, 4);
	unsigned top = (fsw >> 11) & 7;
	for (int i = 0; i < 8; i++) /* ST(i) = physical register (TOP + i) & 7 */
		uc_reg_read(uc, UC_X86_REG_FP0 + (int)((top + i) & 7), fx + 32 + 16 * i);
	for (int i = 0; i < 16; i++)
		uc_reg_read(uc, UC_X86_REG_XMM0 + i, fx + 160 + 16 * i);
}

int arch_vps_set_fpu(struct hv_vps *vps, const uint8_t fx[512])
{
	uc_engine *uc = vps_arch(vps)->uc;
	uint16_t fcw, fsw, ftw = 0;
	uint32_t mxcsr;

	memcpy(&fcw, fx + 0, 2);
	memcpy(&fsw, fx + 2, 2);
	memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~0xFFFFu)
		return -1;
	for (int i = 0; i < 8; i++)
		if (!(fx[4] & (1u << i)))
			ftw |= (uint16_t)(3u << (2 * i));
	uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
	uc_reg_write(uc, UC_X86_REG_FPSW, &fsw);
	uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
	uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
	unsigned top = (fsw >> 11) & 7;
	for (int i = 0; i < 8; i++) {
		uint8_t reg[10];
		memcpy(reg, fx + 32 + 16 * i, 10);
		uc_reg_write(uc, UC_X86_REG_FP0 + (int)((top + i) & 7), reg);
	}
	for (int i = 0; i < 16; i++) {
		uint8_t x[16];
		memcpy(x, fx + 160 + 16 * i, 16);
		uc_reg_write(uc, UC_X86_REG_XMM0 + i, x);
	}
	return 0;
}
