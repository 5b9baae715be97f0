/*
 * Unit tests of hv/core on the fake arch.  Each test runs in its own process
 * (the core's tables are static): `test_core NAME`; CTest lists them all.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microv/mv.h>

#include <hv/api.h>
#include <hv/cpuid.h>
#include <hv/evq.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/reg_valid.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "test_main.h"

static uint64_t hc(struct hv_vps *vps, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t *out0)
{
	uint64_t regs[6] = { r0, r1, 0xA2, 0xA3, 0xA4, 0xA5 };
	uint64_t st = fake_hypercall(vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	return st;
}

static uint64_t open_handle(struct hv_vps *vps)
{
	uint64_t h = 0;
	EXPECT_EQ(hc(vps, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, MV_SPEC_ID1_VAL, 0, &h),
		  MV_STATUS_SUCCESS);
	return h;
}

static void test_boot_multiboot(void)
{
	struct hv_vps *vps = fake_boot_default();
	struct fake_vps_regs *r = fake_regs(vps);

	EXPECT_EQ(r->reg[bf_reg_t_rip], 0x100040);
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0x2BADB002);
	EXPECT_EQ(r->reg[bf_reg_t_rbx], 0x8000);
	EXPECT_EQ(r->reg[bf_reg_t_cr0] & 0x80000001, 1); /* PE, no PG */
	EXPECT_EQ(memcmp(fake_mem + 0x100000, "\x02\xb0\xad\x1b", 4), 0);
	uint32_t *mbi = (uint32_t *)(fake_mem + 0x8000);
	EXPECT_TRUE(mbi[0] & (1u << 6)); /* mmap */
	EXPECT_EQ(mbi[1], 640);
	EXPECT_EQ(mbi[2], (56u << 20) / 1024 - 1024); /* up to the reserved 8 MiB */
	EXPECT_EQ(strcmp((char *)fake_mem + mbi[4], "probe"), 0);
	/* The root VM owns all RAM except the hypervisor's 8 MiB. */
	EXPECT_EQ(fake_slpt_pages[0], (56ull << 20) / 4096);
	EXPECT_TRUE(strstr(fake_console, "release=") != NULL);
}

static void expect_boot_fails(uint8_t *img, size_t len, const char *msg)
{
	EXPECT_TRUE(fake_boot(img, len) != 0);
	if (!strstr(fake_console, msg)) {
		fprintf(stderr, "console lacks '%s':\n%s\n", msg, fake_console);
		failures++;
	}
}

static void test_boot_no_header(void)
{
	uint8_t img[256] = { 0 };
	expect_boot_fails(img, sizeof(img), "no multiboot header");
}

static void test_boot_entry_outside(void)
{
	uint8_t img[256];
	size_t len = fake_image(img, 0x100000, 0x1000, 0);
	uint32_t *h = (uint32_t *)img;
	(void)h;
	expect_boot_fails(img, len, "outside the loaded image");
}

static void test_boot_into_hv_memory(void)
{
	uint8_t img[256];
	size_t len = fake_image(img, (uint32_t)(FAKE_MEM_SIZE - (4 << 20)), 0x40, 0);
	expect_boot_fails(img, len, "not free RAM");
}

/* A kernel that loads where the information usually goes (0x8000, like
 * kvm-unit-tests' realmode) boots, and its information lies after it. */
static void test_boot_mbi_after_low_kernel(void)
{
	uint8_t img[256];
	size_t len = fake_image(img, 0x8000, 0x40, 0xA000);
	if (fake_boot(img, len)) {
		fprintf(stderr, "boot failed: %s\n", fake_console);
		failures++;
		return;
	}
	struct fake_vps_regs *r = fake_regs(pp_get(0)->root_vps);
	EXPECT_EQ(r->reg[bf_reg_t_rip], 0x8040);
	EXPECT_EQ(r->reg[bf_reg_t_rbx], 0xA000); /* the page after the bss */
	uint32_t *mbi = (uint32_t *)(fake_mem + 0xA000);
	EXPECT_TRUE(mbi[0] & (1u << 6));
	EXPECT_TRUE(mbi[12] >= 0xA000 && mbi[12] < 0x12000); /* mmap_addr in the area */
	EXPECT_EQ(memcmp(fake_mem + 0x8000, "\x02\xb0\xad\x1b", 4), 0);
}

/* The root VM cannot be created (its backend state fails): boot stops with
 * that reason, before anything is mapped. */
static void test_boot_root_vm_fails(void)
{
	uint8_t img[256];
	size_t len = fake_image(img, 0x100000, 0x40, 0);

	fake_fail_vm_init = 1;
	expect_boot_fails(img, len, "cannot create the root VM");
	fake_fail_vm_init = 0;
	EXPECT_EQ(fake_slpt_pages[0], 0);
}

/* A page pool the backend cannot map (no host address for it) stops boot
 * before anything is allocated from it. */
static void test_boot_pool_unmapped(void)
{
	static struct hv_boot_info bi;

	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	bi.num_pps = 1;
	bi.ram[0] = (struct hv_mem_range){ 0, FAKE_MEM_SIZE };
	bi.num_ram = 1;
	bi.reserved[0] = (struct hv_mem_range){ FAKE_MEM_SIZE, 8 << 20 }; /* past fake_mem */
	bi.num_reserved = 1;
	bi.pool = bi.reserved[0];
	EXPECT_EQ(core_init(&bi), -1);
	if (!strstr(fake_console, "page pool 0x4000000+0x800000 unusable")) {
		fprintf(stderr, "console lacks the pool's refusal:\n%s\n", fake_console);
		failures++;
	}
	EXPECT_EQ(fake_slpt_pages[0], 0);
}

/* Every exit type has its name; a value past the table is "invalid". */
static void test_exit_names(void)
{
	for (unsigned t = 0; t < HV_EXIT_TYPE_COUNT; t++)
		EXPECT_TRUE(strcmp(exit_type_name((enum hv_exit_type)t), "invalid") != 0);
	EXPECT_EQ(strcmp(exit_type_name(HV_EXIT_HYPERCALL), "hypercall"), 0);
	EXPECT_EQ(strcmp(exit_type_name(HV_EXIT_UNKNOWN), "unknown"), 0);
	EXPECT_EQ(strcmp(exit_type_name(HV_EXIT_TYPE_COUNT), "invalid"), 0);
	EXPECT_EQ(strcmp(exit_type_name((enum hv_exit_type)-1), "invalid"), 0);
}

