/*
 * Instruction-count workloads of hv/core for callgrind (scripts/bench-insns,
 * docs/performance.md "hv/core").  `bench_core OP N` boots the core on the
 * fake arch (hv/tests/fake_arch.c) and performs N operations OP; only the
 * measured part runs with callgrind's collection on (CALLGRIND_TOGGLE_COLLECT
 * around the core's exit handler, core_handle_exit, or around page_alloc), so
 * (Ir(N) - Ir(0)) / units is the core's cost per unit, setup excluded.  It
 * prints "units=<u>" (hypercalls, or pages for the per-page figures).
 * Natively the client requests do nothing: the same operations run and every
 * result is checked, so a figure is never taken of a failing path.
 *
 * OP: noop (collection switched on and off around nothing: the harness's
 *     own cost per measured call, which scripts/bench-insns subtracts),
 *     vmid, vpid, open_close (close_handle + open_handle, 2 units),
 *     rejected (a bad signature), map1 (map_mdl of one page into a VM that
 *     already has tables for it), map1_cold (the first map_mdl of one page
 *     into a new VM), map:P / unmap:P (map_mdl / unmap_mdl of P pages, units
 *     = pages), page_alloc (N allocations from a fresh 64 MiB pool),
 *     page_scan (N allocations that each find the only free page just behind
 *     the allocator's hint: a scan of the whole bitmap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include <microv/mv.h>

#include <hv/arch/core.h>
#include <hv/page.h>
#include <hv/pp.h>

#include "fake_arch.h"

static bool measuring; /* collect the next core_handle_exit */
static unsigned long calls; /* measured calls */

/* Collection on.  Run with --instr-atstart=no: the setup runs without
 * instrumentation, started at the first measured operation. */
static void collect_on(void)
{
	static bool instrumented;

	calls++;
	if (!instrumented) {
		CALLGRIND_START_INSTRUMENTATION;
		instrumented = true;
	}
	CALLGRIND_TOGGLE_COLLECT;
}

enum hv_exit_action __real_core_handle_exit(struct hv_vps *vps, const struct hv_exit *exit);
enum hv_exit_action __wrap_core_handle_exit(struct hv_vps *vps, const struct hv_exit *exit);

enum hv_exit_action __wrap_core_handle_exit(struct hv_vps *vps, const struct hv_exit *exit)
{
	if (!measuring)
		return __real_core_handle_exit(vps, exit);
	collect_on();
	enum hv_exit_action a = __real_core_handle_exit(vps, exit);
	CALLGRIND_TOGGLE_COLLECT;
	return a;
}

static void die(const char *what, uint64_t got)
{
	fprintf(stderr, "bench_core: %s: got 0x%llx\n%s\n", what, (unsigned long long)got,
		fake_console);
	exit(1);
}

static struct hv_vps *root;
static uint64_t handle;

/* One hypercall from the root VPS; measured when `measure`. */
static uint64_t hc(bool measure, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3,
		   uint64_t r4, uint64_t r5, uint64_t *out0)
{
	uint64_t regs[6] = { r0, r1, r2, r3, r4, r5 };

	measuring = measure;
	uint64_t st = fake_hypercall(root, rax, regs);
	measuring = false;
	if (out0)
		*out0 = regs[0];
	return st;
}

static void expect_ok(const char *what, uint64_t st)
{
	if (st != MV_STATUS_SUCCESS)
		die(what, st);
}

static void boot(void)
{
	root = fake_boot_default();
	expect_ok("open_handle", hc(false, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL,
				    MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0, &handle));
}

static uint16_t create_vm(void)
{
	uint64_t id = 0;

	expect_ok("create_vm", hc(false, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, handle, 0, 0, 0,
				  0, 0, &id));
	return (uint16_t)id;
}

static void destroy_vm(uint16_t vm)
{
	uint64_t st;

	do /* continuations (E-31): the same call again */
		st = hc(false, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, vm, 0, 0, 0, 0,
			NULL);
	while (st == MV_STATUS_RETRY_CONTINUATION);
	expect_ok("destroy_vm", st);
}

/* Root memory the workloads use (the root owns all of the fake's RAM but the
 * top 8 MiB; the probe image sits at 1 MiB, its module copy at 32 MiB). */
#define MDL_SRC 0x400000ull  /* MDL of the source pages */
#define MDL_DST 0x401000ull  /* MDL of the destination GPAs */
#define SRC 0x800000ull      /* 8 MiB: source pages (up to 4096) */
#define GDST 0x80000000ull   /* guest GPAs */

static uint64_t map(bool measure, uint16_t vm)
{
	return hc(measure, MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, handle, 0, MDL_SRC, vm, MDL_DST,
		  MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS, NULL);
}

static uint64_t unmap(bool measure, uint16_t vm)
{
	return hc(measure, MV_VM_OP_VAL | MV_VM_OP_UNMAP_MDL_IDX_VAL, handle, 0, MDL_SRC, vm,
		  MDL_DST, 0, NULL);
}

