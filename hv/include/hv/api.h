/*
 * The hypercall API: one api_* function per hypercall, api_<group>_* in
 * hv/core/api_<group>.c for the hypercalls mv_<group>_op_* (the VP
 * management group's run_vp is api_vp_run, api_vp.c).  Each takes decoded
 * arguments, validates everything (the caller is hostile), changes nothing
 * on failure, and returns a value struct that hypercall.c writes back.
 */
#ifndef HV_API_H
#define HV_API_H

#include <hv/types.h>

struct hv_vm;
struct hv_vp;
struct hv_vps;

/* Who made the call. */
struct hv_caller {
	struct hv_vm *vm;
	struct hv_vp *vp;
	struct hv_vps *vps;
};

/* Result: RAX, and the output registers REG0..REG5 whose bit is set in
 * out_mask (all other registers are left as the guest had them). */
struct hv_ret {
	uint64_t status;
	uint64_t out[6];
	uint8_t out_mask;
};

static inline struct hv_ret hv_ret_status(uint64_t status)
{
	struct hv_ret r = { .status = status };
	return r;
}

static inline struct hv_ret hv_ret_out1(uint64_t status, uint64_t reg0)
{
	struct hv_ret r = { .status = status, .out = { reg0 }, .out_mask = 1 };
	return r;
}

/* 6.8 debug */
struct hv_ret api_debug_out(const struct hv_caller *c, uint64_t reg0, uint64_t reg1);
/* Its rate limit per VM (E-45): a burst of lines, then lines per second. */
#define DEBUG_OUT_BURST 32u
#define DEBUG_OUT_PER_S 100u
bool api_debug_take_token(uint16_t vmid, uint64_t now, uint64_t tsc_khz);
/* 6.9 handles */
struct hv_ret api_handle_open(const struct hv_caller *c, uint64_t version);
struct hv_ret api_handle_close(const struct hv_caller *c, uint64_t handle);
bool api_handle_valid(const struct hv_caller *c, uint64_t handle);
/* Handle generations: 48 bits, issued once each (E-42); the last one issued
 * (the unit tests move it to the end of the range). */
#define API_HANDLE_GEN_MAX ((1ull << 48) - 1)
extern uint64_t api_handle_gen_last;
/* 6.10 VMs */
struct hv_ret api_vm_create(const struct hv_caller *c);
struct hv_ret api_vm_destroy(const struct hv_caller *c, uint64_t vmid);
struct hv_ret api_vm_vmid(const struct hv_caller *c);
struct hv_ret api_vm_map_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			     uint64_t dst_vmid, uint64_t dst_mdl, uint64_t flags);
struct hv_ret api_vm_unmap_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			       uint64_t dst_vmid, uint64_t dst_mdl);
struct hv_ret api_vm_set_gpa_flags_mdl(const struct hv_caller *c, uint64_t src_vmid,
				       uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl,
				       uint64_t flags);
/* 6.11 VPs */
struct hv_ret api_vp_create(const struct hv_caller *c, uint64_t vmid);
struct hv_ret api_vp_destroy(const struct hv_caller *c, uint64_t vpid);
struct hv_ret api_vp_vmid(const struct hv_caller *c, uint64_t vpid);
struct hv_ret api_vp_vpid(const struct hv_caller *c);
/* 6.12 VPSs */
struct hv_ret api_vps_create(const struct hv_caller *c, uint64_t vpid);
struct hv_ret api_vps_destroy(const struct hv_caller *c, uint64_t vpsid);
struct hv_ret api_vps_get_cpuid(const struct hv_caller *c, uint64_t vpsid, uint64_t leaf);
struct hv_ret api_vps_set_cpuid(const struct hv_caller *c, uint64_t vpsid, uint64_t leaf,
				uint64_t ebx_eax, uint64_t edx_ecx);
struct hv_ret api_vps_get_reg(const struct hv_caller *c, uint64_t vpsid, uint64_t reg);
struct hv_ret api_vps_set_reg(const struct hv_caller *c, uint64_t vpsid, uint64_t reg,
			      uint64_t val);
struct hv_ret api_vps_get_msr(const struct hv_caller *c, uint64_t vpsid, uint64_t msr);
struct hv_ret api_vps_set_msr(const struct hv_caller *c, uint64_t vpsid, uint64_t msr,
			      uint64_t val);
struct hv_ret api_vps_get_supported_msrs(const struct hv_caller *c, uint64_t start);
struct hv_ret api_vps_get_supported_feature_msrs(const struct hv_caller *c, uint64_t start);
struct hv_ret api_vps_queue_irq(const struct hv_caller *c, uint64_t vpsid, uint64_t vector);
struct hv_ret api_vps_get_tsc_khz(const struct hv_caller *c, uint64_t vpsid);
struct hv_ret api_vps_get_fpu(const struct hv_caller *c, uint64_t vpsid, uint64_t gpa);
struct hv_ret api_vps_set_fpu(const struct hv_caller *c, uint64_t vpsid, uint64_t gpa);
struct hv_ret api_vps_get_xsave(const struct hv_caller *c, uint64_t vpsid, uint64_t gpa);
struct hv_ret api_vps_set_xsave(const struct hv_caller *c, uint64_t vpsid, uint64_t gpa);
struct hv_ret api_vps_virt_to_phys(const struct hv_caller *c, uint64_t vpsid, uint64_t gva);
struct hv_ret api_vps_set_identity_map(const struct hv_caller *c, uint64_t vpsid, uint64_t gpa);
/* 6.13 run (api_vp.c) */
struct hv_ret api_vp_run(const struct hv_caller *c, uint64_t vpid);
/* The run of `vp` (NULL: none) is over: it may run again, on any PP.  Called
 * by hypercall_complete, under the hypercall lock. */
void api_vp_run_end(struct hv_vp *vp);
/* XVIO, a project extension (docs/xvio.md; api_xvio.c) */
struct hv_ret api_xvio_get_partition(const struct hv_caller *c);
struct hv_ret api_xvio_set_partition(const struct hv_caller *c, uint64_t vmid, uint64_t part);
struct hv_ret api_xvio_initialize(const struct hv_caller *c, uint64_t id, uint64_t target,
				  uint64_t vector);
struct hv_ret api_xvio_cleanup(const struct hv_caller *c, uint64_t id);
struct hv_ret api_xvio_post_message(const struct hv_caller *c, uint64_t id, uint64_t part,
				    uint64_t code, uint64_t size, uint64_t gpa);
struct hv_ret api_xvio_receive_message(const struct hv_caller *c, uint64_t id, uint64_t gpa);
struct hv_ret api_xvio_create_ring(const struct hv_caller *c, uint64_t id, uint64_t peer,
				   uint64_t send_pages, uint64_t recv_pages, uint64_t gpa);
struct hv_ret api_xvio_attach_ring(const struct hv_caller *c, uint64_t id, uint64_t creator,
				   uint64_t gpa);
struct hv_ret api_xvio_set_focus(const struct hv_caller *c, uint64_t part);

#endif /* HV_API_H */