static void test_decode(void)
{
	struct hv_vps *vps = fake_boot_default();
	uint64_t regs[6] = { 1, 2, 3, 4, 5, 6 };

	const uint64_t bad[] = {
		0x0000000000000000ull,                           /* no signature */
		0x764C000000000000ull,                           /* wrong signature */
		MV_DEBUG_OP_VAL | (1ull << 33),                  /* unknown flag */
		MV_DEBUG_OP_VAL | (0x8000ull << 32),             /* unknown flag */
		MV_HYPERCALL_SIG_VAL | 0x50000,                  /* unknown opcode */
		MV_HYPERCALL_SIG_VAL | 0xFFFF0000,               /* unknown opcode */
		MV_DEBUG_OP_VAL | 1,                             /* unknown index */
		MV_HANDLE_OP_VAL | 2,
		MV_VM_OP_VAL | 6,
		MV_VP_OP_VAL | 4,
		MV_VP_MANAGEMENT_OP_VAL | 0,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(fake_hypercall(vps, bad[i], regs), MV_STATUS_FAILURE_UNSUPPORTED);
		for (int j = 0; j < 6; j++)
			EXPECT_EQ(regs[j], (uint64_t)j + 1);
	}
	/* SCC is a known flag. */
	EXPECT_EQ(fake_hypercall(vps, MV_DEBUG_OP_VAL | MV_HYPERCALL_FLAGS_SCC, regs),
		  MV_STATUS_SUCCESS);
	/* Every catalogue hypercall is known to the decoder. */
#define KNOWN(name, op, idx) EXPECT_TRUE(hypercall_known((op) & MV_HYPERCALL_OPCODE_NOSIG_MASK, idx));
	MV_CATALOG_HYPERCALLS(KNOWN)
#undef KNOWN
}

static void test_debug_out(void)
{
	struct hv_vps *vps = fake_boot_default();
	fake_reset();
	EXPECT_EQ(hc(vps, MV_DEBUG_OP_VAL, 0x0123456789ABCDEFull, 42, NULL), MV_STATUS_SUCCESS);
	EXPECT_TRUE(strstr(fake_console,
			   "[hv] debug_out vm=0 vp=0: 0x0123456789abcdef 0x000000000000002a\n"));
}

/* The rate limit (E-45): DEBUG_OUT_BURST lines at once, then one per
 * 1/DEBUG_OUT_PER_S s; over it RETRY_CONTINUATION and no line. */
