/*
 * Backend selection (CPUID vendor + feature) and the arch.h entry points
 * that differ between SVM and VMX, forwarded to the chosen backend (those
 * that do not differ are in common/).
 */
#include <x86/backend.h>
#include <x86/cov.h>
#include <x86/cpu.h>
#include <x86/iommu.h>

#include <hv/arch/core.h>

static const struct x86_backend backend_svm = {
	.name = "svm",
	.pp_enable = svm_pp_enable,
	.vm_init = svm_vm_init,
	.vps_init = svm_vps_init,
	.vps_fini = svm_vps_fini,
	.vps_get_reg = svm_vps_get_reg,
	.vps_set_reg = svm_vps_set_reg,
	.vps_gprs = svm_vps_gprs,
	.vps_run = svm_vps_run,
	.vps_inject = svm_vps_inject,
	.vps_take_event = svm_vps_take_event,
	.vps_request_window = svm_vps_request_window,
	.vps_get_msr = svm_vps_get_msr,
	.vps_set_msr = svm_vps_set_msr,
	.vps_get_fpu = svm_vps_get_fpu,
	.vps_set_fpu = svm_vps_set_fpu,
};

static const struct x86_backend backend_vmx = {
	.name = "vmx",
	.pp_enable = vmx_pp_enable,
	.vm_init = vmx_vm_init,
	.vps_init = vmx_vps_init,
	.vps_fini = vmx_vps_fini,
	.vps_get_reg = vmx_vps_get_reg,
	.vps_set_reg = vmx_vps_set_reg,
	.vps_gprs = vmx_vps_gprs,
	.vps_run = vmx_vps_run,
	.vps_inject = vmx_vps_inject,
	.vps_take_event = vmx_vps_take_event,
	.vps_request_window = vmx_vps_request_window,
	.vps_get_msr = vmx_vps_get_msr,
	.vps_set_msr = vmx_vps_set_msr,
	.vps_get_fpu = vmx_vps_get_fpu,
	.vps_set_fpu = vmx_vps_set_fpu,
};

const struct x86_backend *x86_be;

int x86_backend_select(void)
{
	char vendor[13];

	switch (x86_cpu_vendor(vendor)) {
	case X86_VENDOR_INTEL:
		if (x86_cpu_has_vmx()) {
			x86_be = &backend_vmx;
			return 0;
		}
		hv_log("boot: GenuineIntel CPU without VMX (CPUID 1 ECX[5] = 0): no backend "
		       "(QEMU: nested KVM with -cpu host,+vmx; Bochs: an Intel model with VMX)");
		return -1;
	case X86_VENDOR_AMD:
		if (x86_cpu_has_svm()) {
			x86_be = &backend_svm;
			return 0;
		}
		hv_log("boot: AuthenticAMD CPU without SVM (CPUID 0x80000001 ECX[2] = 0): no "
		       "backend (QEMU: -cpu qemu64,+svm,+npt)");
		return -1;
	default:
		hv_log("boot: CPU vendor \"%s\" is neither GenuineIntel with VMX nor AuthenticAMD "
		       "with SVM: no backend", vendor);
		return -1;
	}
}

int arch_vm_init(struct hv_vm *vm) { return x86_be->vm_init(vm); }
int arch_vps_init(struct hv_vps *vps) { return x86_be->vps_init(vps); }
void arch_vps_fini(struct hv_vps *vps) { x86_be->vps_fini(vps); }
uint64_t arch_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg)
{
	return x86_be->vps_get_reg(vps, reg);
}
int arch_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val)
{
	return x86_be->vps_set_reg(vps, reg, val);
}
uint64_t *arch_vps_gprs(struct hv_vps *vps, uint32_t use)
{
	(void)use; /* the save area holds all fifteen */
	return x86_be->vps_gprs(vps);
}
void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	x86_be->vps_run(vps, exit);
	x86_cov_root_io(vps, exit);
	iommu_poll(); /* DMA faults reach the console at the next exit */
}
void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	x86_be->vps_inject(vps, event);
}
bool arch_vps_take_event(struct hv_vps *vps, struct hv_event *event)
{
	return x86_be->vps_take_event(vps, event);
}

void arch_vps_request_window(struct hv_vps *vps)
{
	x86_be->vps_request_window(vps);
}
int arch_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	return x86_be->vps_get_msr(vps, msr, val);
}
int arch_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val)
{
	return x86_be->vps_set_msr(vps, msr, val);
}
void arch_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512]) { x86_be->vps_get_fpu(vps, fxsave); }
int arch_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512])
{
	return x86_be->vps_set_fpu(vps, fxsave);
}
