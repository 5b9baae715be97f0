/* VPSs: virtual processor states (spec section 5). */
#ifndef HV_VPS_H
#define HV_VPS_H

#include <hv/arch/core.h>
#include <hv/evq.h>
#include <hv/types.h>

#define HV_MAX_VPSS 64

enum hv_vps_state {
	HV_VPS_FREE = 0,
	HV_VPS_ACTIVE,
};

struct arch_vps;
struct hv_vm;
struct hv_vp;

/* CPUID values the root set for this VPS (mv_vps_op_set_cpuid). */
#define HV_VPS_MAX_CPUID 16
struct hv_cpuid_entry {
	bool used;
	uint32_t leaf;
	uint32_t subleaf;
	uint32_t regs[4];
};

struct hv_vps {
	uint16_t id;
	enum hv_vps_state state;
	uint16_t vpid;
	uint16_t vmid;
	/* Its VP and VM, which outlive it (destroy_vp and destroy_vm refuse
	 * while it exists): what vps_vp and vps_vm return, without a lookup. */
	struct hv_vp *vp;
	struct hv_vm *vm;
	struct hv_cpuid_entry cpuid[HV_VPS_MAX_CPUID];
	struct hv_evq evq; /* events not yet handed to the backend */
	struct arch_vps *arch;
};

struct hv_vps *vps_get(uint16_t vpsid);
/* NULL and *err (HV_ALLOC_PARENT: no such VP; HV_ALLOC_FULL;
 * HV_ALLOC_BACKEND: arch_vps_init failed, nothing changed). */
struct hv_vps *vps_alloc(uint16_t vpid, enum hv_alloc_err *err);
void vps_free(struct hv_vps *vps);
/* vps_vm, vps_id, vps_vmid, vps_vpid, vps_arch: hv/arch/core.h. */
struct hv_vp *vps_vp(const struct hv_vps *vps);

#endif /* HV_VPS_H */