static void test_debug_out_rate(void)
{
	struct hv_vps *vps = fake_boot_default();
	const uint64_t scc = MV_DEBUG_OP_VAL | MV_HYPERCALL_FLAGS_SCC;
	const uint64_t tick = 2000000ull * 1000 / DEBUG_OUT_PER_S; /* fake: 2 GHz */

	fake_tsc = 1000;
	for (unsigned i = 0; i < DEBUG_OUT_BURST; i++)
		EXPECT_EQ(hc(vps, scc, i, 0, NULL), MV_STATUS_SUCCESS);
	fake_reset();
	EXPECT_EQ(hc(vps, scc, 0xAA, 0, NULL), MV_STATUS_RETRY_CONTINUATION);
	EXPECT_EQ(fake_console_len, 0);
	fake_tsc += tick - 1;
	EXPECT_EQ(hc(vps, scc, 0xAA, 0, NULL), MV_STATUS_RETRY_CONTINUATION);
	fake_tsc += 1;
	EXPECT_EQ(hc(vps, scc, 0xBB, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_TRUE(strstr(fake_console, "0x00000000000000bb") && !strstr(fake_console, "0xaa"));
	EXPECT_EQ(hc(vps, scc, 0xCC, 0, NULL), MV_STATUS_RETRY_CONTINUATION);
	/* a long pause refills the burst, no more */
	fake_tsc += 1000 * tick;
	for (unsigned i = 0; i < DEBUG_OUT_BURST; i++)
		EXPECT_EQ(hc(vps, scc, i, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, scc, 0, 0, NULL), MV_STATUS_RETRY_CONTINUATION);
	/* the bucket is per VM: another VM still has its burst */
	EXPECT_TRUE(api_debug_take_token(1, fake_tsc, 2000000));
}

static void test_handles(void)
{
	struct hv_vps *vps = fake_boot_default();
	uint64_t h = 0, out = 0x77;
	const uint64_t open = MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL;
	const uint64_t close = MV_HANDLE_OP_VAL | MV_HANDLE_OP_CLOSE_IDX_VAL;
	const uint64_t vmid = MV_VM_OP_VAL | MV_VM_OP_VMID_IDX_VAL;

	EXPECT_EQ(hc(vps, vmid, 0, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_EQ(hc(vps, open, 0x3123764E, 0, &out), MV_STATUS_INVALID_PARAMS0);
	EXPECT_EQ(out, 0x3123764E);
	EXPECT_EQ(hc(vps, open, 0xFFFFFFFF00000000ull | MV_SPEC_ID1_VAL, 0, &h), MV_STATUS_SUCCESS);
	EXPECT_TRUE(h != 0 && h != MV_SPEC_ID1_VAL);
	EXPECT_EQ(hc(vps, open, MV_SPEC_ID1_VAL, 0, NULL), MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(hc(vps, vmid, h, 0, &out), MV_STATUS_SUCCESS);
	EXPECT_EQ(out, 0);
	EXPECT_EQ(hc(vps, close, h + 1, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_EQ(hc(vps, close, h, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, close, h, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_EQ(hc(vps, vmid, h, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	uint64_t h2 = open_handle(vps);
	EXPECT_TRUE(h2 != h);
}

/* The generation never wraps (E-42): the last of 2^48 - 1 is issued once,
 * then open_handle refuses; no earlier value ever comes back. */
static void test_handle_generation_end(void)
{
	struct hv_vps *vps = fake_boot_default();
	const uint64_t open = MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL;
	const uint64_t close = MV_HANDLE_OP_VAL | MV_HANDLE_OP_CLOSE_IDX_VAL;
	uint64_t h = 0, h2 = 0x55;

	api_handle_gen_last = API_HANDLE_GEN_MAX - 1;
	EXPECT_EQ(hc(vps, open, MV_SPEC_ID1_VAL, 0, &h), MV_STATUS_SUCCESS);
	EXPECT_EQ(h, API_HANDLE_GEN_MAX << 16 | 0); /* the root's VMID */
	EXPECT_EQ(hc(vps, close, h, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, open, MV_SPEC_ID1_VAL, 0, &h2), MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(h2, MV_SPEC_ID1_VAL); /* REG0 unchanged */
	EXPECT_EQ(hc(vps, close, h, 0, NULL), MV_STATUS_FAILURE_INVALID_HANDLE);
	EXPECT_EQ(api_handle_gen_last, API_HANDLE_GEN_MAX);
	api_handle_gen_last = 0;
}

static void test_cpuid(void)
{
	uint32_t r[4];

	fake_boot_default();
	cpuid_compute(1, 0, r);
	EXPECT_EQ(r[2] & (1u << 31), 1u << 31);
	EXPECT_EQ(r[2] & (1u << 5), 0); /* VMX hidden */
	EXPECT_EQ(r[2] & 1u, 1u);       /* the rest is the processor's */
	cpuid_compute(0x80000001u, 0, r);
	EXPECT_EQ(r[2], 0x22222222u & ~(1u << 2)); /* SVM hidden */
	cpuid_compute(0x8000000Au, 0, r);
	EXPECT_EQ(r[0] | r[1] | r[2] | r[3], 0); /* SVM feature leaf */
	/* OSXSAVE and OSPKE follow the VP's CR4, both ways. */
	r[2] = 0;
	cpuid_apply_cr4(1ull << 18, 1, 0, r);
	EXPECT_EQ(r[2], 1u << 27);
	cpuid_apply_cr4(0, 1, 0, r);
	EXPECT_EQ(r[2], 0);
	r[2] = 0xFFFFFFFFu;
	cpuid_apply_cr4(~(1ull << 22), 7, 0, r);
	EXPECT_EQ(r[2], ~(1u << 4));
	cpuid_apply_cr4(1ull << 22, 7, 1, r); /* subleaf 1 has no OSPKE */
	EXPECT_EQ(r[2], ~(1u << 4));
	cpuid_apply_cr4(1ull << 22, 7, 0, r);
	EXPECT_EQ(r[2], 0xFFFFFFFFu);
	/* PKS (7.0 ECX[31]) is the root's alone: guests have it cleared. */
	cpuid_hide_from_guest(7, 0, r);
	EXPECT_EQ(r[2], ~(1u << 31));
	r[2] = 0xFFFFFFFFu;
	cpuid_hide_from_guest(7, 1, r);
	EXPECT_EQ(r[2], 0xFFFFFFFFu);
	cpuid_compute(0x40000000, 0, r);
	EXPECT_EQ(r[0], 0x40000202);
	cpuid_compute(0x40000200, 7, r);
	EXPECT_EQ(r[1], 0x694D764D);
	EXPECT_EQ(r[2], 0x566F7263);
	EXPECT_EQ(r[3], 0);
	cpuid_compute(0x40000201, 0, r);
	EXPECT_EQ(r[0], 1);
	cpuid_compute(0x40000202, 0, r);
	EXPECT_EQ(r[1], (MV_VER_YEAR << 16) | MV_VER_MONTH);
	EXPECT_EQ(r[3], MV_BUILD_NUM);
	const uint32_t zero_leaves[] = { 0x40000001, 0x40000100, 0x40000203, 0x40000300, 0x4000FFFF };
	for (size_t i = 0; i < sizeof(zero_leaves) / sizeof(zero_leaves[0]); i++) {
		cpuid_compute(zero_leaves[i], 0, r);
		EXPECT_EQ(r[0] | r[1] | r[2] | r[3], 0);
	}
	cpuid_compute(0x40010000, 0, r); /* outside the range: the processor's */
	EXPECT_EQ(r[0], 0x40010000);
}

static void test_vm_vp_lifecycle(void)
{
	struct hv_vps *vps = fake_boot_default();
	uint64_t h = open_handle(vps), vmid = 0, vpid = 0;

	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, h, 0, &vmid), MV_STATUS_SUCCESS);
	EXPECT_EQ(vmid, 1);
	EXPECT_EQ(hc(vps, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, h, 0, NULL),
		  MV_STATUS_INVALID_PARAMS1); /* no root VPs */
	EXPECT_EQ(hc(vps, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, h, vmid, &vpid), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, vmid, NULL),
		  MV_STATUS_INVALID_PERM_DENIED); /* still has a VP */
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, 0, NULL),
		  MV_STATUS_INVALID_PARAMS1); /* the root */
	EXPECT_EQ(hc(vps, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, h, vpid, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, vmid, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, vmid, NULL),
		  MV_STATUS_INVALID_PARAMS1);
	/* Table exhaustion is a clean failure. */
	int made = 0;
	while (hc(vps, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, h, 0, &vmid) == MV_STATUS_SUCCESS)
		made++;
	EXPECT_EQ(made, 15);
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, h, 0, NULL),
		  MV_STATUS_INVALID_PERM_DENIED);
}

/* The tables' lookups at their first invalid index (mutation survivors of
 * the 400-sample: vm_get's and pp_get's bounds).  Past the end is NULL, not
 * the element after the array (with `>= -> >` or `< -> <=` the first
 * invalid index gave a pointer: checked by hand), and a hypercall naming the
 * first VMID past the table is refused like any unknown one. */
static void test_table_bounds(void)
{
	struct hv_vps *vps = fake_boot_default();
	uint64_t h = open_handle(vps);

	EXPECT_TRUE(vm_get(0) != NULL);
	EXPECT_TRUE(vm_get(HV_MAX_VMS - 1) == NULL); /* free */
	EXPECT_TRUE(vm_get(HV_MAX_VMS) == NULL);
	EXPECT_TRUE(vm_get(0xFFFF) == NULL);
	EXPECT_TRUE(pp_get((uint16_t)(pp_count() - 1)) != NULL);
	EXPECT_TRUE(pp_get(pp_count()) == NULL);
	EXPECT_EQ(hc(vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, HV_MAX_VMS, NULL),
		  MV_STATUS_INVALID_PARAMS1);
}

/* A backend that cannot set up a VM or VPS: FAILURE_UNKNOWN (E-30), not the
 * table-full PERM_DENIED, and nothing is used up. */
static void test_alloc_failures(void)
{
	struct hv_vps *vps = fake_boot_default();
	uint64_t h = open_handle(vps), vmid = 0, vpid = 0, vpsid = 0;
	const uint64_t create_vm = MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL;
	const uint64_t create_vps = MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL;

	fake_fail_vm_init = 1;
	EXPECT_EQ(hc(vps, create_vm, h, 0, NULL), MV_STATUS_FAILURE_UNKNOWN);
	fake_fail_vm_init = 0;
	EXPECT_EQ(vm_count(), 1);
	EXPECT_EQ(hc(vps, create_vm, h, 0, &vmid), MV_STATUS_SUCCESS);
	EXPECT_EQ(vmid, 1);
	EXPECT_EQ(hc(vps, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, h, vmid, &vpid), MV_STATUS_SUCCESS);
	fake_fail_vps_init = 1;
	EXPECT_EQ(hc(vps, create_vps, h, vpid, NULL), MV_STATUS_FAILURE_UNKNOWN);
	fake_fail_vps_init = 0;
	EXPECT_EQ(vp_get((uint16_t)vpid)->num_vpss, 0);
	EXPECT_TRUE(vp_get((uint16_t)vpid)->active == NULL);
	EXPECT_EQ(hc(vps, create_vps, h, vpid, &vpsid), MV_STATUS_SUCCESS);
	EXPECT_EQ(vpsid, 1); /* the slot the failed call tried */
	/* the allocators say why */
	enum hv_alloc_err err = HV_ALLOC_OK;
	EXPECT_TRUE(vp_alloc(0x1234, &err) == NULL);
	EXPECT_EQ(err, HV_ALLOC_PARENT);
	EXPECT_TRUE(vps_alloc(0x1234, &err) == NULL);
	EXPECT_EQ(err, HV_ALLOC_PARENT);
	fake_fail_vm_init = 1;
	EXPECT_TRUE(vm_alloc(&err) == NULL);
	EXPECT_EQ(err, HV_ALLOC_BACKEND);
	fake_fail_vm_init = 0;
	while (vm_alloc(&err))
		;
	EXPECT_EQ(err, HV_ALLOC_FULL);
}

static uint64_t hc6(struct hv_vps *vps, uint64_t rax, uint64_t regs[6])
{
	return fake_hypercall(vps, rax, regs);
}

/* Root creates VM 1, a VP and a VPS in it; returns the handle. */
static uint64_t make_guest(struct hv_vps *root, uint64_t *vpid, uint64_t *vpsid)
{
	uint64_t h = open_handle(root), vmid = 0;
	EXPECT_EQ(hc(root, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, h, 0, &vmid), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, h, vmid, vpid), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL, h, *vpid, vpsid),
		  MV_STATUS_SUCCESS);
	return h;
}

static void test_vps_ops(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	uint64_t r[6];
	const uint64_t op = MV_VPS_OP_VAL;

	/* registers */
	uint64_t set[6] = { h, vpsid, bf_reg_t_rip, 0x1234, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_SET_REG_IDX_VAL, set), MV_STATUS_SUCCESS);
	uint64_t get[6] = { h, vpsid, bf_reg_t_rip, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_REG_IDX_VAL, get), MV_STATUS_SUCCESS);
	EXPECT_EQ(get[0], 0x1234);
	uint64_t badreg[6] = { h, vpsid, bf_reg_t_invalid, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_REG_IDX_VAL, badreg), MV_STATUS_INVALID_PARAMS2);
	uint64_t rootvps[6] = { h, 0, bf_reg_t_rip, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_REG_IDX_VAL, rootvps), MV_STATUS_INVALID_PARAMS1);

	/* CPUID overrides; the hypervisor range is not overridable */
	uint64_t sc[6] = { h, vpsid, 0x7, 0x2222222211111111ull, 0x4444444433333333ull, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_SET_CPUID_IDX_VAL, sc), MV_STATUS_SUCCESS);
	uint64_t gc[6] = { h, vpsid, 0x7, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_CPUID_IDX_VAL, gc), MV_STATUS_SUCCESS);
	EXPECT_EQ(gc[0], 0x11111111);
	EXPECT_EQ(gc[3], 0x44444444);
	uint64_t sch[6] = { h, vpsid, 0x40000200, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_SET_CPUID_IDX_VAL, sch), MV_STATUS_INVALID_PARAMS2);

	/* MSRs */
	uint64_t gm[6] = { h, vpsid, 0xC0000082, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_MSR_IDX_VAL, gm), MV_STATUS_SUCCESS);
	uint64_t gmbad[6] = { h, vpsid, 0x10, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_MSR_IDX_VAL, gmbad), MV_STATUS_INVALID_PARAMS2);
	uint64_t gmrevz[6] = { h, vpsid, 0x1C0000082ull, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_MSR_IDX_VAL, gmrevz), MV_STATUS_INVALID_PARAMS2);
	uint64_t sl[6] = { h, 0, 0, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_SUPPORTED_MSRS_IDX_VAL, sl), MV_STATUS_SUCCESS);
	EXPECT_EQ(sl[0], 12);
	EXPECT_EQ(sl[1], 0x174);
	uint64_t fl[6] = { h, 0, 0, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_SUPPORTED_FEATURE_MSRS_IDX_VAL, fl), MV_STATUS_SUCCESS);
	EXPECT_EQ(fl[0], 0);

	/* irq, tsc */
	uint64_t qi[6] = { h, vpsid, 31, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_QUEUE_IRQ_IDX_VAL, qi), MV_STATUS_INVALID_PARAMS2);
	qi[2] = 32;
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_QUEUE_IRQ_IDX_VAL, qi), MV_STATUS_SUCCESS);
	uint64_t tk[6] = { h, vpsid, 0, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op | MV_VPS_OP_GET_TSC_KHZ_IDX_VAL, tk), MV_STATUS_SUCCESS);
	EXPECT_EQ(tk[0], 2000000);

	/* destroy order: VP with a VPS can't go; VPS then VP then VM */
	EXPECT_EQ(hc(root, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, h, vpid, NULL),
		  MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(hc(root, op | MV_VPS_OP_DESTROY_VPS_IDX_VAL, h, vpsid, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, h, vpid, NULL), MV_STATUS_SUCCESS);
	(void)r;
}

