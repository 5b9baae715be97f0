/*
 * Per-VPS MSRs, x87/SSE state, and the MSR bitmaps.
 *
 * MSR bitmaps (4 KiB: read low/high, write low/high):
 *   - guest VMs: every MSR exits except reads and writes of the ones a VPS
 *     keeps (hv/core/msr.c's list).  IA32_TSC (0x10) is not in the list, so
 *     its writes exit (the core turns them into mv_vp_exit_t_sync_tsc); its
 *     reads do not (a guest reads its clock, as RDTSC does).  MSRs outside
 *     the bitmap's ranges always exit.
 *   - the root VM: a bitmap of zeros (no MSR exits in the ranges).
 * Where the MSRs live: SYSENTER_CS/ESP/EIP, FS/GS base in guest-state
 * fields; EFER and PAT in guest-state fields with the save/load controls;
 * STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE in the processor while the
 * VPS owns its PP, saved lazily when another VPS runs there (the host never
 * uses them).
 */
#include <microv/mv_abi.h>
#include <x86/cpu.h>

#include <hv/arch.h>
#include <hv/msr.h>
#include <hv/string.h>
#include <hv/vps.h>

#include "vmx.h"

static uint8_t msr_bitmap_guest[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap_root[4096] __attribute__((aligned(4096)));
static struct arch_vps *msr_owner[HV_MAX_PPS];
static uint32_t mxcsr_mask = 0xFFBF;

static const uint32_t lazy_msr[VMX_NUM_LAZY_MSRS] = {
	[VMX_MSR_STAR] = MSR_STAR, [VMX_MSR_LSTAR] = MSR_LSTAR, [VMX_MSR_CSTAR] = MSR_CSTAR,
	[VMX_MSR_SFMASK] = MSR_SFMASK, [VMX_MSR_KGSBASE] = MSR_KERNEL_GS_BASE,
};

/* Byte offset of `msr`'s read bit in the bitmap, or -1 outside its ranges. */
static long bitmap_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (long)msr;
	if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
		return 0x400 * 8 + (long)(msr - 0xC0000000u);
	return -1;
}

void vmx_msr_bitmaps_init(void)
{
	hv_memset(msr_bitmap_guest, 0xFF, sizeof(msr_bitmap_guest));
	hv_memset(msr_bitmap_root, 0, sizeof(msr_bitmap_root));
	for (uint32_t i = 0; i < msr_supported_count(); i++) {
		long bit = bitmap_bit(msr_supported_at(i));
		if (bit < 0)
			continue;
		msr_bitmap_guest[bit / 8] &= (uint8_t)~(1u << (bit % 8));                /* read */
		msr_bitmap_guest[0x800 + bit / 8] &= (uint8_t)~(1u << (bit % 8));        /* write */
	}
	long tsc = bitmap_bit(MV_MSR_IA32_TSC); /* read only */
	msr_bitmap_guest[tsc / 8] &= (uint8_t)~(1u << (tsc % 8));
}

uint64_t vmx_msr_bitmap_pa(bool guest)
{
	return (uint64_t)(uintptr_t)(guest ? msr_bitmap_guest : msr_bitmap_root);
}

/* ---- lazily switched MSRs ---- */

static void lazy_save(struct arch_vps *a)
{
	for (unsigned i = 0; i < VMX_NUM_LAZY_MSRS; i++)
		a->lazy[i] = rdmsr(lazy_msr[i]);
}

void vmx_lazy_msrs_load(struct arch_vps *a, uint16_t pp)
{
	struct arch_vps *owner = msr_owner[pp];

	if (owner == a)
		return;
	if (owner) {
		lazy_save(owner);
		owner->msr_pp = -1;
	}
	for (unsigned i = 0; i < VMX_NUM_LAZY_MSRS; i++)
		wrmsr(lazy_msr[i], a->lazy[i]);
	a->msr_pp = (int16_t)pp;
	msr_owner[pp] = a;
}

void vmx_lazy_msrs_forget(struct arch_vps *a)
{
	if (a->msr_pp >= 0 && msr_owner[a->msr_pp] == a)
		msr_owner[a->msr_pp] = NULL;
	a->msr_pp = -1;
}

static int lazy_index(uint32_t msr)
{
	for (unsigned i = 0; i < VMX_NUM_LAZY_MSRS; i++)
		if (lazy_msr[i] == msr)
			return (int)i;
	return -1;
}

static int msr_field(uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
	case MSR_IA32_PAT: return VMCS_GUEST_PAT;
	case MSR_FS_BASE: return VMCS_GUEST_FS_BASE;
	case MSR_GS_BASE: return VMCS_GUEST_GS_BASE;
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

int vmx_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	struct arch_vps *a = vps->arch;

	if (msr == MSR_EFER) {
		*val = vmx_vps_get_reg(vps, bf_reg_t_efer);
		return 0;
	}
	int li = lazy_index(msr);
	if (li >= 0) {
		*val = a->msr_pp == (int16_t)arch_pp_id() ? rdmsr(msr) : a->lazy[li];
		return 0;
	}
	int f = msr_field(msr);
	if (f < 0)
		return -1;
	vmx_vmcs_load(a);
	*val = vmread((uint64_t)f);
	return 0;
}

int vmx_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val)
{
	struct arch_vps *a = vps->arch;
	const uint64_t efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

	if (msr == MSR_EFER) {
		if (val & ~efer_ok)
			return -1;
		return vmx_vps_set_reg(vps, bf_reg_t_efer, val);
	}
	switch (msr) {
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return -1;
		break;
	case MSR_IA32_SYSENTER_CS:
	case MSR_STAR:
		break;
	case MSR_SFMASK: /* bits 63:32 reserved on Intel (WRMSR would #GP) */
		if (val >> 32)
			return -1;
		break;
	default: /* addresses */
		if (!canonical(val))
			return -1;
		break;
	}
	int li = lazy_index(msr);
	if (li >= 0) {
		a->lazy[li] = val;
		if (a->msr_pp == (int16_t)arch_pp_id())
			wrmsr(msr, val);
		return 0;
	}
	int f = msr_field(msr);
	if (f < 0)
		return -1;
	vmx_vmcs_load(a);
	vmwrite((uint64_t)f, val);
	return 0;
}

/* ---- x87/SSE ---- */

void vmx_fpu_init(void)
{
	static uint8_t probe[512] __attribute__((aligned(16)));
	uint32_t mask;

	fxsave(probe);
	hv_memcpy(&mask, probe + 28, 4);
	mxcsr_mask = mask ? mask : 0xFFBF;
}

void vmx_fpu_reset(struct arch_vps *a)
{
	const uint16_t fcw = 0x037F;
	const uint32_t mxcsr = 0x1F80;

	hv_memset(a->fxsave, 0, sizeof(a->fxsave));
	hv_memcpy(a->fxsave + 0, &fcw, 2);
	hv_memcpy(a->fxsave + 24, &mxcsr, 4);
}

void vmx_vps_get_fpu(struct hv_vps *vps, uint8_t fx[512])
{
	hv_memcpy(fx, vps->arch->fxsave, 512);
	hv_memcpy(fx + 28, &mxcsr_mask, 4);
}

int vmx_vps_set_fpu(struct hv_vps *vps, const uint8_t fx[512])
{
	uint32_t mxcsr;

	hv_memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~mxcsr_mask)
		return -1;
	hv_memcpy(vps->arch->fxsave, fx, 512);
	return 0;
}
