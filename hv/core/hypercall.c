/*
 * Hypercall decoding and dispatch (spec 6.5-6.7, docs/spec-errata.md).
 *
 * Order of checks, each with its own status, nothing changed on failure:
 *   1. signature RAX[63:48] == 0x764D          else FAILURE_UNSUPPORTED
 *   2. flags: only SCC may be set               else FAILURE_UNSUPPORTED
 *   3. (opcode, index) is in the catalogue      else FAILURE_UNSUPPORTED
 *   4. REG0 is the VM's open handle (except debug_out and open_handle)
 *                                               else FAILURE_INVALID_HANDLE
 *   5. the api_* function: permission, then parameters in register order.
 *
 * Dispatch is one switch: each case decodes its registers and calls one
 * api_* function, which returns a struct hv_ret.
 *
 * Continuations (spec 6.1, E-31): an api_* function that did part of its
 * work answers MV_STATUS_RETRY_CONTINUATION (today only destroy_vm).
 * Without the SCC flag nothing is written and RIP stays on the VMCALL, so
 * the caller executes the same call again; with SCC the status is returned
 * like any other and RIP advances.
 */
#include <microv/mv_catalog.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/hypercall.h>
#include <hv/pp.h>
#include <hv/spinlock.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

#define HC_KEY(op, idx) (((op) & MV_HYPERCALL_OPCODE_NOSIG_MASK) | (idx))

static const enum bf_reg_t hc_regs[6] = {
	bf_reg_t_r10, bf_reg_t_r11, bf_reg_t_r12,
	bf_reg_t_r13, bf_reg_t_r14, bf_reg_t_r15,
};

/* Serialises every hypercall that reads or changes shared core state. */
static struct hv_spinlock hc_lock = HV_SPINLOCK_INIT;

/* The register convention of a result: RAX the status, REG0..REG5
 * (R10..R15) the outputs the mask names; nothing else is written. */
static void hc_write_result(struct hv_vps *vps, const struct hv_ret *ret)
{
	arch_vps_set_reg(vps, bf_reg_t_rax, ret->status);
	for (int i = 0; i < 6; i++) {
		if (ret->out_mask & (1u << i))
			arch_vps_set_reg(vps, hc_regs[i], ret->out[i]);
	}
}

bool hypercall_known(uint64_t opcode_nosig, uint64_t index)
{
	switch (HC_KEY(opcode_nosig, index)) {
#define HC_CASE(name, op, idx) case HC_KEY(op, idx):
		MV_CATALOG_HYPERCALLS(HC_CASE)
#undef HC_CASE
		return true;
	default:
		return false;
	}
}

static bool hc_needs_handle(uint64_t key)
{
	return key != HC_KEY(MV_DEBUG_OP_VAL, MV_DEBUG_OP_OUT_IDX_VAL) &&
	       key != HC_KEY(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL);
}