/* A VP whose first VPS is destroyed still runs with another of its VPSs:
 * PERM_DENIED is only for a VP without any VPS (E-21). */
/* Device memory passes through to the root, except what is RAM or the
 * hypervisor's, and is never memory the root owns (no MDL, no donation). */
static void test_boot_mmio(void)
{
	fake_mmio[0] = (struct hv_mem_range){ 0xA0000, 0x20000 };   /* inside RAM: skipped */
	fake_mmio[1] = (struct hv_mem_range){ 0xFEC00000, 0x2000 }; /* two device pages */
	fake_num_mmio = 2;
	fake_boot_default();
	EXPECT_EQ(fake_slpt_pages[0], (56ull << 20) / 4096 + 2);
	EXPECT_TRUE(strstr(fake_console, "8 KiB of device memory pass through") != NULL);
	uint64_t spa;
	EXPECT_EQ(mm_translate(vm_root(), 0xFEC00000, MV_GPA_FLAG_READ_ACCESS, &spa), -1);
	EXPECT_EQ(mm_translate(vm_root(), 0x100000, MV_GPA_FLAG_READ_ACCESS, &spa), 0);
}

/* A hypercall made by a guest VPS (as if it were running on PP 0). */
static uint64_t guest_hc(struct hv_vps *guest, uint64_t rax, uint64_t r0, uint64_t *out0)
{
	struct hv_pp *pp = pp_get(0);
	struct hv_vps *was = pp->current;

	pp->current = guest;
	uint64_t st = hc(guest, rax, r0, 0, out0);
	pp->current = was;
	return st;
}

