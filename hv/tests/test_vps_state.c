/*
 * Unit tests of the guest VPS state calls beyond test_core's vps_ops: what
 * they refuse.  MXCSR: set_fpu/set_xsave refuse an image with a reserved
 * MXCSR bit (16 and up), which FXRSTOR/XRSTOR would fault on in the
 * hypervisor; the fake backend loads anything, so only the core's check
 * can refuse it here (every real backend checks it again, docs/testing.md).
 *
 * E-16 (docs/spec-errata.md): the state of a VP that
 * is running belongs to the PP that runs it, so every VPS call that reads or
 * changes that state, and destroy_vp/destroy_vps, is refused with
 * MV_STATUS_INVALID_PERM_DENIED until the VP has stopped; the calls that
 * only queue something for it (queue_irq) or read what does not change
 * (get_cpuid, get_tsc_khz) still work.
 *
 * On a real machine the caller is the root VP of another PP.  The fake
 * machine has one PP: the guest runs on PP 0 (run_vp), and each root call
 * is made as another PP would make it, with the root VPS that PP's current
 * one (call() puts PP 0's current back after); the core decides by the VP's
 * running flag alone, not by which PP asks.  No probe can show this yet: the
 * root's APs stay parked (docs/testing.md).
 */
#include <stdio.h>
#include <string.h>

#include <microv/mv.h>

#include <hv/arch/core.h>
#include <hv/pp.h>
#include <hv/vp.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "test_main.h"

#define OP_VPS MV_VPS_OP_VAL
#define PAGE_GPA 0x400000ull /* root RAM, a page for the FPU/XSAVE images */

struct guest {
	struct hv_vps *root;
	uint64_t h, vpid, vpsid;
};

static uint64_t call(struct hv_vps *vps, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2,
		     uint64_t r3, uint64_t *out0)
{
	uint64_t regs[6] = { r0, r1, r2, r3, 0, 0 };
	struct hv_pp *pp = pp_get(0);
	struct hv_vps *running = pp->current;
	pp->current = vps; /* the caller's PP runs the root */
	uint64_t st = fake_hypercall(vps, rax, regs);
	if (pp->current == vps)
		pp->current = running;
	if (out0)
		*out0 = regs[0];
	return st;
}

/* A guest VP with one VPS that is not running. */
static struct guest guest_stopped(void)
{
	struct guest g = { .root = fake_boot_default() };
	uint64_t vmid = 0;

	EXPECT_EQ(call(g.root, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, MV_SPEC_ID1_VAL,
		       0, 0, 0, &g.h), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(g.root, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, g.h, 0, 0, 0, &vmid),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(call(g.root, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, g.h, vmid, 0, 0, &g.vpid),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_CREATE_VPS_IDX_VAL, g.h, g.vpid, 0, 0, &g.vpsid),
		  MV_STATUS_SUCCESS);
	return g;
}

static struct guest guest_running(void)
{
	struct guest g = guest_stopped();

	call(g.root, MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL, g.h, g.vpid, 0, 0,
	     NULL); /* the status is written when the guest returns */
	EXPECT_TRUE(vp_get((uint16_t)g.vpid)->running);
	EXPECT_TRUE(pp_get(0)->current == vps_get((uint16_t)g.vpsid));
	return g;
}

static void guest_stop(struct guest *g)
{
	struct hv_exit hlt = { .type = HV_EXIT_HLT, .rip = 0x1000, .insn_len = 1 };
	core_handle_exit(pp_get(0)->current, &hlt);
	EXPECT_TRUE(!vp_get((uint16_t)g->vpid)->running);
}

/* One VPS call: index, REG2, REG3 (REG0 the handle, REG1 the VPSID). */
struct vps_call {
	const char *name;
	uint64_t idx, r2, r3;
};

static const struct vps_call state_calls[] = {
	{ "get_reg", MV_VPS_OP_GET_REG_IDX_VAL, bf_reg_t_rip, 0 },
	{ "set_reg", MV_VPS_OP_SET_REG_IDX_VAL, bf_reg_t_rip, 0x2000 },
	{ "set_cpuid", MV_VPS_OP_SET_CPUID_IDX_VAL, 0x7, 0 },
	{ "get_msr", MV_VPS_OP_GET_MSR_IDX_VAL, 0xC0000082, 0 },
	{ "set_msr", MV_VPS_OP_SET_MSR_IDX_VAL, 0xC0000082, 0xFFFFFFFF81000000ull },
	{ "get_fpu", MV_VPS_OP_GET_FPU_IDX_VAL, PAGE_GPA, 0 },
	{ "set_fpu", MV_VPS_OP_SET_FPU_IDX_VAL, PAGE_GPA, 0 },
	{ "get_xsave", MV_VPS_OP_GET_XSAVE_IDX_VAL, PAGE_GPA, 0 },
	{ "set_xsave", MV_VPS_OP_SET_XSAVE_IDX_VAL, PAGE_GPA, 0 },
	{ "virt_to_phys", MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL, 0x1000, 0 },
	{ "set_identity_map", MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL, 0x10000, 0 },
};
#define N_STATE_CALLS (sizeof(state_calls) / sizeof(state_calls[0]))

static uint64_t vps_call(struct guest *g, const struct vps_call *c)
{
	return call(g->root, OP_VPS | c->idx, g->h, g->vpsid, c->r2, c->r3, NULL);
}

