/*
 * Per-VPS MSRs, x87/SSE state, and the I/O and MSR permission maps.
 *
 * Permission maps (physically contiguous, so static in the image, which is
 * identity-mapped and reserved):
 *   - guest VMs: every port intercepted (IOPM all ones); MSRs: every MSR
 *     intercepted except those x86/msr_passthrough.h lets through (reads and
 *     writes of the ones a VPS keeps, all switched by VMRUN/VMLOAD/VMSAVE
 *     or held in the VMCB; reads of IA32_TSC: docs/exit-reasons.md).
 *   - the root VM: no IOIO intercepts (its IOPM is all zeros; coverage builds
 *     intercept port 0xF4, isa-debug-exit: x86/cov.h); its MSRPM lets through
 *     what its MSR policy passes (hv/core/msr_root.c): every other access
 *     exits, emulated or refused with #GP by the core (IA32_APIC_BASE and
 *     0x800-0x8FF by hv/core/apic.c).
 */
#include <microv/mv_abi.h>
#include <x86/cov.h>
#include <x86/cpu.h>
#include <x86/msr_passthrough.h>
#include <x86/regs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "svm.h"
#include "vmcb.h"

static uint8_t iopm_guest[IOPM_SIZE] __attribute__((aligned(4096)));
static uint8_t msrpm_guest[MSRPM_SIZE] __attribute__((aligned(4096)));
static uint8_t iopm_root[IOPM_SIZE] __attribute__((aligned(4096)));
static uint8_t msrpm_root[MSRPM_SIZE] __attribute__((aligned(4096)));

/* The MSRPM's layout: 2 bits per MSR (read, then write) in three ranges. */
static long msrpm_bit(uint32_t msr, bool write)
{
	long bit;

	if (msr <= 0x1FFF)
		bit = (long)msr * 2;
	else if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
		bit = 0x800 * 8 + (long)(msr - 0xC0000000u) * 2;
	else if (msr >= 0xC0010000u && msr <= 0xC0011FFFu)
		bit = 0x1000 * 8 + (long)(msr - 0xC0010000u) * 2;
	else
		return -1;
	return bit + write;
}

void svm_permission_maps_init(void)
{
	hv_memset(iopm_guest, 0xFF, sizeof(iopm_guest));
	x86_msr_map_init(msrpm_guest, sizeof(msrpm_guest), msrpm_bit);
	x86_cov_intercept_exit_port(iopm_root);
	x86_msr_root_map_init(msrpm_root, sizeof(msrpm_root), msrpm_bit);
}

uint64_t svm_iopm_pa(bool guest)
{
	return (uint64_t)(uintptr_t)(guest ? iopm_guest : iopm_root);
}

uint64_t svm_msrpm_pa(bool guest)
{
	return (uint64_t)(uintptr_t)(guest ? msrpm_guest : msrpm_root);
}

/* ---- MSRs ---- */

static int msr_field(uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS: return VMCB_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP: return VMCB_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP: return VMCB_SYSENTER_EIP;
	case MSR_IA32_PAT: return VMCB_G_PAT;
	case MSR_STAR: return VMCB_STAR;
	case MSR_LSTAR: return VMCB_LSTAR;
	case MSR_CSTAR: return VMCB_CSTAR;
	case MSR_SFMASK: return VMCB_SFMASK;
	case MSR_FS_BASE: return VMCB_FS + SEG_BASE;
	case MSR_GS_BASE: return VMCB_GS + SEG_BASE;
	case MSR_KERNEL_GS_BASE: return VMCB_KERNEL_GS_BASE;
	default: return -1;
	}
}

int svm_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_EFER) {
		*val = svm_vps_get_reg(vps, bf_reg_t_efer);
		return 0;
	}
	int off = msr_field(msr);
	if (off < 0)
		return -1;
	*val = vmcb_get64(vps_arch(vps)->vmcb, (unsigned)off);
	return 0;
}

int svm_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val)
{
	const uint64_t efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME |
				 (1ull << 14) /* FFXSR */;

	if (msr == MSR_EFER) {
		if (val & ~efer_ok)
			return -1;
		return svm_vps_set_reg(vps, bf_reg_t_efer, val);
	}
	int off = msr_field(msr);
	if (off < 0 || !x86_msr_value_ok(msr, val))
		return -1;
	vmcb_set64(vps_arch(vps)->vmcb, (unsigned)off, val);
	return 0;
}

/* ---- x87/SSE (common/fpu.c) ---- */

void svm_vps_get_fpu(struct hv_vps *vps, uint8_t fx[512])
{
	x86_fpu_get(vps_arch(vps)->fxsave, fx);
}

int svm_vps_set_fpu(struct hv_vps *vps, const uint8_t fx[512])
{
	return x86_fpu_set(vps_arch(vps)->fxsave, fx);
}
