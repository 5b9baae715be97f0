/*
 * 6.12 VPS hypercalls (register layouts: docs/vps-abi.md, spec-errata E-09).
 * All are root-only and act on guest VPSs: the root VM's own VPSs are its
 * live CPU state and cannot be read or changed through them.
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/arch.h>
#include <hv/cpuid.h>
#include <hv/msr.h>
#include <hv/reg_valid.h>
#include <hv/string.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

#define VECTOR_FIRST_EXTERNAL 32

/* REG1 names a guest VPS the root may touch; *err is the status if not. */
static struct hv_vps *vps_arg(const struct hv_caller *c, uint64_t reg1, bool need_stopped,
			      uint64_t *err)
{
	if (!vm_is_root(c->vm)) {
		*err = MV_STATUS_INVALID_PERM_EXT;
		return NULL;
	}
	struct hv_vps *vps = vps_get((uint16_t)reg1); /* REG1[63:16] REVI */
	if (!vps || vps->vmid == MV_ROOT_VMID) {
		*err = MV_STATUS_INVALID_PARAMS1;
		return NULL;
	}
	struct hv_vp *vp = vps_vp(vps);
	if (need_stopped && vp && vp->running) {
		*err = MV_STATUS_INVALID_PERM_DENIED; /* E-16: state of a running VP */
		return NULL;
	}
	return vps;
}

#define VPS_ARG_OR_RETURN(var, c, reg1, stopped)                                \
	uint64_t var##_err = 0;                                                 \
	struct hv_vps *var = vps_arg(c, reg1, stopped, &var##_err);             \
	if (!var)                                                               \
		return hv_ret_status(var##_err)

struct hv_ret api_vps_create(const struct hv_caller *c, uint64_t reg1)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	struct hv_vp *vp = vp_get((uint16_t)reg1); /* REG1[63:16] REVI */
	if (!vp || vp->vmid == MV_ROOT_VMID)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	enum hv_alloc_err err;
	struct hv_vps *vps = vps_alloc(vp->id, &err);
	if (!vps)
		return hv_ret_status(api_alloc_status(err));
	return hv_ret_out1(MV_STATUS_SUCCESS, vps->id);
}

struct hv_ret api_vps_destroy(const struct hv_caller *c, uint64_t reg1)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	vps_free(vps);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

static bool cpuid_leaf_settable(uint32_t leaf)
{
	/* The hypervisor's own range is the ABI: not overridable. */
	return leaf < 0x40000000u || leaf > MV_CPUID_MAX_LEAF_VAL;
}

struct hv_ret api_vps_get_cpuid(const struct hv_caller *c, uint64_t reg1, uint64_t reg2)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, false);
	uint32_t r[4];
	cpuid_for_vps(vps, (uint32_t)reg2, (uint32_t)(reg2 >> 32), r);
	struct hv_ret ret = { .status = MV_STATUS_SUCCESS, .out = { r[0], r[1], r[2], r[3] },
			      .out_mask = 0xF };
	return ret;
}

struct hv_ret api_vps_set_cpuid(const struct hv_caller *c, uint64_t reg1, uint64_t reg2,
				uint64_t reg3, uint64_t reg4)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint32_t leaf = (uint32_t)reg2, subleaf = (uint32_t)(reg2 >> 32);
	if (!cpuid_leaf_settable(leaf))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);

	struct hv_cpuid_entry *slot = NULL;
	for (unsigned i = 0; i < HV_VPS_MAX_CPUID; i++) {
		struct hv_cpuid_entry *e = &vps->cpuid[i];
		if (e->used && e->leaf == leaf && e->subleaf == subleaf) {
			slot = e;
			break;
		}
		if (!e->used && !slot)
			slot = e;
	}
	if (!slot)
		return hv_ret_status(MV_STATUS_INVALID_PERM_DENIED); /* E-15: table full */
	slot->used = true;
	slot->leaf = leaf;
	slot->subleaf = subleaf;
	slot->regs[0] = (uint32_t)reg3;
	slot->regs[1] = (uint32_t)(reg3 >> 32);
	slot->regs[2] = (uint32_t)reg4;
	slot->regs[3] = (uint32_t)(reg4 >> 32);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

