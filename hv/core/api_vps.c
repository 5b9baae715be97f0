/*
 * 6.12 VPS hypercalls (register layouts: docs/vps-abi.md, spec-errata E-09),
 * including those that move data through guest memory: FPU and XSAVE images
 * in a page of the root's, the guest's page-table walk, and the identity map.
 * All are root-only and act on guest VPSs: the root VM's own VPSs are its
 * live CPU state and cannot be read or changed through them.
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/cpuid.h>
#include <hv/gva.h>
#include <hv/log.h>
#include <hv/mm.h>
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
		return hv_ret_status(vm_alloc_status(err));
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
	if (!reg_msr_value_valid((uint32_t)reg2, reg3) || arch_vps_set_msr(vps, (uint32_t)reg2, reg3))
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
	evq_raise(vps, &ev);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vps_get_tsc_khz(const struct hv_caller *c, uint64_t reg1)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, false);
	(void)vps;
	return hv_ret_out1(MV_STATUS_SUCCESS, arch_tsc_khz());
}

/* ---- FPU / XSAVE images, translation, identity map -------------------- */

#define FXSAVE_SIZE 512u
#define XSAVE_HDR_SIZE 64u
#define XSAVE_SIZE (FXSAVE_SIZE + XSAVE_HDR_SIZE)
#define XSTATE_X87 0x1ull
#define XSTATE_SSE 0x2ull
#define FX_FCW 0
#define FX_MXCSR 24
#define FX_MXCSR_MASK 28
#define FX_XMM0 160

#define IDMAP_PAGES 3u

static bool page_gpa_ok(uint64_t gpa)
{
	return (gpa & 0xFFF) == 0 && gpa < MM_GPA_LIMIT; /* 11:0 REVZ */
}

