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
 *     wrapped here) is refused, never dereferenced.
 * `test_api_edges NAME`.
 */
#include <microv/mv.h>

#include <hv/api.h>
#include <hv/arch/arch.h>
#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "mdl.h"
#include "test_main.h"

#define PAGE 0x1000ull
#define MDL_GPA 0x400000ull     /* root RAM: the MDL page, then the next one */
#define ENTRY_GPA 0x500000ull   /* root RAM: what the entries name */
#define NOT_OWNED 0x100000000000ull /* below MM_GPA_LIMIT, no memory there */
#define MDL_ENTRY_SIZE 24u
#define MDL_ENTRIES_OFF 0x28u

/* arch_spa_to_hva answers NULL for this page (0: never). */
static uint64_t unreachable_spa;

void *__real_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (unreachable_spa && spa >> 12 == unreachable_spa >> 12)
		return NULL;
	return __real_arch_spa_to_hva(spa, len);
}

static struct hv_vps *root_vps;
static uint64_t handle;

static uint64_t call(uint64_t rax, uint64_t r1, uint64_t r2, uint64_t *out0)
{
	uint64_t regs[6] = { handle, r1, r2, 0, 0, 0 };
	uint64_t st = fake_hypercall(root_vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	return st;
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
	unreachable_spa = MDL_GPA; /* the root's RAM is identity mapped */
	EXPECT_TRUE(!mdl_read(root, MDL_GPA, &m));
	unreachable_spa = 0;
}

static const struct test_case tests[] = {
	{ "handle_close_direct", test_handle_close_direct },
	{ "queue_irq_last_vector", test_queue_irq_last_vector },
	{ "fpu_into_not_owned", test_fpu_into_not_owned },
	{ "mdl_count_edge", test_mdl_count_edge },
	{ "mdl_unreachable", test_mdl_unreachable },
};

TEST_MAIN("test_api_edges", tests)