/* A handle value is never issued twice, even to a new VM at a reused VMID
 * (E-14). */
static void test_handle_vmid_reuse(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0, g1 = 0, g2 = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	const uint64_t open = MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL;

	EXPECT_EQ(guest_hc(vps_get((uint16_t)vpsid), open, MV_SPEC_ID1_VAL, &g1), MV_STATUS_SUCCESS);
	uint64_t vmid = vp_get((uint16_t)vpid)->vmid;
	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_DESTROY_VPS_IDX_VAL, h, vpsid, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VP_OP_VAL | MV_VP_OP_DESTROY_VP_IDX_VAL, h, vpid, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, h, vmid, NULL), MV_STATUS_SUCCESS);

	uint64_t vmid2 = 0;
	EXPECT_EQ(hc(root, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, h, 0, &vmid2), MV_STATUS_SUCCESS);
	EXPECT_EQ(vmid2, vmid); /* the VMID is reused */
	EXPECT_EQ(hc(root, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, h, vmid2, &vpid), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL, h, vpid, &vpsid), MV_STATUS_SUCCESS);
	EXPECT_EQ(guest_hc(vps_get((uint16_t)vpsid), open, MV_SPEC_ID1_VAL, &g2), MV_STATUS_SUCCESS);
	EXPECT_TRUE(g1 != 0 && g2 != 0 && g1 != g2);
	/* The old VM's handle value is not valid for the new VM. */
	EXPECT_EQ(guest_hc(vps_get((uint16_t)vpsid), MV_VM_OP_VAL | MV_VM_OP_VMID_IDX_VAL, g1, NULL),
		  MV_STATUS_FAILURE_INVALID_HANDLE);
}

static void test_vps_destroy_active(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0, vpsid2 = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	const uint64_t run = MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL;

	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL, h, vpid, &vpsid2),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_DESTROY_VPS_IDX_VAL, h, vpsid, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_TRUE(vp_get((uint16_t)vpid)->active == vps_get((uint16_t)vpsid2));
	fake_regs(root)->reg[bf_reg_t_rip] = 0x200000;
	hc(root, run, h, vpid, NULL); /* the status is written when the guest returns */
	EXPECT_TRUE(pp_get(0)->current == vps_get((uint16_t)vpsid2));
	struct hv_exit hlt = { .type = HV_EXIT_HLT, .rip = 0x1000, .insn_len = 1 };
	core_handle_exit(pp_get(0)->current, &hlt);
	EXPECT_TRUE(pp_get(0)->current == root);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rax], MV_STATUS_SUCCESS);
	/* the last VPS gone: nothing to run */
	EXPECT_EQ(hc(root, MV_VPS_OP_VAL | MV_VPS_OP_DESTROY_VPS_IDX_VAL, h, vpsid2, NULL),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(hc(root, run, h, vpid, NULL), MV_STATUS_INVALID_PERM_DENIED);
}

/* A guest VP's return to the root changes state every hypercall reads (the
 * VP's running flag, its PP): it takes the hypercall lock like they do.
 * Thread A holds the lock inside a hypercall (get_tsc_khz, held open by
 * fake_tsc_hook); thread B's guest exit must wait for it. */
static volatile int lock_held, lock_release;
static struct hv_vps *ret_root, *ret_guest;
static uint64_t ret_h, ret_vpsid;

static void hold_lock(void)
{
	lock_held = 1;
	while (!lock_release)
		;
}

static void *thread_hypercall(void *arg)
{
	(void)arg;
	uint64_t regs[6] = { ret_h, ret_vpsid, 0, 0, 0, 0 };
	fake_hypercall(ret_root, MV_VPS_OP_VAL | MV_VPS_OP_GET_TSC_KHZ_IDX_VAL, regs);
	return NULL;
}

static void *thread_exit(void *arg)
{
	(void)arg;
	struct hv_exit hlt = { .type = HV_EXIT_HLT, .rip = 0x1000, .insn_len = 1 };
	core_handle_exit(ret_guest, &hlt);
	return NULL;
}

static void test_return_locked(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	struct hv_vp *vp = vp_get((uint16_t)vpid);
	pthread_t a, b;

	hc(root, MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL, h, vpid, NULL);
	EXPECT_TRUE(vp->running);
	ret_root = root, ret_guest = vps_get((uint16_t)vpsid), ret_h = h, ret_vpsid = vpsid;
	fake_tsc_hook = hold_lock;
	pthread_create(&a, NULL, thread_hypercall, NULL);
	while (!lock_held)
		;
	pthread_create(&b, NULL, thread_exit, NULL);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	EXPECT_TRUE(vp->running); /* B waits for the lock */
	lock_release = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	fake_tsc_hook = NULL;
	EXPECT_TRUE(!vp->running);
	EXPECT_EQ(vp->ppid, 0xFFFF);
}

/* Values refused by set_reg / set_msr (docs/vps-abi.md "Values refused"):
 * PARAMS3 and the register keeps its value; the accepted ones stick. */
