/*
 * The SVM backend's per-PP enable and the capabilities the other files read:
 * checks CPUID (leaf 0x8000000A, nested paging) and VM_CR.SVMDIS, sets
 * EFER.SVME and VM_HSAVE_PA (a host-save page per PP); on PP 0 records
 * nRIP save (exit.c) and NX in nested tables (npt.c) and sets up the MSR
 * permission maps and the FPU image.
 */
#include <x86/cpu.h>
#include <x86/fpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "svm.h"

bool svm_has_nrip;
bool svm_has_nxe;

static uint8_t hsave[HV_MAX_PPS][4096] __attribute__((aligned(4096)));

int svm_pp_enable(uint16_t ppid)
{
	uint32_t r[4];

	if (ppid >= HV_MAX_PPS)
		return -1;
	cpuid(0x80000000, 0, r);
	if (r[0] < 0x8000000A) {
		hv_log("svm: pp %u: no CPUID leaf 0x8000000A", ppid);
		return -1;
	}
	if (!x86_cpu_has_svm()) {
		hv_log("svm: pp %u: the CPU has no SVM (QEMU: -cpu qemu64,+svm,+npt)", ppid);
		return -1;
	}
	cpuid(0x80000001, 0, r);
	bool nx = r[3] & (1u << 20);
	cpuid(0x8000000A, 0, r);
	if (!(r[3] & 1u)) {
		hv_log("svm: pp %u: the CPU has no nested paging (QEMU: add +npt)", ppid);
		return -1;
	}
	if (rdmsr(MSR_VM_CR) & (1ull << 4)) {
		hv_log("svm: pp %u: SVM disabled by the firmware (VM_CR.SVMDIS)", ppid);
		return -1;
	}
	wrmsr(MSR_EFER_NUM, rdmsr(MSR_EFER_NUM) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave[ppid]);
	if (ppid == 0) {
		svm_has_nrip = r[3] & (1u << 3);
		svm_has_nxe = nx && (rdmsr(MSR_EFER_NUM) & EFER_NXE);
		svm_permission_maps_init();
		x86_fpu_init();
		hv_log("svm: revision %u, %u ASIDs, nRIP save %s, NX in nested tables %s", r[0] & 0xFF,
		       r[1], svm_has_nrip ? "yes" : "no", svm_has_nxe ? "yes" : "no");
	}
	return 0;
}
