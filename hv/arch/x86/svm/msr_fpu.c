/*
 * Per-VPS MSRs, x87/SSE state, and the I/O and MSR permission maps.
 *
 * Permission maps (physically contiguous, so static in the image, which is
 * identity-mapped and reserved):
 *   - guest VMs: every port intercepted (IOPM all ones); MSRs: every MSR
 *     intercepted except reads and writes of the ones a VPS keeps
 *     (hv/core/msr.c's list, all switched by VMRUN/VMLOAD/VMSAVE or held in
 *     the VMCB).  IA32_TSC (0x10) is not in that list, so its writes exit
 *     (the core turns them into mv_vp_exit_t_sync_tsc); its reads do not
 *     (a guest reads its clock, as RDTSC does: docs/exit-reasons.md).
 *   - the root VM: no IOIO/MSR intercepts at all; its maps are all zeros
 *     and only there because VMRUN checks the addresses.
 */
#include <microv/mv_abi.h>
#include <x86/cpu.h>

#include <hv/arch.h>
#include <hv/msr.h>
#include <hv/string.h>
#include <hv/vps.h>

#include "svm.h"
#include "vmcb.h"

static uint8_t iopm_guest[IOPM_SIZE] __attribute__((aligned(4096)));
static uint8_t msrpm_guest[MSRPM_SIZE] __attribute__((aligned(4096)));
static uint8_t iopm_root[IOPM_SIZE] __attribute__((aligned(4096)));
static uint8_t msrpm_root[MSRPM_SIZE] __attribute__((aligned(4096)));

static uint32_t mxcsr_mask = 0xFFBF;

/* Bit offset of `msr`'s read bit in the MSRPM, or -1 outside its ranges. */
static long msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (long)msr * 2;
	if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
		return 0x800 * 8 + (long)(msr - 0xC0000000u) * 2;
	if (msr >= 0xC0010000u && msr <= 0xC0011FFFu)
		return 0x1000 * 8 + (long)(msr - 0xC0010000u) * 2;
	return -1;
}

void svm_permission_maps_init(void)
{
	hv_memset(iopm_guest, 0xFF, sizeof(iopm_guest));
	hv_memset(msrpm_guest, 0xFF, sizeof(msrpm_guest));
	for (uint32_t i = 0; i < msr_supported_count(); i++) {
		long bit = msrpm_bit(msr_supported_at(i));
		if (bit >= 0) /* read and write bits */
			msrpm_guest[bit / 8] &= (uint8_t)~(3u << (bit % 8));
	}
	long tsc = msrpm_bit(MV_MSR_IA32_TSC); /* its read bit only */
	msrpm_guest[tsc / 8] &= (uint8_t)~(1u << (tsc % 8));
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

static bool canonical(uint64_t v)
{
	return (uint64_t)(((int64_t)v << 16) >> 16) == v;
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

int svm_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_EFER) {
		*val = svm_vps_get_reg(vps, bf_reg_t_efer);
		return 0;
	}
	int off = msr_field(msr);
	if (off < 0)
		return -1;
	*val = vmcb_get64(vps->arch->vmcb, (unsigned)off);
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
	if (off < 0)
		return -1;
	switch (msr) {
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return -1;
		break;
	case MSR_IA32_SYSENTER_CS:
	case MSR_STAR:
	case MSR_SFMASK:
		break;
	default: /* addresses */
		if (!canonical(val))
			return -1;
		break;
	}
	vmcb_set64(vps->arch->vmcb, (unsigned)off, val);
	return 0;
}

/* ---- x87/SSE ---- */

void svm_fpu_init(void)
{
	static uint8_t probe[512] __attribute__((aligned(16)));
	uint32_t mask;

	fxsave(probe);
	hv_memcpy(&mask, probe + 28, 4);
	mxcsr_mask = mask ? mask : 0xFFBF;
}

void svm_fpu_reset(struct arch_vps *a)
{
	const uint16_t fcw = 0x037F;
	const uint32_t mxcsr = 0x1F80;

	hv_memset(a->fxsave, 0, sizeof(a->fxsave));
	hv_memcpy(a->fxsave + 0, &fcw, 2);
	hv_memcpy(a->fxsave + 24, &mxcsr, 4);
}

void svm_vps_get_fpu(struct hv_vps *vps, uint8_t fx[512])
{
	hv_memcpy(fx, vps->arch->fxsave, 512);
	hv_memcpy(fx + 28, &mxcsr_mask, 4);
}

int svm_vps_set_fpu(struct hv_vps *vps, const uint8_t fx[512])
{
	uint32_t mxcsr;

	hv_memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~mxcsr_mask)
		return -1;
	hv_memcpy(vps->arch->fxsave, fx, 512);
	return 0;
}