static void test_reg_values(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	const uint64_t NC = 0x8000000000000000ull; /* non-canonical */
	static const struct { int reg; uint64_t val; bool ok; } rt[] = {
		{ bf_reg_t_rax, ~0ull, true },
		{ bf_reg_t_rsp, NC, true },              /* RSP may hold anything */
		{ bf_reg_t_cr2, NC, true },
		{ bf_reg_t_rip, 0x00007FFFFFFFFFFFull, true },
		{ bf_reg_t_rip, 0xFFFF800000000000ull, true },
		{ bf_reg_t_rip, 0x0000800000000000ull, false },
		{ bf_reg_t_rip, NC, false },
		{ bf_reg_t_rflags, 0x2, true },
		{ bf_reg_t_rflags, 0x3F7FD7, true },     /* every defined bit */
		{ bf_reg_t_rflags, 0x0, false },         /* bit 1 clear */
		{ bf_reg_t_rflags, 0x2 | 1u << 3, false },
		{ bf_reg_t_rflags, 0x2 | 1u << 5, false },
		{ bf_reg_t_rflags, 0x2 | 1u << 15, false },
		{ bf_reg_t_rflags, 0x2 | 1u << 22, false },
		{ bf_reg_t_rflags, 0x2 | 1ull << 63, false },
		{ bf_reg_t_gdtr_base, 0xFFFFFFFF80000000ull, true },
		{ bf_reg_t_gdtr_base, NC, false },
		{ bf_reg_t_idtr_base, 0x0000900000000000ull, false },
		{ bf_reg_t_gdtr_limit, 0xFFFF, true },
		{ bf_reg_t_idtr_limit, 0x10000, false },
		{ bf_reg_t_cs, 0xFFFF, true },
		{ bf_reg_t_ss, 0x10000, false },
		{ bf_reg_t_tr, 0x10008, false },
		{ bf_reg_t_ldtr, 0x1ull << 32, false },
		{ bf_reg_t_cs_base, 0xFFFFFFFF, true },
		{ bf_reg_t_ds_base, 0x100000000ull, false },
		{ bf_reg_t_fs_base, 0xFFFF800000001000ull, true },
		{ bf_reg_t_gs_base, NC, false },
		{ bf_reg_t_tr_base, NC, false },
		{ bf_reg_t_ldtr_base, 0x0000800000000000ull, false },
		{ bf_reg_t_es_limit, 0xFFFFFFFF, true },
		{ bf_reg_t_es_limit, 0x100000000ull, false },
		{ bf_reg_t_cs_attrib, 0xA09B, true },
		{ bf_reg_t_ldtr_attrib, 0x10000, true },  /* unusable */
		{ bf_reg_t_cs_attrib, 0xA09B | 0x100, false },
		{ bf_reg_t_ss_attrib, 0x20000, false },
		{ bf_reg_t_tr_attrib, 0x8B | 1ull << 40, false },
		{ bf_reg_t_cr0, 0x80050033, true },
		{ bf_reg_t_cr0, 0x60000010, true },        /* CD NW, real mode */
		{ bf_reg_t_cr0, 0x80000000, false },       /* PG without PE */
		{ bf_reg_t_cr0, 0x20000011, false },       /* NW without CD */
		{ bf_reg_t_cr0, 0x11 | 1u << 6, false },
		{ bf_reg_t_cr0, 0x11 | 1u << 17, false },
		{ bf_reg_t_cr0, 0x11 | 1u << 19, false },
		{ bf_reg_t_cr0, 0x11 | 1ull << 32, false },
		{ bf_reg_t_cr3, 0x000FFFFFFFFFF000ull, true },
		{ bf_reg_t_cr3, 1ull << 52, false },
		{ bf_reg_t_cr4, REG_CR4_ALLOWED, true },
		{ bf_reg_t_cr4, 1u << 12, false },         /* LA57 */
		{ bf_reg_t_cr4, 1u << 13, false },         /* VMXE */
		{ bf_reg_t_cr4, 1u << 15, false },
		{ bf_reg_t_cr4, 1u << 22, false },         /* PKE */
		{ bf_reg_t_cr8, 15, true },
		{ bf_reg_t_cr8, 16, false },
		{ bf_reg_t_dr6, 0xFFFF0FF0, true },
		{ bf_reg_t_dr6, 1ull << 32, false },
		{ bf_reg_t_dr7, 0xFFFFFFFF, true },
		{ bf_reg_t_dr7, 1ull << 32, false },
		{ bf_reg_t_efer, 0xD01, true },
		{ bf_reg_t_efer, 0x100, true },
		{ bf_reg_t_efer, 0x400, false },           /* LMA without LME */
		{ bf_reg_t_efer, 1u << 12, false },        /* SVME */
		{ bf_reg_t_efer, 1u << 1, false },
	};
	const uint64_t set = MV_VPS_OP_VAL | MV_VPS_OP_SET_REG_IDX_VAL;
	const uint64_t get = MV_VPS_OP_VAL | MV_VPS_OP_GET_REG_IDX_VAL;
	const uint64_t marker = 0x10; /* valid in every register tested */

	for (size_t i = 0; i < HV_ARRAY_SIZE(rt); i++) {
		uint64_t mark = rt[i].reg == bf_reg_t_rflags ? 0x12 : rt[i].reg == bf_reg_t_cr0 ? 0x11 :
				rt[i].reg == bf_reg_t_cr8 ? 5 : rt[i].reg == bf_reg_t_efer ? 0x100 : marker;
		uint64_t m[6] = { h, vpsid, (uint64_t)rt[i].reg, mark, 0, 0 };
		EXPECT_EQ(hc6(root, set, m), MV_STATUS_SUCCESS);
		uint64_t s[6] = { h, vpsid, (uint64_t)rt[i].reg, rt[i].val, 0, 0 };
		uint64_t st = hc6(root, set, s);
		if (st != (rt[i].ok ? MV_STATUS_SUCCESS : MV_STATUS_INVALID_PARAMS3))
			fprintf(stderr, "set_reg %d = 0x%llx\n", rt[i].reg, (unsigned long long)rt[i].val);
		EXPECT_EQ(st, rt[i].ok ? MV_STATUS_SUCCESS : MV_STATUS_INVALID_PARAMS3);
		uint64_t g[6] = { h, vpsid, (uint64_t)rt[i].reg, 0, 0, 0 };
		EXPECT_EQ(hc6(root, get, g), MV_STATUS_SUCCESS);
		EXPECT_EQ(g[0], rt[i].ok ? rt[i].val : m[3]);
	}

	static const struct { uint32_t msr; uint64_t val; bool ok; } mt[] = {
		{ 0xC0000082, 0xFFFFFFFF81000000ull, true },   /* LSTAR */
		{ 0xC0000082, NC, false },
		{ 0xC0000083, 0x0000800000000000ull, false },  /* CSTAR */
		{ 0xC0000100, NC, false },                     /* FS_BASE */
		{ 0xC0000101, NC, false },                     /* GS_BASE */
		{ 0xC0000102, NC, false },                     /* KERNEL_GS_BASE */
		{ 0xC0000102, 0x00007FFFFFFFF000ull, true },
		{ 0x175, NC, false },                          /* SYSENTER_ESP */
		{ 0x176, NC, false },                          /* SYSENTER_EIP */
		{ 0x174, 0xFFFFFFFF, true },                   /* SYSENTER_CS */
		{ 0x174, 1ull << 32, false },
		{ 0xC0000081, ~0ull, true },                   /* STAR: anything */
		{ 0xC0000084, 0xFFFFFFFF, true },              /* SFMASK */
		{ 0xC0000084, 1ull << 32, false },
		{ 0x277, 0x0007040600070406ull, true },        /* PAT: the reset value */
		{ 0x277, 0x0007010600070405ull, true },
		{ 0x277, 0x0007040600070402ull, false },       /* type 2 */
		{ 0x277, 0x0307040600070406ull, false },       /* type 3 in byte 7 */
		{ 0x277, 0x0007040600080406ull, false },       /* type 8 */
		{ 0xC0000080, 0xD01, true },                   /* EFER */
		{ 0xC0000080, 0x1000, false },
		{ 0xC0000080, 0x400, false },
	};
	const uint64_t setm = MV_VPS_OP_VAL | MV_VPS_OP_SET_MSR_IDX_VAL;
	for (size_t i = 0; i < HV_ARRAY_SIZE(mt); i++) {
		uint64_t s[6] = { h, vpsid, mt[i].msr, mt[i].val, 0, 0 };
		EXPECT_EQ(hc6(root, setm, s), mt[i].ok ? MV_STATUS_SUCCESS : MV_STATUS_INVALID_PARAMS3);
	}
	/* the checks come after the register check: an unknown register is PARAMS2 */
	uint64_t bad[6] = { h, vpsid, bf_reg_t_invalid, NC, 0, 0 };
	EXPECT_EQ(hc6(root, set, bad), MV_STATUS_INVALID_PARAMS2);
	uint64_t badm[6] = { h, vpsid, 0x10, NC, 0, 0 };
	EXPECT_EQ(hc6(root, setm, badm), MV_STATUS_INVALID_PARAMS2);
}