/* Every state call on the running VP's VPS is refused and changes nothing;
 * once the guest stopped the same calls are no longer refused. */
static void test_state_refused(void)
{
	struct guest g = guest_running();
	struct fake_vps_regs *regs = fake_regs(vps_get((uint16_t)g.vpsid));
	uint64_t rip = regs->reg[bf_reg_t_rip];

	for (size_t i = 0; i < N_STATE_CALLS; i++) {
		uint64_t st = vps_call(&g, &state_calls[i]);
		if (st != MV_STATUS_INVALID_PERM_DENIED)
			fprintf(stderr, "%s on a running VP: 0x%llx\n", state_calls[i].name,
				(unsigned long long)st);
		EXPECT_EQ(st, MV_STATUS_INVALID_PERM_DENIED);
	}
	EXPECT_EQ(regs->reg[bf_reg_t_rip], rip); /* set_reg changed nothing */
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_GET_CPUID_IDX_VAL, g.h, g.vpsid, 0x7, 0, NULL),
		  MV_STATUS_SUCCESS);

	guest_stop(&g);
	/* get_fpu first: set_fpu then loads the image it wrote */
	for (size_t i = 0; i < N_STATE_CALLS; i++) {
		uint64_t st = vps_call(&g, &state_calls[i]);
		if (state_calls[i].idx == MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL ||
		    state_calls[i].idx == MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL) {
			/* the answer depends on the guest's memory: only not refused */
			EXPECT_TRUE(st != MV_STATUS_INVALID_PERM_DENIED);
			continue;
		}
		if (st != MV_STATUS_SUCCESS)
			fprintf(stderr, "%s on a stopped VP: 0x%llx\n", state_calls[i].name,
				(unsigned long long)st);
		EXPECT_EQ(st, MV_STATUS_SUCCESS);
	}
	EXPECT_EQ(regs->reg[bf_reg_t_rip], 0x2000);
}

/* destroy_vps and destroy_vp of a running VP are refused (the VMCB/VMCS is
 * in use on the PP that runs it); queue_irq and get_tsc_khz still work;
 * after the guest stopped both destroys succeed. */
static void test_destroy_refused(void)
{
	struct guest g = guest_running();

	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_DESTROY_VPS_IDX_VAL, g.h, g.vpsid, 0, 0, NULL),
		  MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_TRUE(vps_get((uint16_t)g.vpsid) != NULL);
	EXPECT_EQ(call(g.root, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, g.h, g.vpid, 0, 0, NULL),
		  MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_QUEUE_IRQ_IDX_VAL, g.h, g.vpsid, 0x40, 0, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_GET_TSC_KHZ_IDX_VAL, g.h, g.vpsid, 0, 0, NULL),
		  MV_STATUS_SUCCESS);
	/* a second run_vp of the running VP is refused too */
	EXPECT_EQ(call(g.root, MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL, g.h,
		       g.vpid, 0, 0, NULL), MV_STATUS_INVALID_PERM_DENIED);

	guest_stop(&g);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_DESTROY_VPS_IDX_VAL, g.h, g.vpsid, 0, 0, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_TRUE(vps_get((uint16_t)g.vpsid) == NULL);
	EXPECT_EQ(call(g.root, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, g.h, g.vpid, 0, 0, NULL),
		  MV_STATUS_SUCCESS);
}

/* MXCSR bits 31:16 are reserved: set_fpu and set_xsave refuse an image with
 * bit 16 alone (PARAMS2) and load none of it; 0xFFFF is accepted. */
static void test_mxcsr_reserved(void)
{
	struct guest g = guest_stopped();
	uint8_t *page = fake_mem + PAGE_GPA; /* the root's GPAs are its SPAs */
	uint32_t mxcsr;

	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_GET_FPU_IDX_VAL, g.h, g.vpsid, PAGE_GPA, 0, NULL),
		  MV_STATUS_SUCCESS);
	const uint32_t bad[] = { 0x10000u | 0x1F80u, 0x80000000u | 0x1F80u };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(page + 24, &bad[i], 4);
		EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_SET_FPU_IDX_VAL, g.h, g.vpsid, PAGE_GPA, 0,
			       NULL), MV_STATUS_INVALID_PARAMS2);
		EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_SET_XSAVE_IDX_VAL, g.h, g.vpsid, PAGE_GPA,
			       0, NULL), MV_STATUS_INVALID_PARAMS2);
	}
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_GET_XSAVE_IDX_VAL, g.h, g.vpsid, PAGE_GPA, 0,
		       NULL), MV_STATUS_SUCCESS);
	mxcsr = 0xFFFFu;
	memcpy(page + 24, &mxcsr, 4);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_SET_XSAVE_IDX_VAL, g.h, g.vpsid, PAGE_GPA, 0, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(call(g.root, OP_VPS | MV_VPS_OP_SET_FPU_IDX_VAL, g.h, g.vpsid, PAGE_GPA, 0, NULL),
		  MV_STATUS_SUCCESS);
}

static const struct test_case tests[] = {
	{ "running_state_refused", test_state_refused },
	{ "running_destroy_refused", test_destroy_refused },
	{ "mxcsr_reserved", test_mxcsr_reserved },
};

TEST_MAIN("test_vps_state", tests)
