/*
 * The hypercall API layer at its exact edges, where the core unit tests
 * missed a mutant (issue 17, the mutapi part of stop 13):
 *   - api_handle_close on its own (hypercall.c checks the handle first, so
 *     only a direct call reaches its own check): a wrong handle is
 *     FAILURE_INVALID_HANDLE and the handle stays open;
 *   - queue_irq: vector 0xFF is the last valid one, 0x100 sets a REVZ bit;
 *   - get_fpu/get_xsave into a page-aligned GPA the root does not own:
 *     PARAMS2 (the REG2 it names), nothing else;
 *   - mdl_read: 169 entries (a full MDL page) are read; a count of 170 is
 *     refused even when the 24 bytes after the page hold a well-formed
 *     entry; an MDL page the backend cannot reach (arch_spa_to_hva NULL,
 *     wrapped here) is refused, never dereferenced;
 *   - a page the backend cannot reach after the core checked it: the
 *     identity map's tables (PARAMS2, the registers put back) and a ring's
 *     headers (FAILURE_UNKNOWN, E-30, the first header put back).
 * `test_api_edges NAME`.
 */
#include <microv/mv.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "fake_unreachable.h"
#include "mdl.h"
#include "test_main.h"

#define PAGE 0x1000ull
#define MDL_GPA 0x400000ull     /* root RAM: the MDL page, then the next one */
#define ENTRY_GPA 0x500000ull   /* root RAM: what the entries name */
#define NOT_OWNED 0x100000000000ull /* below MM_GPA_LIMIT, no memory there */
#define MDL_ENTRY_SIZE 24u
#define MDL_ENTRIES_OFF 0x28u

static struct hv_vps *root_vps;
static uint64_t handle, guest_vmid;

static uint64_t call5(uint64_t rax, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		      uint64_t r5, uint64_t *out0)
{
	uint64_t regs[6] = { handle, r1, r2, r3, r4, r5 };
	uint64_t st = fake_hypercall(root_vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	return st;
}

static uint64_t call(uint64_t rax, uint64_t r1, uint64_t r2, uint64_t *out0)
{
	return call5(rax, r1, r2, 0, 0, 0, out0);
}

/* Boots, opens the handle, and makes a guest VM, VP and VPS: its VPSID. */
static uint64_t boot_with_guest(void)
{
	uint64_t vmid = 0, vpid = 0, vpsid = 0;

	root_vps = fake_boot_default();
	uint64_t regs[6] = { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 };
	EXPECT_EQ(fake_hypercall(root_vps, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, regs),
		  MV_STATUS_SUCCESS);
	handle = regs[0];
	EXPECT_EQ(call(MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, 0, 0, &vmid), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, vmid, 0, &vpid), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL, vpid, 0, &vpsid),
		  MV_STATUS_SUCCESS);
	guest_vmid = vmid;
	return vpsid;
}