static unsigned long cheap(const char *op, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		uint64_t out = ~0ull;
		if (!strcmp(op, "vmid")) {
			expect_ok(op, hc(true, MV_VM_OP_VAL | MV_VM_OP_VMID_IDX_VAL, handle, 0, 0, 0,
					 0, 0, &out));
			if (out != MV_ROOT_VMID)
				die("vmid's value", out);
		} else if (!strcmp(op, "vpid")) {
			expect_ok(op, hc(true, MV_VP_OP_VAL | MV_VP_OP_VPID_IDX_VAL, handle, 0, 0, 0,
					 0, 0, &out));
			if (out != 0)
				die("vpid's value", out);
		} else if (!strcmp(op, "open_close")) {
			expect_ok("close_handle", hc(true, MV_HANDLE_OP_VAL | MV_HANDLE_OP_CLOSE_IDX_VAL,
						     handle, 0, 0, 0, 0, 0, NULL));
			expect_ok("open_handle",
				  hc(true, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL,
				     MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0, &handle));
		} else { /* rejected: signature 0x764C, checked first */
			uint64_t st = hc(true, (MV_VM_OP_VAL ^ (1ull << 48)) | MV_VM_OP_VMID_IDX_VAL,
					 handle, 0, 0, 0, 0, 0, NULL);
			if (st != MV_STATUS_FAILURE_UNSUPPORTED)
				die("a bad signature's status", st);
		}
	}
	return !strcmp(op, "open_close") ? 2 * n : n;
}

/* map_mdl of one page into a VM that already maps its neighbour (steady
 * state: the VM's tables exist); N distinct pages. */
static unsigned long map1(unsigned long n)
{
	uint16_t vm = create_vm();

	fake_mdl1(MDL_SRC, SRC, HV_PAGE_SIZE);
	fake_mdl1(MDL_DST, GDST, HV_PAGE_SIZE);
	expect_ok("warm-up map", map(false, vm));
	for (unsigned long i = 1; i <= n; i++) {
		fake_mdl1(MDL_SRC, SRC + i * HV_PAGE_SIZE, HV_PAGE_SIZE);
		fake_mdl1(MDL_DST, GDST + i * HV_PAGE_SIZE, HV_PAGE_SIZE);
		expect_ok("map_mdl", map(true, vm));
	}
	return n;
}

/* The first map_mdl of one page into a new VM (its tables allocated). */
static unsigned long map1_cold(unsigned long n)
{
	fake_mdl1(MDL_SRC, SRC, HV_PAGE_SIZE);
	fake_mdl1(MDL_DST, GDST, HV_PAGE_SIZE);
	for (unsigned long i = 0; i < n; i++) {
		uint16_t vm = create_vm();
		expect_ok("map_mdl", map(true, vm));
		expect_ok("unmap_mdl", unmap(false, vm));
		destroy_vm(vm);
	}
	return n;
}

/* map_mdl (or unmap_mdl) of `pages` pages in one range, N times. */
static unsigned long map_pages(bool measure_map, unsigned long pages, unsigned long n)
{
	uint16_t vm = create_vm();

	if (pages == 0 || pages > 4096)
		die("pages (1..4096)", pages);
	fake_mdl1(MDL_SRC, SRC, pages * HV_PAGE_SIZE);
	fake_mdl1(MDL_DST, GDST, pages * HV_PAGE_SIZE);
	for (unsigned long i = 0; i < n; i++) {
		expect_ok("map_mdl", map(measure_map, vm));
		expect_ok("unmap_mdl", unmap(!measure_map, vm));
	}
	return n * pages;
}

/* page_alloc from a fresh pool over the whole fake RAM but its first page
 * (SPA 0 means "none"); `scan`: fill it, then each allocation finds the one
 * free page just behind the hint. */
static unsigned long pool(bool scan, unsigned long n)
{
	uint64_t len = FAKE_MEM_SIZE - HV_PAGE_SIZE;

	fake_mem = calloc(1, FAKE_MEM_SIZE);
	if (!fake_mem || page_pool_init(HV_PAGE_SIZE, len))
		die("page_pool_init", len);
	uint64_t last = 0;
	if (scan)
		while (page_free_count())
			last = page_alloc();
	for (unsigned long i = 0; i < n; i++) {
		if (scan)
			page_free(last - HV_PAGE_SIZE);
		collect_on();
		uint64_t spa = page_alloc();
		CALLGRIND_TOGGLE_COLLECT;
		if (!spa || (scan && spa != last - HV_PAGE_SIZE))
			die("page_alloc", spa);
		last = spa;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_core OP N   (OP: noop vmid vpid open_close rejected map1 "
				"map1_cold map:P unmap:P page_alloc page_scan)\n");
		return 2;
	}
	const char *op = argv[1];
	unsigned long n = strtoul(argv[2], NULL, 0), units;

	if (!strcmp(op, "noop")) {
		for (units = 0; units < n; units++) {
			collect_on();
			CALLGRIND_TOGGLE_COLLECT;
		}
	} else if (!strcmp(op, "page_alloc") || !strcmp(op, "page_scan")) {
		units = pool(!strcmp(op, "page_scan"), n);
	} else {
		boot();
		if (!strcmp(op, "vmid") || !strcmp(op, "vpid") || !strcmp(op, "open_close") ||
		    !strcmp(op, "rejected"))
			units = cheap(op, n);
		else if (!strcmp(op, "map1"))
			units = map1(n);
		else if (!strcmp(op, "map1_cold"))
			units = map1_cold(n);
		else if (!strncmp(op, "map:", 4))
			units = map_pages(true, strtoul(op + 4, NULL, 0), n);
		else if (!strncmp(op, "unmap:", 6))
			units = map_pages(false, strtoul(op + 6, NULL, 0), n);
		else {
			fprintf(stderr, "bench_core: no operation '%s'\n", op);
			return 2;
		}
	}
	printf("units=%lu calls=%lu\n", units, calls);
	return 0;
}