/* Run the guest VP, feed it one exit, and check what run_vp returned. */
static void run_and_exit(struct hv_vps *root, uint64_t h, uint64_t vpid, struct hv_exit *ex,
			 uint64_t rflags, uint64_t want_reason, uint64_t want_arg)
{
	uint64_t regs[6] = { h, vpid, 0, 0, 0, 0 };
	struct hv_pp *pp = pp_get(0);
	uint64_t root_rip = fake_regs(root)->reg[bf_reg_t_rip];

	fake_regs(root)->reg[bf_reg_t_rax] = MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL;
	for (int i = 0; i < 6; i++)
		fake_regs(root)->reg[bf_reg_t_r10 + i] = regs[i];
	struct hv_exit call = { .type = HV_EXIT_HYPERCALL, .rip = root_rip, .insn_len = 3 };
	EXPECT_EQ(core_handle_exit(root, &call), HV_ACTION_SWITCH);
	struct hv_vps *guest = pp->current;
	EXPECT_TRUE(guest != root);
	fake_regs(guest)->reg[bf_reg_t_rflags] = rflags;
	EXPECT_EQ(core_handle_exit(guest, ex), HV_ACTION_SWITCH);
	EXPECT_TRUE(pp->current == root);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rip], root_rip + 3);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rax], MV_STATUS_SUCCESS);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_r10], want_reason);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_r11], want_arg);
}

static void test_guest_exits(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	fake_regs(root)->reg[bf_reg_t_rip] = 0x200000;

	struct hv_exit hlt = { .type = HV_EXIT_HLT, .rip = 0x1000, .insn_len = 1 };
	run_and_exit(root, h, vpid, &hlt, 0x2, mv_vp_exit_t_hlt, 0);
	run_and_exit(root, h, vpid, &hlt, 0x202, mv_vp_exit_t_yield, 0);
	struct hv_exit pause = { .type = HV_EXIT_PAUSE, .rip = 0x1234, .insn_len = 2 };
	run_and_exit(root, h, vpid, &pause, 0x2, mv_vp_exit_t_retry, 0x1234);
	struct hv_exit intr = { .type = HV_EXIT_PREEMPT, .rip = 0x1000 };
	run_and_exit(root, h, vpid, &intr, 0x2, mv_vp_exit_t_external_interrupt, 0);
	struct hv_exit tsc = { .type = HV_EXIT_MSR, .rip = 0x1000, .u.msr = { 0x10, 1, 0xABCD } };
	run_and_exit(root, h, vpid, &tsc, 0x2, mv_vp_exit_t_sync_tsc, 0xABCD);
	struct hv_exit susp = { .type = HV_EXIT_IO, .rip = 0x1000, .insn_len = 1,
				.u.io = { .port = 0x604, .size = 2, .value = (1u << 13) | (5u << 10) } };
	run_and_exit(root, h, vpid, &susp, 0x2, mv_vp_exit_t_suspend, 5);
	struct hv_exit npf = { .type = HV_EXIT_SLPT_VIOLATION, .rip = 0x1000,
			       .u.slpt = { .gpa = 0x5000, .access = HV_ACCESS_WRITE } };
	run_and_exit(root, h, vpid, &npf, 0x2, mv_vp_exit_t_fault, (1ull << 56) | 0x5000);
	struct hv_exit tf = { .type = HV_EXIT_TRIPLE_FAULT, .rip = 0x1000 };
	run_and_exit(root, h, vpid, &tf, 0x2, mv_vp_exit_t_fault, 2ull << 56);
	struct hv_exit io = { .type = HV_EXIT_IO, .rip = 0x1000, .u.io = { .port = 0x80, .size = 1, .in = 1 } };
	run_and_exit(root, h, vpid, &io, 0x2, mv_vp_exit_t_fault, (3ull << 56) | 0x80 | (1 << 16) | (1 << 24));

	/* run_vp errors */
	uint64_t bad[6] = { h, 0x10000ull + vpid, 0, 0, 0, 0 };
	EXPECT_EQ(fake_hypercall(root, MV_VP_MANAGEMENT_OP_VAL | 2, bad), MV_STATUS_INVALID_PARAMS1);
	uint64_t rootvp[6] = { h, 0, 0, 0, 0, 0 };
	EXPECT_EQ(fake_hypercall(root, MV_VP_MANAGEMENT_OP_VAL | 2, rootvp), MV_STATUS_INVALID_PARAMS1);
}

/* INVD (SVM's intercept, E-59): completed, RIP past it (the backend's
 * length, else the architectural 2 bytes), nothing injected. */