static void test_handle_close_direct(void)
{
	boot_with_guest();
	struct hv_caller c = { .vm = vm_get(0), .vp = NULL, .vps = root_vps };

	EXPECT_EQ(api_handle_close(&c, handle ^ 1).status, MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_EQ(api_handle_close(&c, 0).status, MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_TRUE(api_handle_valid(&c, handle)); /* the refused close changed nothing */
	EXPECT_EQ(api_handle_close(&c, handle).status, MV_STATUS_SUCCESS);
	EXPECT_TRUE(!api_handle_valid(&c, handle));
}

static void test_queue_irq_last_vector(void)
{
	uint64_t vpsid = boot_with_guest();
	const uint64_t q = MV_VPS_OP_VAL | MV_VPS_OP_QUEUE_IRQ_IDX_VAL;

	EXPECT_EQ(call(q, vpsid, 0xFF, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(q, vpsid, 0x100, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(call(q, vpsid, 32, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(q, vpsid, 31, NULL), MV_STATUS_INVALID_PARAMS2);
}

static void test_fpu_into_not_owned(void)
{
	uint64_t vpsid = boot_with_guest();
	const uint64_t op = MV_VPS_OP_VAL;

	EXPECT_EQ(call(op | MV_VPS_OP_GET_FPU_IDX_VAL, vpsid, NOT_OWNED, NULL),
		  MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_XSAVE_IDX_VAL, vpsid, NOT_OWNED, NULL),
		  MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_XSAVE_IDX_VAL, vpsid, ENTRY_GPA, NULL), MV_STATUS_SUCCESS);
}

static void put64(uint64_t gpa, uint64_t v)
{
	EXPECT_EQ(mm_write(vm_get(0), gpa, &v, sizeof(v)), 0);
}

/* One page entry i at its place from the MDL page's start (i may be 169:
 * the first 24 bytes of the next page). */
static void put_entry(uint64_t i)
{
	uint64_t at = MDL_GPA + MDL_ENTRIES_OFF + i * MDL_ENTRY_SIZE;
	put64(at, ENTRY_GPA + i * PAGE);
	put64(at + 8, PAGE);
	put64(at + 16, 0);
}

static struct mdl m; /* large: MDL_MAX_RANGES entries */

static void test_mdl_count_edge(void)
{
	boot_with_guest();
	struct hv_vm *root = vm_get(0);

	for (uint64_t i = 0; i <= MV_MDL_MAP_MAX_NUM_ENTRIES; i++)
		put_entry(i);
	put64(MDL_GPA, MV_MDL_MAP_MAX_NUM_ENTRIES);
	EXPECT_TRUE(mdl_read(root, MDL_GPA, &m));
	EXPECT_EQ(m.n, MV_MDL_MAP_MAX_NUM_ENTRIES);
	EXPECT_EQ(m.pages, MV_MDL_MAP_MAX_NUM_ENTRIES);
	put64(MDL_GPA, MV_MDL_MAP_MAX_NUM_ENTRIES + 1);
	EXPECT_TRUE(!mdl_read(root, MDL_GPA, &m));
}

static void test_mdl_unreachable(void)
{
	boot_with_guest();
	struct hv_vm *root = vm_get(0);

	put_entry(0);
	put64(MDL_GPA, 1);
	EXPECT_TRUE(mdl_read(root, MDL_GPA, &m));
	fake_unreachable_spa = MDL_GPA; /* the root's RAM is identity mapped */
	EXPECT_TRUE(!mdl_read(root, MDL_GPA, &m));
	fake_unreachable_spa = 0;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v = 0;
	EXPECT_EQ(mm_read(vm_get(0), gpa, &v, sizeof(v)), 0);
	return v;
}

/* A one-entry MDL page at gpa: [at, at + pages). */
static void put_mdl1(uint64_t gpa, uint64_t at, uint64_t pages)
{
	put64(gpa, 1);
	put64(gpa + MDL_ENTRIES_OFF, at);
	put64(gpa + MDL_ENTRIES_OFF + 8, pages * PAGE);
	put64(gpa + MDL_ENTRIES_OFF + 16, 0);
}

/* set_identity_map whose last table page the backend cannot reach: the
 * pages were checked writable, the registers set, then writing the tables
 * fails: PARAMS2 (docs/vps-abi.md: not writable guest memory), and the
 * registers are put back (nothing changed). */
static void test_idmap_tables_unreachable(void)
{
	uint64_t vpsid = boot_with_guest(), cr3 = 0, cr0 = 0, after = 0;
	const uint64_t op = MV_VPS_OP_VAL, gpa = 0x1000;
	const uint64_t rwd = MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_DONATE;

	put_mdl1(MDL_GPA, ENTRY_GPA, 3);
	put_mdl1(MDL_GPA + PAGE, gpa, 3);
	EXPECT_EQ(call5(MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, 0, MDL_GPA, guest_vmid,
			MDL_GPA + PAGE, rwd, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_REG_IDX_VAL, vpsid, bf_reg_t_cr3, &cr3), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_REG_IDX_VAL, vpsid, bf_reg_t_cr0, &cr0), MV_STATUS_SUCCESS);
	fake_unreachable_spa = ENTRY_GPA + 2 * PAGE; /* the PD: donated, so the same SPA */
	EXPECT_EQ(call(op | MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL, vpsid, gpa, NULL),
		  MV_STATUS_INVALID_PARAMS2);
	fake_unreachable_spa = 0;
	EXPECT_EQ(call(op | MV_VPS_OP_GET_REG_IDX_VAL, vpsid, bf_reg_t_cr3, &after), MV_STATUS_SUCCESS);
	EXPECT_EQ(after, cr3);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_REG_IDX_VAL, vpsid, bf_reg_t_cr0, &after), MV_STATUS_SUCCESS);
	EXPECT_EQ(after, cr0);
	EXPECT_EQ(call(op | MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL, vpsid, gpa, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(op | MV_VPS_OP_GET_REG_IDX_VAL, vpsid, bf_reg_t_cr3, &after), MV_STATUS_SUCCESS);
	EXPECT_EQ(after, gpa);
}

/* create_ring whose header pages the backend cannot reach (the pages were
 * checked the caller's and writable): FAILURE_UNKNOWN (E-30), the first
 * header put back when the second fails, and the service has no ring. */
static void test_ring_headers_unreachable(void)
{
	const uint64_t xv = MV_XVIO_OP_VAL, svc = 0x10, sys = MV_XVIO_PARTITION_SYSTEMOS;
	const uint64_t marker = 0x4D41524B45520000ull;

	boot_with_guest();
	EXPECT_EQ(call(xv | MV_XVIO_OP_SET_PARTITION_IDX_VAL, guest_vmid, sys, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(call(xv | MV_XVIO_OP_INITIALIZE_IDX_VAL, svc, sys, NULL), MV_STATUS_SUCCESS);
	put64(ENTRY_GPA, marker);
	fake_unreachable_spa = ENTRY_GPA + PAGE; /* the receive direction's header */
	EXPECT_EQ(call5(xv | MV_XVIO_OP_CREATE_RING_IDX_VAL, svc, sys, 1, 1, ENTRY_GPA, NULL),
		  MV_STATUS_FAILURE_UNKNOWN);
	fake_unreachable_spa = 0;
	EXPECT_EQ(get64(ENTRY_GPA), marker); /* the send header was put back */
	fake_unreachable_spa = ENTRY_GPA; /* the send direction's header */
	EXPECT_EQ(call5(xv | MV_XVIO_OP_CREATE_RING_IDX_VAL, svc, sys, 1, 1, ENTRY_GPA, NULL),
		  MV_STATUS_FAILURE_UNKNOWN);
	fake_unreachable_spa = 0;
	EXPECT_EQ(get64(ENTRY_GPA), marker);
	EXPECT_EQ(call5(xv | MV_XVIO_OP_CREATE_RING_IDX_VAL, svc, sys, 1, 1, ENTRY_GPA, NULL),
		  MV_STATUS_SUCCESS); /* no ring was left behind: IN_USE otherwise */
}

static const struct test_case tests[] = {
	{ "handle_close_direct", test_handle_close_direct },
	{ "queue_irq_last_vector", test_queue_irq_last_vector },
	{ "fpu_into_not_owned", test_fpu_into_not_owned },
	{ "mdl_count_edge", test_mdl_count_edge },
	{ "mdl_unreachable", test_mdl_unreachable },
	{ "idmap_tables_unreachable", test_idmap_tables_unreachable },
	{ "ring_headers_unreachable", test_ring_headers_unreachable },
};

TEST_MAIN("test_api_edges", tests)