static struct hv_ret hc_dispatch(const struct hv_caller *c, uint64_t key, const uint64_t *r)
{
	switch (key) {
	case HC_KEY(MV_DEBUG_OP_VAL, MV_DEBUG_OP_OUT_IDX_VAL):
		return api_debug_out(c, r[0], r[1]);
	case HC_KEY(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL):
		return api_handle_open(c, r[0]);
	case HC_KEY(MV_HANDLE_OP_VAL, MV_HANDLE_OP_CLOSE_IDX_VAL):
		return api_handle_close(c, r[0]);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_CREATE_VM_IDX_VAL):
		return api_vm_create(c);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL):
		return api_vm_destroy(c, r[1]);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_VMID_IDX_VAL):
		return api_vm_vmid(c);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_MAP_MDL_IDX_VAL):
		return api_vm_map_mdl(c, r[1], r[2], r[3], r[4], r[5]);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_UNMAP_MDL_IDX_VAL):
		return api_vm_unmap_mdl(c, r[1], r[2], r[3], r[4]);
	case HC_KEY(MV_VM_OP_VAL, MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL):
		return api_vm_set_gpa_flags_mdl(c, r[1], r[2], r[3], r[4], r[5]);
	case HC_KEY(MV_VP_OP_VAL, MV_VP_OP_CREATE_VP_IDX_VAL):
		return api_vp_create(c, r[1]);
	case HC_KEY(MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL):
		return api_vp_destroy(c, r[1]);
	case HC_KEY(MV_VP_OP_VAL, MV_VP_OP_VMID_IDX_VAL):
		return api_vp_vmid(c, r[1]);
	case HC_KEY(MV_VP_OP_VAL, MV_VP_OP_VPID_IDX_VAL):
		return api_vp_vpid(c);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_CREATE_VPS_IDX_VAL):
		return api_vps_create(c, r[1]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_DESTROY_VPS_IDX_VAL):
		return api_vps_destroy(c, r[1]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_CPUID_IDX_VAL):
		return api_vps_get_cpuid(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_CPUID_IDX_VAL):
		return api_vps_set_cpuid(c, r[1], r[2], r[3], r[4]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_REG_IDX_VAL):
		return api_vps_get_reg(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_REG_IDX_VAL):
		return api_vps_set_reg(c, r[1], r[2], r[3]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_MSR_IDX_VAL):
		return api_vps_get_msr(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_MSR_IDX_VAL):
		return api_vps_set_msr(c, r[1], r[2], r[3]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_SUPPORTED_MSRS_IDX_VAL):
		return api_vps_get_supported_msrs(c, r[1]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_SUPPORTED_FEATURE_MSRS_IDX_VAL):
		return api_vps_get_supported_feature_msrs(c, r[1]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_FPU_IDX_VAL):
		return api_vps_get_fpu(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_FPU_IDX_VAL):
		return api_vps_set_fpu(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_XSAVE_IDX_VAL):
		return api_vps_get_xsave(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_XSAVE_IDX_VAL):
		return api_vps_set_xsave(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL):
		return api_vps_virt_to_phys(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL):
		return api_vps_set_identity_map(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_QUEUE_IRQ_IDX_VAL):
		return api_vps_queue_irq(c, r[1], r[2]);
	case HC_KEY(MV_VPS_OP_VAL, MV_VPS_OP_GET_TSC_KHZ_IDX_VAL):
		return api_vps_get_tsc_khz(c, r[1]);
	case HC_KEY(MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL):
		return api_vp_run(c, r[1]);
	/* XVIO, a project extension (docs/xvio.md): hv/core/xvio*.c */
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_GET_PARTITION_IDX_VAL):
		return api_xvio_get_partition(c);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_SET_PARTITION_IDX_VAL):
		return api_xvio_set_partition(c, r[1], r[2]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_INITIALIZE_IDX_VAL):
		return api_xvio_initialize(c, r[1], r[2], r[3]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_CLEANUP_IDX_VAL):
		return api_xvio_cleanup(c, r[1]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_POST_MESSAGE_IDX_VAL):
		return api_xvio_post_message(c, r[1], r[2], r[3], r[4], r[5]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL):
		return api_xvio_receive_message(c, r[1], r[2]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_CREATE_RING_IDX_VAL):
		return api_xvio_create_ring(c, r[1], r[2], r[3], r[4], r[5]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_ATTACH_RING_IDX_VAL):
		return api_xvio_attach_ring(c, r[1], r[2], r[3]);
	case HC_KEY(MV_XVIO_OP_VAL, MV_XVIO_OP_SET_FOCUS_IDX_VAL):
		return api_xvio_set_focus(c, r[1]);
	default:
		/* hypercall_known() admitted it, so it is in the catalogue: a
		 * catalogue entry without a case here is a bug (hv/tests checks
		 * every one reaches its api_* function). */
		return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
	}
}

static struct hv_ret hc_decode_and_call(const struct hv_caller *c, uint64_t rax,
					const uint64_t *r, bool *scc)
{
	uint64_t flags = rax & MV_HYPERCALL_FLAGS_MASK;
	uint64_t op = rax & MV_HYPERCALL_OPCODE_NOSIG_MASK;
	uint64_t idx = rax & MV_HYPERCALL_INDEX_MASK;
	struct hv_ret ret;

	*scc = flags & MV_HYPERCALL_FLAGS_SCC;
	if ((rax & MV_HYPERCALL_SIG_MASK) != MV_HYPERCALL_SIG_VAL)
		return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
	if (flags & ~MV_HYPERCALL_FLAGS_SCC)
		return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
	if (!hypercall_known(op, idx))
		return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);

	hv_spin_lock(&hc_lock);
	if (hc_needs_handle(HC_KEY(op, idx)) && !api_handle_valid(c, r[0]))
		ret = hv_ret_status(MV_STATUS_FAILURE_INVALID_HANDLE);
	else
		ret = hc_dispatch(c, HC_KEY(op, idx), r);
	hv_spin_unlock(&hc_lock);
	return ret;
}

enum hv_hc_result hypercall_handle(struct hv_vps *vps)
{
	struct hv_caller c = { .vm = vps_vm(vps), .vp = vps_vp(vps), .vps = vps };
	uint64_t regs[6];
	bool scc;

	uint64_t rax = arch_vps_get_reg(vps, bf_reg_t_rax);
	for (int i = 0; i < 6; i++)
		regs[i] = arch_vps_get_reg(vps, hc_regs[i]);

	struct hv_ret ret = hc_decode_and_call(&c, rax, regs, &scc);

	if (ret.status == MV_STATUS_RETRY_CONTINUATION && !scc)
		return HV_HC_REEXECUTE;
	if (pp_this()->current != vps)
		return HV_HC_SWITCHED; /* run_vp: hypercall_complete writes the result */

	hc_write_result(vps, &ret);
	return HV_HC_DONE;
}

/* Called from the exit handlers (run.c), outside any hypercall: the VP's
 * state is what run_vp, destroy_vp and the VPS calls on other PPs read
 * under the hypercall lock, so it changes under the lock too (and the
 * guest's registers, written before, are visible to the next PP that runs
 * it). */
void hypercall_complete(struct hv_vps *vps, struct hv_ret ret)
{
	hv_spin_lock(&hc_lock);
	api_vp_run_end(vps_vp(vps));
	hv_spin_unlock(&hc_lock);
	hc_write_result(pp_this()->root_vps, &ret);
}
