/*
 * Per-VPS MSRs, x87/SSE state, and the MSR bitmaps.
 *
 * MSR bitmaps (4 KiB: read low/high, write low/high):
 *   - guest VMs: every MSR exits except the accesses x86/msr_passthrough.h
 *     names (reads and writes of the ones a VPS keeps, reads of IA32_TSC).
 *     MSRs outside the bitmap's ranges always exit.
 *   - the root VM: the accesses its MSR policy passes (hv/core/msr_root.c)
 *     run; every other access, and every MSR outside the ranges, exits and
 *     is emulated or refused with #GP by the core.
 * Where the MSRs live: SYSENTER_CS/ESP/EIP, FS/GS base in guest-state
 * fields; EFER and PAT in guest-state fields with the save/load controls;
 * STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE in the processor while the
 * VPS owns its PP, saved lazily when another VPS runs there (the host never
 * uses them).
 */
#include <microv/mv_abi.h>
#include <x86/cpu.h>
#include <x86/msr_passthrough.h>
#include <x86/regs.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "vmx.h"

static uint8_t msr_bitmap_guest[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap_root[4096] __attribute__((aligned(4096)));
static struct arch_vps *msr_owner[HV_MAX_PPS];

static const uint32_t lazy_msr[VMX_NUM_LAZY_MSRS] = {
	[VMX_MSR_STAR] = MSR_STAR, [VMX_MSR_LSTAR] = MSR_LSTAR, [VMX_MSR_CSTAR] = MSR_CSTAR,
	[VMX_MSR_SFMASK] = MSR_SFMASK, [VMX_MSR_KGSBASE] = MSR_KERNEL_GS_BASE,
};

/* The bitmap's layout: reads of 0..1FFF, of C0000000..C0001FFF, then the
 * same two ranges for writes (1 bit per MSR). */
static long bitmap_bit(uint32_t msr, bool write)
{
	long bit;

	if (msr <= 0x1FFF)
		bit = (long)msr;
	else if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
		bit = 0x400 * 8 + (long)(msr - 0xC0000000u);
	else
		return -1;
	return write ? 0x800 * 8 + bit : bit;
}

void vmx_msr_bitmaps_init(void)
{
	x86_msr_root_map_init(msr_bitmap_root, sizeof(msr_bitmap_root), bitmap_bit);
	x86_msr_map_init(msr_bitmap_guest, sizeof(msr_bitmap_guest), bitmap_bit);
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

int vmx_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	struct arch_vps *a = vps_arch(vps);

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
	struct arch_vps *a = vps_arch(vps);
	const uint64_t efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

	if (msr == MSR_EFER) {
		if (val & ~efer_ok)
			return -1;
		return vmx_vps_set_reg(vps, bf_reg_t_efer, val);
	}
	if (!x86_msr_value_ok(msr, val))
		return -1;
	if (msr == MSR_SFMASK && (val >> 32)) /* reserved on Intel (WRMSR would #GP) */
		return -1;
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

/* ---- x87/SSE (common/fpu.c) ---- */

void vmx_vps_get_fpu(struct hv_vps *vps, uint8_t fx[512])
{
	x86_fpu_get(vps_arch(vps)->fxsave, fx);
}

int vmx_vps_set_fpu(struct hv_vps *vps, const uint8_t fx[512])
{
	return x86_fpu_set(vps_arch(vps)->fxsave, fx);
}
