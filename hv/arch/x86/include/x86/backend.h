/*
 * The two hardware backends behind arch.h: one image carries both, and
 * boot/backend.c picks one at boot from CPUID (GenuineIntel + VMX -> vmx,
 * AuthenticAMD + SVM -> svm).  Each backend implements the VM/VPS part of
 * arch.h under its own prefix; backend.c forwards arch_* to the chosen one.
 * What does not differ is common/: arch_vm_fini and arch_slpt_* are
 * common/sl_table.c's (only the table entry format differs, from vm_init).
 * The host services (console, memory, TSC, PP id, halt) are shared (boot/).
 */
#ifndef X86_BACKEND_H
#define X86_BACKEND_H

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

/* The functions each backend fills struct x86_backend with, by file. */
/* svm/svm.c */
int svm_pp_enable(uint16_t ppid);
int svm_vps_init(struct hv_vps *vps);
void svm_vps_fini(struct hv_vps *vps);
void svm_vps_run(struct hv_vps *vps, struct hv_exit *exit);
void svm_vps_inject(struct hv_vps *vps, const struct hv_event *event);
bool svm_vps_take_event(struct hv_vps *vps, struct hv_event *event);
void svm_vps_request_window(struct hv_vps *vps);
/* svm/npt.c */
int svm_vm_init(struct hv_vm *vm);
/* svm/seg.c */
uint64_t svm_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg);
int svm_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);
uint64_t *svm_vps_gprs(struct hv_vps *vps);
/* svm/msr_fpu.c */
int svm_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val);
int svm_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val);
void svm_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512]);
int svm_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512]);

/* vmx/vmx.c */
int vmx_pp_enable(uint16_t ppid);
int vmx_vps_init(struct hv_vps *vps);
void vmx_vps_fini(struct hv_vps *vps);
void vmx_vps_run(struct hv_vps *vps, struct hv_exit *exit);
void vmx_vps_inject(struct hv_vps *vps, const struct hv_event *event);
bool vmx_vps_take_event(struct hv_vps *vps, struct hv_event *event);
void vmx_vps_request_window(struct hv_vps *vps);
/* vmx/ept.c */
int vmx_vm_init(struct hv_vm *vm);
/* vmx/regs.c */
uint64_t vmx_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg);
int vmx_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);
uint64_t *vmx_vps_gprs(struct hv_vps *vps);
/* vmx/msr_fpu.c */
int vmx_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val);
int vmx_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val);
void vmx_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512]);
int vmx_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512]);

struct x86_backend {
	const char *name; /* "svm" | "vmx": the banner's backend= */
	int (*pp_enable)(uint16_t ppid);
	int (*vm_init)(struct hv_vm *vm);
	int (*vps_init)(struct hv_vps *vps);
	void (*vps_fini)(struct hv_vps *vps);
	uint64_t (*vps_get_reg)(struct hv_vps *vps, enum bf_reg_t reg);
	int (*vps_set_reg)(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);
	uint64_t *(*vps_gprs)(struct hv_vps *vps);
	void (*vps_run)(struct hv_vps *vps, struct hv_exit *exit);
	void (*vps_inject)(struct hv_vps *vps, const struct hv_event *event);
	bool (*vps_take_event)(struct hv_vps *vps, struct hv_event *event);
	void (*vps_request_window)(struct hv_vps *vps);
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