static void test_exit_invd(void)
{
	struct hv_vps *root = fake_boot_default();
	fake_regs(root)->reg[bf_reg_t_rip] = 0x200000;

	struct hv_exit invd = { .type = HV_EXIT_INVD, .rip = 0x200000, .insn_len = 3 };
	EXPECT_EQ(core_handle_exit(root, &invd), HV_ACTION_RESUME);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rip], 0x200003);
	EXPECT_EQ(fake_held_valid[root->id], 0);
	invd.insn_len = 0;
	EXPECT_EQ(core_handle_exit(root, &invd), HV_ACTION_RESUME);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rip], 0x200002);
	EXPECT_EQ(strcmp(exit_type_name(HV_EXIT_INVD), "invd"), 0);
}

/* A virtualization instruction the VM's CPUID hides (HV_EXIT_UD, E-59):
 * #UD queued for the VPS that ran it, RIP left at the instruction, the VPS
 * runs on (the root too: its run does not stop). */
static void test_exit_ud(void)
{
	struct hv_vps *root = fake_boot_default();
	fake_regs(root)->reg[bf_reg_t_rip] = 0x200000;

	struct hv_exit ud = { .type = HV_EXIT_UD, .rip = 0x200000, .insn_len = 3 };
	EXPECT_EQ(core_handle_exit(root, &ud), HV_ACTION_RESUME);
	EXPECT_EQ(fake_regs(root)->reg[bf_reg_t_rip], 0x200000);
	EXPECT_TRUE(fake_held_valid[root->id]);
	EXPECT_EQ(fake_held[root->id].type, HV_EVENT_EXCEPTION);
	EXPECT_EQ(fake_held[root->id].vector, 6);
	EXPECT_EQ(fake_held[root->id].has_error, 0);
	EXPECT_EQ(strcmp(exit_type_name(HV_EXIT_UD), "invalid-opcode"), 0);
}

/* Every catalogue hypercall reaches an api_* function: none answers
 * "unsupported" to a well-formed call from the root. */
static void test_dispatch_complete(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t h = open_handle(root);

#define CALL(name, op, idx)                                                          \
	do {                                                                         \
		uint64_t regs[6] = { h, 0x7777, 0x7777, 0x7777, 0x7777, 0x7777 };   \
		uint64_t st = fake_hypercall(root, (op) | (idx), regs);              \
		if (st == MV_STATUS_FAILURE_UNSUPPORTED) {                           \
			fprintf(stderr, "%s is not dispatched\n", #name);           \
			failures++;                                                  \
		}                                                                    \
	} while (0);
	MV_CATALOG_HYPERCALLS(CALL)
#undef CALL
}

/* Two queue_irq of different vectors before a run (issue 11): both reach
 * the guest's VPS, the highest first, one per entry. */
static void test_queue_irq_two(void)
{
	struct hv_vps *root = fake_boot_default();
	uint64_t vpid = 0, vpsid = 0;
	uint64_t h = make_guest(root, &vpid, &vpsid);
	const uint64_t op = MV_VPS_OP_VAL | MV_VPS_OP_QUEUE_IRQ_IDX_VAL;
	uint64_t a[6] = { h, vpsid, 0x40, 0, 0, 0 }, b[6] = { h, vpsid, 0x50, 0, 0, 0 };
	EXPECT_EQ(hc6(root, op, a), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(root, op, b), MV_STATUS_SUCCESS);
	struct hv_vps *g = vps_get((uint16_t)vpsid);
	const uint8_t want[2] = { 0x50, 0x40 };
	for (int i = 0; i < 2; i++) {
		fake_held_valid[vpsid] = false; /* the previous one was delivered */
		evq_deliver(g);
		EXPECT_TRUE(fake_held_valid[vpsid]);
		EXPECT_EQ(fake_held[vpsid].vector, want[i]);
	}
	fake_held_valid[vpsid] = false;
	evq_deliver(g);
	EXPECT_TRUE(!fake_held_valid[vpsid]);
}

static void test_page_pool(void)
{
	fake_boot_default();
	uint64_t total = page_total_count(), before = page_free_count();
	uint64_t *pages = malloc(sizeof(uint64_t) * total);
	uint64_t n = 0;
	/* at most `total` pages can be handed out: the array has room for them all */
	while (n < total && (pages[n] = page_alloc()) != 0)
		n++;
	EXPECT_EQ(page_alloc(), 0);
	EXPECT_EQ(n, before);
	EXPECT_EQ(page_free_count(), 0);
	for (uint64_t i = 0; i < n; i++)
		page_free(pages[i]);
	EXPECT_EQ(page_free_count(), before);
	free(pages);
}

static void test_printf(void)
{
	char buf[64];
	hv_snprintf(buf, sizeof(buf), "%s|%5d|%-3u|%04x|%016llx|%c|%%", "ab", -12, 7u, 0xBEEFu,
		    0x1234ull, 'z');
	EXPECT_EQ(strcmp(buf, "ab|  -12|7  |beef|0000000000001234|z|%"), 0);
	EXPECT_EQ(hv_snprintf(buf, 4, "%s", "abcdef"), 6);
	EXPECT_EQ(strcmp(buf, "abc"), 0);
}

static const struct test_case tests[] = {
	{ "boot_multiboot", test_boot_multiboot },
	{ "queue_irq_two", test_queue_irq_two },
	{ "debug_out_rate", test_debug_out_rate },
	{ "boot_no_header", test_boot_no_header },
	{ "boot_entry_outside", test_boot_entry_outside },
	{ "boot_into_hv_memory", test_boot_into_hv_memory },
	{ "boot_mbi_after_low_kernel", test_boot_mbi_after_low_kernel },
	{ "decode", test_decode },
	{ "debug_out", test_debug_out },
	{ "handles", test_handles },
	{ "handle_generation_end", test_handle_generation_end },
	{ "cpuid", test_cpuid },
	{ "vm_vp_lifecycle", test_vm_vp_lifecycle },
	{ "table_bounds", test_table_bounds },
	{ "alloc_failures", test_alloc_failures },
	{ "boot_root_vm_fails", test_boot_root_vm_fails },
	{ "exit_names", test_exit_names },
	{ "boot_pool_unmapped", test_boot_pool_unmapped },
	{ "reg_values", test_reg_values },
	{ "page_pool", test_page_pool },
	{ "vps_ops", test_vps_ops },
	{ "dispatch_complete", test_dispatch_complete },
	{ "guest_exits", test_guest_exits },
	{ "exit_ud", test_exit_ud },
	{ "exit_invd", test_exit_invd },
	{ "vps_destroy_active", test_vps_destroy_active },
	{ "handle_vmid_reuse", test_handle_vmid_reuse },
	{ "boot_mmio", test_boot_mmio },
	{ "return_locked", test_return_locked },
	{ "printf", test_printf },
};

TEST_MAIN("test_core", tests)