static bool reg_valid(uint64_t reg)
{
	return reg > bf_reg_t_unsupported && reg < bf_reg_t_invalid;
}

struct hv_ret api_vps_get_reg(const struct hv_caller *c, uint64_t reg1, uint64_t reg2)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	if (!reg_valid(reg2))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_out1(MV_STATUS_SUCCESS, arch_vps_get_reg(vps, (enum bf_reg_t)reg2));
}

struct hv_ret api_vps_set_reg(const struct hv_caller *c, uint64_t reg1, uint64_t reg2,
			      uint64_t reg3)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	if (!reg_valid(reg2))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	/* A value no VM entry accepts, or that means nothing (hv/reg_valid.h);
	 * then the backend may refuse what its processor lacks. */
	if (!reg_value_valid((enum bf_reg_t)reg2, reg3) ||
	    arch_vps_set_reg(vps, (enum bf_reg_t)reg2, reg3))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vps_get_msr(const struct hv_caller *c, uint64_t reg1, uint64_t reg2)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint64_t val = 0;
	/* REG2[63:32] is REVZ. */
	if ((reg2 >> 32) || !msr_supported((uint32_t)reg2) ||
	    arch_vps_get_msr(vps, (uint32_t)reg2, &val))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_out1(MV_STATUS_SUCCESS, val);
}

struct hv_ret api_vps_set_msr(const struct hv_caller *c, uint64_t reg1, uint64_t reg2,
			      uint64_t reg3)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	if ((reg2 >> 32) || !msr_supported((uint32_t)reg2))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (!msr_value_valid((uint32_t)reg2, reg3) || arch_vps_set_msr(vps, (uint32_t)reg2, reg3))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS3);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* REG1 = first index; REG0 = count, REG1..REG5 = the MSRs from that index
 * (0 past the end).  An index past the end is INVALID_PARAMS1 unless the
 * list is empty and the index is 0. */
static struct hv_ret msr_list_window(const struct hv_caller *c, uint64_t start,
				     uint32_t (*count)(void), uint32_t (*at)(uint32_t))
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	uint32_t n = count();
	if (start > n || (start == n && n != 0))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS1);
	struct hv_ret ret = { .status = MV_STATUS_SUCCESS, .out = { n }, .out_mask = 0x3F };
	for (uint32_t i = 0; i < 5; i++)
		ret.out[1 + i] = start + i < n ? at((uint32_t)start + i) : 0;
	return ret;
}

struct hv_ret api_vps_get_supported_msrs(const struct hv_caller *c, uint64_t reg1)
{
	return msr_list_window(c, reg1, msr_supported_count, msr_supported_at);
}

struct hv_ret api_vps_get_supported_feature_msrs(const struct hv_caller *c, uint64_t reg1)
{
	return msr_list_window(c, reg1, msr_feature_count, msr_feature_at);
}

struct hv_ret api_vps_queue_irq(const struct hv_caller *c, uint64_t reg1, uint64_t reg2)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, false);
	/* REG2[7:0] vector 32..255 (0-31 are exceptions), REG2[63:8] REVZ. */
	if (reg2 > 0xFF || reg2 < VECTOR_FIRST_EXTERNAL)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	struct hv_event ev = { .type = HV_EVENT_EXTINT, .vector = (uint8_t)reg2 };
	arch_vps_inject(vps, &ev);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vps_get_tsc_khz(const struct hv_caller *c, uint64_t reg1)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, false);
	(void)vps;
	return hv_ret_out1(MV_STATUS_SUCCESS, arch_tsc_khz());
}
