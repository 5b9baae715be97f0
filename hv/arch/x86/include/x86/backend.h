/*
 * The two hardware backends behind arch.h: one image carries both, and
 * boot/backend.c picks one at boot from CPUID (GenuineIntel + VMX -> vmx,
 * AuthenticAMD + SVM -> svm).  Each backend implements the VM/VPS part of
 * arch.h under its own prefix; backend.c forwards arch_* to the chosen one.
 * The host services (console, memory, TSC, PP id, halt) are shared (boot/).
 */
#ifndef X86_BACKEND_H
#define X86_BACKEND_H

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define X86_BACKEND_DECLS(p)                                                         \
	int p##_pp_enable(uint16_t ppid);                                            \
	int p##_vm_init(struct hv_vm *vm);                                           \
	void p##_vm_fini(struct hv_vm *vm);                                          \
	int p##_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags); \
	void p##_slpt_unmap(struct hv_vm *vm, uint64_t gpa);                         \
	void p##_slpt_flush(struct hv_vm *vm);                                       \
	int p##_vps_init(struct hv_vps *vps);                                        \
	void p##_vps_fini(struct hv_vps *vps);                                       \
	uint64_t p##_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg);             \
	int p##_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);    \
	void p##_vps_run(struct hv_vps *vps, struct hv_exit *exit);                  \
	void p##_vps_inject(struct hv_vps *vps, const struct hv_event *event);        \
	int p##_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val);        \
	int p##_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val);         \
	void p##_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512]);               \
	int p##_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512]);

X86_BACKEND_DECLS(svm)
X86_BACKEND_DECLS(vmx)

struct x86_backend {
	const char *name; /* "svm" | "vmx": the banner's backend= */
	int (*pp_enable)(uint16_t ppid);
	int (*vm_init)(struct hv_vm *vm);
	void (*vm_fini)(struct hv_vm *vm);
	int (*slpt_map)(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
	void (*slpt_unmap)(struct hv_vm *vm, uint64_t gpa);
	void (*slpt_flush)(struct hv_vm *vm);
	int (*vps_init)(struct hv_vps *vps);
	void (*vps_fini)(struct hv_vps *vps);
	uint64_t (*vps_get_reg)(struct hv_vps *vps, enum bf_reg_t reg);
	int (*vps_set_reg)(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);
	void (*vps_run)(struct hv_vps *vps, struct hv_exit *exit);
	void (*vps_inject)(struct hv_vps *vps, const struct hv_event *event);
	int (*vps_get_msr)(struct hv_vps *vps, uint32_t msr, uint64_t *val);
	int (*vps_set_msr)(struct hv_vps *vps, uint32_t msr, uint64_t val);
	void (*vps_get_fpu)(struct hv_vps *vps, uint8_t fxsave[512]);
	int (*vps_set_fpu)(struct hv_vps *vps, const uint8_t fxsave[512]);
};

/* The chosen backend; NULL before x86_backend_select(). */
extern const struct x86_backend *x86_be;

/*
 * Picks the backend from CPUID: GenuineIntel with VMX (CPUID 1 ECX[5]) ->
 * vmx, AuthenticAMD with SVM (CPUID 0x80000001 ECX[2]) -> svm.  Returns 0,
 * or -1 after printing why neither fits.  $MV_HV_BACKEND is not consulted:
 * the CPU decides.
 */
int x86_backend_select(void);

#endif /* X86_BACKEND_H */
