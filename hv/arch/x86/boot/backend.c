/*
 * Backend selection (CPUID vendor + feature) and the arch.h entry points
 * that differ between SVM and VMX, forwarded to the chosen backend.
 */
#include <x86/backend.h>
#include <x86/cov.h>
#include <x86/cpu.h>

#include <hv/log.h>
#include <hv/string.h>

#define BACKEND(p)                                                                   \
	{                                                                            \
		#p, p##_pp_enable, p##_vm_init, p##_vm_fini, p##_slpt_map,           \
		p##_slpt_unmap, p##_slpt_flush, p##_vps_init, p##_vps_fini,          \
		p##_vps_get_reg, p##_vps_set_reg, p##_vps_run, p##_vps_inject,       \
		p##_vps_get_msr, p##_vps_set_msr, p##_vps_get_fpu, p##_vps_set_fpu   \
	}

static const struct x86_backend backend_svm = BACKEND(svm);
static const struct x86_backend backend_vmx = BACKEND(vmx);

const struct x86_backend *x86_be;

int x86_backend_select(void)
{
	uint32_t r[4];
	char vendor[13];

	cpuid(0, 0, r);
	hv_memcpy(vendor + 0, &r[1], 4);
	hv_memcpy(vendor + 4, &r[3], 4);
	hv_memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';

	if (hv_memcmp(vendor, "GenuineIntel", 12) == 0) {
		cpuid(1, 0, r);
		if (r[2] & (1u << 5)) {
			x86_be = &backend_vmx;
			return 0;
		}
		hv_log("boot: GenuineIntel CPU without VMX (CPUID 1 ECX[5] = 0): no backend "
		       "(QEMU: nested KVM with -cpu host,+vmx; Bochs: an Intel model with VMX)");
		return -1;
	}
	if (hv_memcmp(vendor, "AuthenticAMD", 12) == 0) {
		cpuid(0x80000000, 0, r);
		if (r[0] >= 0x80000001) {
			cpuid(0x80000001, 0, r);
			if (r[2] & (1u << 2)) {
				x86_be = &backend_svm;
				return 0;
			}
		}
		hv_log("boot: AuthenticAMD CPU without SVM (CPUID 0x80000001 ECX[2] = 0): no "
		       "backend (QEMU: -cpu qemu64,+svm,+npt)");
		return -1;
	}
	hv_log("boot: CPU vendor \"%s\" is neither GenuineIntel with VMX nor AuthenticAMD "
	       "with SVM: no backend", vendor);
	return -1;
}

int arch_vm_init(struct hv_vm *vm) { return x86_be->vm_init(vm); }
void arch_vm_fini(struct hv_vm *vm) { x86_be->vm_fini(vm); }
int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	return x86_be->slpt_map(vm, gpa, spa, flags);
}
void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa) { x86_be->slpt_unmap(vm, gpa); }
void arch_slpt_flush(struct hv_vm *vm) { x86_be->slpt_flush(vm); }
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
void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	x86_be->vps_run(vps, exit);
	x86_cov_root_io(vps, exit);
}
void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	x86_be->vps_inject(vps, event);
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