struct hv_ret api_vps_get_fpu(const struct hv_caller *c, uint64_t reg1, uint64_t gpa)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint8_t fx[FXSAVE_SIZE];
	if (!page_gpa_ok(gpa))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	arch_vps_get_fpu(vps, fx);
	if (mm_write(c->vm, gpa, fx, sizeof(fx)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* An image's MXCSR sets only bits the processor takes (E-75): those of the
 * MXCSR_MASK that arch_vps_get_fpu reports, the processor's own (FXSAVE
 * bytes 28..31; never 0), so every image get_fpu gives is accepted again. */
static bool fxsave_valid(struct hv_vps *vps, const uint8_t *fx)
{
	uint8_t cur[FXSAVE_SIZE];
	uint32_t mxcsr, mask;

	arch_vps_get_fpu(vps, cur);
	hv_memcpy(&mask, cur + FX_MXCSR_MASK, 4);
	hv_memcpy(&mxcsr, fx + FX_MXCSR, 4);
	return (mxcsr & ~mask) == 0;
}

struct hv_ret api_vps_set_fpu(const struct hv_caller *c, uint64_t reg1, uint64_t gpa)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint8_t fx[FXSAVE_SIZE];
	if (!page_gpa_ok(gpa) || mm_read(c->vm, gpa, fx, sizeof(fx)) || !fxsave_valid(vps, fx))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	if (arch_vps_set_fpu(vps, fx))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

/* XSAVE standard format with the x87 and SSE components only. */
struct hv_ret api_vps_get_xsave(const struct hv_caller *c, uint64_t reg1, uint64_t gpa)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint8_t xs[XSAVE_SIZE];
	if (!page_gpa_ok(gpa))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	hv_memset(xs, 0, sizeof(xs));
	arch_vps_get_fpu(vps, xs);
	uint64_t bv = XSTATE_X87 | XSTATE_SSE;
	hv_memcpy(xs + FXSAVE_SIZE, &bv, 8);
	if (mm_write(c->vm, gpa, xs, sizeof(xs)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vps_set_xsave(const struct hv_caller *c, uint64_t reg1, uint64_t gpa)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint8_t xs[XSAVE_SIZE], zero[XSAVE_HDR_SIZE - 8];
	uint64_t bv;
	if (!page_gpa_ok(gpa) || mm_read(c->vm, gpa, xs, sizeof(xs)))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	hv_memcpy(&bv, xs + FXSAVE_SIZE, 8);
	hv_memset(zero, 0, sizeof(zero));
	/* Only x87/SSE; XCOMP_BV and the rest of the header must be zero
	 * (standard format), as XRSTOR requires. */
	if ((bv & ~(XSTATE_X87 | XSTATE_SSE)) ||
	    hv_memcmp(xs + FXSAVE_SIZE + 8, zero, sizeof(zero)) || !fxsave_valid(vps, xs))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	/* A component whose XSTATE_BV bit is clear is loaded in its initial
	 * configuration. */
	if (!(bv & XSTATE_X87)) {
		hv_memset(xs, 0, FX_MXCSR);
		hv_memset(xs + 32, 0, FX_XMM0 - 32);
		uint16_t fcw = 0x037F;
		hv_memcpy(xs + FX_FCW, &fcw, 2);
	}
	if (!(bv & XSTATE_SSE))
		hv_memset(xs + FX_XMM0, 0, 16 * 16);
	if (arch_vps_set_fpu(vps, xs))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_status(MV_STATUS_SUCCESS);
}

struct hv_ret api_vps_virt_to_phys(const struct hv_caller *c, uint64_t reg1, uint64_t gva)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	uint64_t gpa;
	if (gva_translate(vps, gva, &gpa))
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	return hv_ret_out1(MV_STATUS_SUCCESS, gpa);
}

#define PTE_P 1ull
#define PTE_PS (1ull << 7)

/* ---- the identity map ------------------------------------------------------ */

static const struct idmap_reg {
	enum bf_reg_t reg;
	uint64_t val;
} idmap_state[] = {
	{ bf_reg_t_cr0, 0x80010033 }, /* PG WP NE ET MP PE */
	{ bf_reg_t_cr4, 0x6A0 },      /* OSXMMEXCPT OSFXSR PGE PAE */
	{ bf_reg_t_efer, 0x500 },     /* LMA LME */
	{ bf_reg_t_rflags, 0x2 },
	{ bf_reg_t_cs, 0x8 }, { bf_reg_t_cs_base, 0 },
	{ bf_reg_t_cs_limit, 0xFFFFFFFF }, { bf_reg_t_cs_attrib, 0xA09B },
	{ bf_reg_t_ds, 0x10 }, { bf_reg_t_ds_base, 0 },
	{ bf_reg_t_ds_limit, 0xFFFFFFFF }, { bf_reg_t_ds_attrib, 0xC093 },
	{ bf_reg_t_es, 0x10 }, { bf_reg_t_es_base, 0 },
	{ bf_reg_t_es_limit, 0xFFFFFFFF }, { bf_reg_t_es_attrib, 0xC093 },
	{ bf_reg_t_ss, 0x10 }, { bf_reg_t_ss_base, 0 },
	{ bf_reg_t_ss_limit, 0xFFFFFFFF }, { bf_reg_t_ss_attrib, 0xC093 },
	{ bf_reg_t_fs, 0x10 }, { bf_reg_t_fs_base, 0 },
	{ bf_reg_t_fs_limit, 0xFFFFFFFF }, { bf_reg_t_fs_attrib, 0xC093 },
	{ bf_reg_t_gs, 0x10 }, { bf_reg_t_gs_base, 0 },
	{ bf_reg_t_gs_limit, 0xFFFFFFFF }, { bf_reg_t_gs_attrib, 0xC093 },
	{ bf_reg_t_tr, 0 }, { bf_reg_t_tr_base, 0 },
	{ bf_reg_t_tr_limit, 0x67 }, { bf_reg_t_tr_attrib, 0x8B },
	{ bf_reg_t_ldtr, 0 }, { bf_reg_t_ldtr_attrib, MV_SEG_ATTRIB_UNUSABLE },
	{ bf_reg_t_gdtr_base, 0 }, { bf_reg_t_gdtr_limit, 0 },
	{ bf_reg_t_idtr_base, 0 }, { bf_reg_t_idtr_limit, 0 },
};

#define IDMAP_NREGS (HV_ARRAY_SIZE(idmap_state) + 1) /* + CR3 */

static struct idmap_reg idmap_reg_at(size_t i, uint64_t cr3)
{
	struct idmap_reg r = { bf_reg_t_cr3, cr3 };
	return i == 0 ? r : idmap_state[i - 1];
}

/* Put back the first n registers of the list (the backend took them
 * before, so it takes them again; anything else is a broken backend). */
static void idmap_restore(struct hv_vps *vps, const uint64_t *old, size_t n, uint64_t cr3)
{
	while (n-- > 0) {
		enum bf_reg_t reg = idmap_reg_at(n, cr3).reg;
		if (arch_vps_set_reg(vps, reg, old[n]))
			hv_panic("backend refused to restore register %u = 0x%llx", (unsigned)reg,
				 (unsigned long long)old[n]);
	}
}

/*
 * Nothing changes unless everything does: the pages are checked writable,
 * every value is checked (hv/reg_valid.h), the registers are set (a backend
 * refusal puts the earlier ones back: MV_STATUS_FAILURE_UNKNOWN, E-30), and
 * only then are the tables written.
 */
struct hv_ret api_vps_set_identity_map(const struct hv_caller *c, uint64_t reg1, uint64_t gpa)
{
	VPS_ARG_OR_RETURN(vps, c, reg1, true);
	static uint64_t tables[IDMAP_PAGES][512]; /* under the hypercall lock */
	static uint64_t old[IDMAP_NREGS];
	const struct hv_vm *vm = vps_vm(vps);
	const uint64_t rw = PTE_P | 0x2;
	uint64_t spa;

	if (!page_gpa_ok(gpa) || gpa + IDMAP_PAGES * HV_PAGE_SIZE > 0x40000000ull)
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	for (uint64_t p = 0; p < IDMAP_PAGES; p++)
		if (mm_translate(vm, gpa + p * HV_PAGE_SIZE, MV_GPA_FLAG_WRITE_ACCESS, &spa))
			return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	for (size_t i = 0; i < IDMAP_NREGS; i++) {
		struct idmap_reg r = idmap_reg_at(i, gpa);
		if (!reg_value_valid(r.reg, r.val)) {
			hv_log("set_identity_map: register %u = 0x%llx of the standard state "
			       "is not valid", (unsigned)r.reg, (unsigned long long)r.val);
			return hv_ret_status(MV_STATUS_FAILURE_UNKNOWN);
		}
		old[i] = arch_vps_get_reg(vps, r.reg);
	}
	for (size_t i = 0; i < IDMAP_NREGS; i++) {
		struct idmap_reg r = idmap_reg_at(i, gpa);
		if (arch_vps_set_reg(vps, r.reg, r.val)) {
			hv_log("set_identity_map: backend refused register %u = 0x%llx of vps %u",
			       (unsigned)r.reg, (unsigned long long)r.val, vps->id);
			idmap_restore(vps, old, i, gpa);
			return hv_ret_status(MV_STATUS_FAILURE_UNKNOWN);
		}
	}

	hv_memset(tables, 0, sizeof(tables));
	tables[0][0] = (gpa + HV_PAGE_SIZE) | rw;       /* PML4[0] -> PDPT */
	tables[1][0] = (gpa + 2 * HV_PAGE_SIZE) | rw;   /* PDPT[0] -> PD */
	for (uint64_t i = 0; i < 512; i++)              /* PD: 512 x 2 MiB */
		tables[2][i] = (i << 21) | rw | PTE_PS;
	if (mm_write(vm, gpa, tables, sizeof(tables))) {
		/* checked above; only a page the backend cannot reach ends here */
		idmap_restore(vps, old, IDMAP_NREGS, gpa);
		return hv_ret_status(MV_STATUS_INVALID_PARAMS2);
	}
	return hv_ret_status(MV_STATUS_SUCCESS);
}
