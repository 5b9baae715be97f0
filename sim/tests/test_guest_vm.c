/*
 * Guest VMs on mvsim, end to end through the core: this test links the
 * simulator's arch layer (the host part of sim/ but main.c, and the emulator
 * backend sim/unicorn/) with hv_core_host, boots
 * the core like mvsim does, and plays the root VM's part by issuing real
 * hypercalls: it sets the root VPS's registers (RAX, R10-R15), hands the
 * core a HV_EXIT_HYPERCALL exit and, for mv_vp_run_vp, runs the PP loop
 * (arch_vps_run + core_handle_exit) until the PP is back on the root VPS.
 * The guest VMs run vmguest.bin (vmguest.S) on Unicorn.
 *
 * Each check compares what the root sees (RAX status, R10 exit reason, R11
 * REG1, as docs/exit-reasons.md says) and the backend's struct hv_exit
 * (type, RIP, instruction length, I/O / MSR / SLPT details).
 *
 *   sim_test_guest_vm ROOT.elf vmguest.bin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <microv/mv_abi.h>

#include <hv/pp.h>

#include "../emu.h"
#include "../sim.h"
#include "check.h"

#define MIB (1024ull * 1024ull)
#define MEM_MIB 128u

/* Root memory used by the test (root GPA == SPA). */
#define ROOT_PT 0x1000000ull    /* root page tables (identity, 1 GiB) */
#define ROOT_MDL_SRC 0x1100000ull
#define ROOT_MDL_DST 0x1101000ull
#define ROOT_CODE 0x1200000ull
#define ROOT_KICK_CODE 0x1201000ull
#define ROOT_MSR_CODE 0x1202000ull
#define VM1_SPA 0x2000000ull    /* pages donated to VM 1 */
#define VM2_SPA 0x2100000ull    /* pages donated to VM 2 */
#define VM_SIZE 0x40000ull      /* guest GPA 0 .. 0x40000 */

/* Guest layout (vmguest.S). */
#define G_CODE 0x1000ull
#define G_IDMAP 0x10000ull
#define G_DATA 0x30000ull
#define G_NX 0x31000ull
#define G_STACK 0x40000ull
#define S(k) (G_CODE + 0x100ull * (k))

#define FLAGS_RWX (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)

#define CHECK_EQ(got, want, what)                                                         \
	CHECK((uint64_t)(got) == (uint64_t)(want), "%s: got 0x%llx, expected 0x%llx", what, \
	      (unsigned long long)(got), (unsigned long long)(want))

static struct hv_pp *pp;
static struct hv_vps *root;
static uint64_t handle;

/* The exits of the last run_vp, in order. */
static struct hv_exit exits[64];
static unsigned nexits;

struct hc_ret {
	uint64_t status, r10, r11;
};

static struct hc_ret hc(uint64_t op, uint64_t r10, uint64_t r11, uint64_t r12, uint64_t r13,
			uint64_t r14, uint64_t r15)
{
	const enum bf_reg_t regs[6] = { bf_reg_t_r10, bf_reg_t_r11, bf_reg_t_r12,
					bf_reg_t_r13, bf_reg_t_r14, bf_reg_t_r15 };
	const uint64_t vals[6] = { r10, r11, r12, r13, r14, r15 };
	struct hv_exit e;

	arch_vps_set_reg(root, bf_reg_t_rax, op);
	for (int i = 0; i < 6; i++)
		arch_vps_set_reg(root, regs[i], vals[i]);
	memset(&e, 0, sizeof(e));
	e.type = HV_EXIT_HYPERCALL;
	e.rip = arch_vps_get_reg(root, bf_reg_t_rip);
	e.insn_len = 3;
	nexits = 0;
	enum hv_exit_action act = core_handle_exit(root, &e);
	while (act != HV_ACTION_STOP && pp->current != root) {
		struct hv_vps *v = pp->current;
		arch_vps_run(v, &e);
		if (nexits < 64)
			exits[nexits++] = e;
		act = core_handle_exit(v, &e);
		if (nexits > 60) {
			printf("FAIL: run_vp does not come back\n");
			exit(1);
		}
	}
	if (act == HV_ACTION_STOP) {
		printf("FAIL: the PP stopped (reason %d)\n", (int)pp->stop);
		exit(1);
	}
	return (struct hc_ret){ arch_vps_get_reg(root, bf_reg_t_rax),
				arch_vps_get_reg(root, bf_reg_t_r10),
				arch_vps_get_reg(root, bf_reg_t_r11) };
}

static uint64_t hc_ok(const char *what, uint64_t op, uint64_t r11, uint64_t r12, uint64_t r13,
		      uint64_t r14, uint64_t r15)
{
	struct hc_ret r = hc(op, handle, r11, r12, r13, r14, r15);
	CHECK(r.status == MV_STATUS_SUCCESS, "%s: status 0x%llx", what,
	      (unsigned long long)r.status);
	return r.r10;
}

#define VPS_OP(idx) (MV_VPS_OP_VAL | (idx))

static void set_reg(uint64_t vpsid, enum bf_reg_t reg, uint64_t val)
{
	hc_ok("set_reg", VPS_OP(MV_VPS_OP_SET_REG_IDX_VAL), vpsid, reg, val, 0, 0);
}

static uint64_t get_reg(uint64_t vpsid, enum bf_reg_t reg)
{
	return hc_ok("get_reg", VPS_OP(MV_VPS_OP_GET_REG_IDX_VAL), vpsid, reg, 0, 0, 0);
}

struct guest {
	uint64_t vmid, vpid, vpsid;
};

/* mv_vp_run_vp: the exit reason (R10) and REG1 (R11). */
static struct hc_ret run(const struct guest *g)
{
	struct hc_ret r = hc(MV_VP_MANAGEMENT_OP_VAL | MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL, handle,
			     g->vpid, 0, 0, 0, 0);
	CHECK(r.status == MV_STATUS_SUCCESS, "run_vp status 0x%llx", (unsigned long long)r.status);
	return r;
}

static const struct hv_exit *last_exit(void)
{
	static struct hv_exit none;
	return nexits ? &exits[nexits - 1] : &none;
}

static void mdl1(uint64_t at, uint64_t gpa, uint64_t size)
{
	struct mv_mdl_t *m = (struct mv_mdl_t *)(g_mem + at);
	memset(m, 0, sizeof(*m));
	m->num_entries = 1;
	m->entries[0].gpa = gpa;
	m->entries[0].size = size;
}

static uint64_t mdl_op(uint64_t idx, uint64_t vmid, uint64_t src_gpa, uint64_t dst_gpa,
		       uint64_t size, uint64_t flags)
{
	mdl1(ROOT_MDL_SRC, src_gpa, size);
	mdl1(ROOT_MDL_DST, dst_gpa, size);
	return hc(MV_VM_OP_VAL | idx, handle, MV_ROOT_VMID, ROOT_MDL_SRC, vmid, ROOT_MDL_DST, flags)
		.status;
}

static struct guest new_vp(uint64_t vmid)
{
	struct guest g = { vmid, 0, 0 };
	g.vpid = hc_ok("create_vp", MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, vmid, 0, 0, 0, 0);
	g.vpsid = hc_ok("create_vps", VPS_OP(MV_VPS_OP_CREATE_VPS_IDX_VAL), g.vpid, 0, 0, 0, 0);
	hc_ok("set_identity_map", VPS_OP(MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL), g.vpsid, G_IDMAP, 0,
	      0, 0);
	set_reg(g.vpsid, bf_reg_t_rsp, G_STACK);
	return g;
}

/* A VM whose memory 0..VM_SIZE is donated from `spa` and holds the image. */
static struct guest new_vm(uint64_t spa, const uint8_t *img, size_t len)
{
	memset(g_mem + spa, 0, VM_SIZE);
	memcpy(g_mem + spa + G_CODE, img, len);
	uint64_t vmid = hc_ok("create_vm", MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, 0, 0, 0, 0, 0);
	CHECK_EQ(mdl_op(MV_VM_OP_MAP_MDL_IDX_VAL, vmid, spa, 0, VM_SIZE,
			MV_GPA_FLAG_DONATE | FLAGS_RWX),
		 MV_STATUS_SUCCESS, "map_mdl (donate)");
	return new_vp(vmid);
}

static void expect_run(const struct guest *g, uint64_t reason, uint64_t reg1, const char *what)
{
	struct hc_ret r = run(g);
	CHECK(r.r10 == reason && r.r11 == reg1,
	      "%s: exit reason %llu REG1 0x%llx, expected %llu 0x%llx", what,
	      (unsigned long long)r.r10, (unsigned long long)r.r11, (unsigned long long)reason,
	      (unsigned long long)reg1);
}

static uint64_t fault(uint64_t kind, uint64_t detail)
{
	return (kind << MV_VP_FAULT_KIND_SHIFT) | detail;
}

/* ---- the scenarios ---------------------------------------------------------- */

static void test_hlt(const struct guest *g)
{
	set_reg(g->vpsid, bf_reg_t_rip, S(0));
	expect_run(g, mv_vp_exit_t_hlt, 0, "HLT with IF=0");
	CHECK_EQ(last_exit()->type, HV_EXIT_HLT, "exit type");
	CHECK_EQ(last_exit()->rip, S(0) + 1, "HLT rip");
	CHECK_EQ(last_exit()->insn_len, 1, "HLT length");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(0) + 2, "RIP after the HLT");

	set_reg(g->vpsid, bf_reg_t_rip, S(1));
	expect_run(g, mv_vp_exit_t_yield, 0, "HLT with IF=1");
	CHECK_EQ(last_exit()->rip, S(1) + 1, "HLT rip");
	CHECK(get_reg(g->vpsid, bf_reg_t_rflags) & (1u << 9), "IF=1 at the yield");
	expect_run(g, mv_vp_exit_t_hlt, 0, "HLT after CLI");
	CHECK_EQ(last_exit()->rip, S(1) + 3, "HLT rip");
}

/* Intercept decisions are cached per RIP: code written since (by the guest
 * itself, or by the root through system memory) must be decoded again. */
static void test_smc(const struct guest *g)
{
	set_reg(g->vpsid, bf_reg_t_rip, S(12));
	expect_run(g, mv_vp_exit_t_retry, S(12) + 6, "self-modified NOP -> PAUSE");
	CHECK_EQ(last_exit()->type, HV_EXIT_PAUSE, "exit type");
	CHECK_EQ(last_exit()->rip, S(12) + 6, "PAUSE written by the guest");

	set_reg(g->vpsid, bf_reg_t_rip, S(12) + 0x40);
	expect_run(g, mv_vp_exit_t_hlt, 0, "NOP NOP HLT");
	CHECK_EQ(last_exit()->rip, S(12) + 0x43, "HLT after two NOPs");
	g_mem[VM1_SPA + S(12) + 0x41] = 0xF4;
	set_reg(g->vpsid, bf_reg_t_rip, S(12) + 0x40);
	expect_run(g, mv_vp_exit_t_hlt, 0, "root-written HLT");
	CHECK_EQ(last_exit()->rip, S(12) + 0x41, "HLT written by the root");
}

static void test_pause(const struct guest *g)
{
	set_reg(g->vpsid, bf_reg_t_rip, S(2));
	expect_run(g, mv_vp_exit_t_retry, S(2), "PAUSE");
	CHECK_EQ(nexits, 1, "exits");
	CHECK_EQ(last_exit()->type, HV_EXIT_PAUSE, "exit type");
	CHECK_EQ(last_exit()->rip, S(2), "PAUSE rip");
	CHECK_EQ(last_exit()->insn_len, 2, "PAUSE length");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(2) + 2, "RIP after PAUSE");
	expect_run(g, mv_vp_exit_t_hlt, 0, "after PAUSE");
	CHECK_EQ(last_exit()->rip, S(2) + 3, "HLT rip");
}

static void test_msr(const struct guest *g)
{
	/* WRMSR IA32_TSC */
	set_reg(g->vpsid, bf_reg_t_rip, S(3));
	expect_run(g, mv_vp_exit_t_sync_tsc, 0x0123456789ABCDEFull, "WRMSR TSC");
	const struct hv_exit *e = last_exit();
	CHECK_EQ(e->type, HV_EXIT_MSR, "exit type");
	CHECK_EQ(e->rip, S(3) + 15, "WRMSR rip");
	CHECK_EQ(e->insn_len, 2, "WRMSR length");
	CHECK_EQ(e->u.msr.index, 0x10, "MSR index");
	CHECK_EQ(e->u.msr.write, 1, "MSR write");
	CHECK_EQ(e->u.msr.value, 0x0123456789ABCDEFull, "MSR value");
	expect_run(g, mv_vp_exit_t_hlt, 0, "after WRMSR TSC");
	CHECK_EQ(last_exit()->rip, S(3) + 18, "HLT rip");

	/* MSRs the VPS keeps: the guest's and the root's view agree */
	hc_ok("set_msr", VPS_OP(MV_VPS_OP_SET_MSR_IDX_VAL), g->vpsid, 0xC0000102,
	      0x00007FFF12345678ull, 0, 0);
	set_reg(g->vpsid, bf_reg_t_rip, S(4));
	expect_run(g, mv_vp_exit_t_hlt, 0, "kept MSRs");
	CHECK_EQ(nexits, 1, "exits (no MSR exit for kept MSRs)");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rbx), 0xFFFF800000001000ull, "LSTAR read back by the guest");
	CHECK_EQ(hc_ok("get_msr", VPS_OP(MV_VPS_OP_GET_MSR_IDX_VAL), g->vpsid, 0xC0000082, 0, 0, 0),
		 0xFFFF800000001000ull, "LSTAR through get_msr");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_r12), 0x00007FFF12345678ull,
		 "KERNEL_GS_BASE set by the root, read by the guest");

	/* Other MSRs: MSR exit, #GP injected by the core */
	set_reg(g->vpsid, bf_reg_t_rip, S(5));
	expect_run(g, mv_vp_exit_t_hlt, 0, "unkept MSRs");
	struct hv_exit ex[3];
	unsigned n = nexits;
	memcpy(ex, exits, sizeof(ex));
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_r12), 7, "guest: #GP at each of WRMSR 0x1B, RDMSR 0x1B");
	uint64_t wr = get_reg(g->vpsid, bf_reg_t_r8), rd = get_reg(g->vpsid, bf_reg_t_r9);
	CHECK_EQ(n, 3, "exits");
	if (n == 3) {
		CHECK_EQ(ex[0].type, HV_EXIT_MSR, "exit 0");
		CHECK_EQ(ex[0].rip, wr, "exit 0 rip");
		CHECK_EQ(ex[0].u.msr.index, 0x1B, "exit 0 index");
		CHECK_EQ(ex[0].u.msr.write, 1, "exit 0 write");
		CHECK_EQ(ex[0].u.msr.value, 1, "exit 0 value");
		CHECK_EQ(ex[1].type, HV_EXIT_MSR, "exit 1");
		CHECK_EQ(ex[1].rip, rd, "exit 1 rip");
		CHECK_EQ(ex[1].u.msr.index, 0x1B, "exit 1 index");
		CHECK_EQ(ex[1].u.msr.write, 0, "exit 1 write");
		CHECK_EQ(ex[2].type, HV_EXIT_HLT, "exit 2");
	}
}

struct io_case {
	unsigned off;
	uint64_t rax, rdx, rsi, rdi, rcx;
	uint16_t port;
	uint8_t size, in, string, rep, len;
	uint32_t value;
};

static void test_io(const struct guest *g)
{
	static const struct io_case cases[] = {
		{ 0x00, 0x41, 0x3F8, 0, 0, 0, 0x3F8, 1, 0, 0, 0, 1, 0x41 },           /* out dx,al */
		{ 0x10, 0, 0, 0, 0, 0, 0x60, 4, 1, 0, 0, 2, 0 },                      /* in eax,0x60 */
		{ 0x20, 0xABCD1234, 0x80, 0, 0, 0, 0x80, 2, 0, 0, 0, 2, 0x1234 },     /* out dx,ax */
		{ 0x30, 0, 0x3F8, G_DATA, 0, 3, 0x3F8, 1, 0, 1, 1, 2, 0x5A },         /* rep outsb */
		{ 0x40, 0x33, 0, 0, 0, 0, 0xF4, 1, 0, 0, 0, 2, 0x33 },                /* out 0xF4,al */
		{ 0x50, 0, 0x60, 0, G_DATA + 0x100, 0, 0x60, 4, 1, 1, 0, 1, 0 },      /* insd */
		{ 0x70, 0xDEADBEEF, 0x70, 0, 0, 0, 0x70, 4, 0, 0, 0, 1, 0xDEADBEEF }, /* out dx,eax */
	};
	g_mem[VM1_SPA + G_DATA] = 0x5A;
	memset(g_mem + VM1_SPA + G_DATA + 0x100, 0, 4);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct io_case *c = &cases[i];
		char what[64];
		snprintf(what, sizeof(what), "I/O case at S6+0x%x", c->off);
		set_reg(g->vpsid, bf_reg_t_rax, c->rax);
		set_reg(g->vpsid, bf_reg_t_rdx, c->rdx);
		set_reg(g->vpsid, bf_reg_t_rsi, c->rsi);
		set_reg(g->vpsid, bf_reg_t_rdi, c->rdi);
		set_reg(g->vpsid, bf_reg_t_rcx, c->rcx);
		set_reg(g->vpsid, bf_reg_t_rip, S(6) + c->off);
		expect_run(g, mv_vp_exit_t_fault,
			   fault(MV_VP_FAULT_IO, c->port | ((uint64_t)c->size << 16) |
							 ((uint64_t)c->in << 24)),
			   what);
		const struct hv_exit *e = last_exit();
		CHECK_EQ(e->type, HV_EXIT_IO, what);
		CHECK_EQ(e->rip, S(6) + c->off, what);
		CHECK_EQ(e->insn_len, c->len, what);
		CHECK_EQ(e->u.io.port, c->port, what);
		CHECK_EQ(e->u.io.size, c->size, what);
		CHECK_EQ(e->u.io.in, c->in, what);
		CHECK_EQ(e->u.io.string, c->string, what);
		CHECK_EQ(e->u.io.rep, c->rep, what);
		CHECK_EQ(e->u.io.value, c->value, what);
		/* Nothing executed: registers and memory untouched. */
		CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(6) + c->off, what);
		CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rax), c->rax, what);
		CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rcx), c->rcx, what);
		CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rsi), c->rsi, what);
		CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rdi), c->rdi, what);
	}
	uint32_t ins_target;
	memcpy(&ins_target, g_mem + VM1_SPA + G_DATA + 0x100, 4);
	CHECK_EQ(ins_target, 0, "INSD wrote nothing");
	CHECK(platform_stop_reason() == SIM_STOP_NONE && platform_debug_exit_code() < 0,
	      "a guest OUT to 0xF4 reached the platform");

	/* The suspend port */
	set_reg(g->vpsid, bf_reg_t_rip, S(6) + 0x60);
	expect_run(g, mv_vp_exit_t_suspend, 5, "OUT 0x604 SLP_EN");
	CHECK_EQ(last_exit()->u.io.port, 0x604, "suspend port");
	CHECK_EQ(last_exit()->u.io.value, 0x3400, "suspend value");
	CHECK_EQ(last_exit()->insn_len, 2, "suspend OUT length");
	expect_run(g, mv_vp_exit_t_hlt, 0, "after suspend");
	CHECK_EQ(last_exit()->rip, S(6) + 0x6B, "HLT rip");
}

static void test_slice(const struct guest *g)
{
	uint64_t saved = g_cfg.slice_insns;

	g_cfg.slice_insns = 1000;
	set_reg(g->vpsid, bf_reg_t_rax, 0);
	set_reg(g->vpsid, bf_reg_t_rip, S(7));
	expect_run(g, mv_vp_exit_t_external_interrupt, 0, "slice of 1000");
	CHECK_EQ(last_exit()->type, HV_EXIT_PREEMPT, "exit type");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rax), 500, "INCs in 1000 instructions");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(7), "RIP after 1000 instructions");
	g_cfg.slice_insns = 1001;
	expect_run(g, mv_vp_exit_t_external_interrupt, 0, "slice of 1001");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rax), 1001, "INCs after 2001 instructions");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(7) + 3, "RIP after 2001 instructions");

	g_cfg.slice_insns = saved;
	set_reg(g->vpsid, bf_reg_t_rax, 0);
	set_reg(g->vpsid, bf_reg_t_rip, S(7));
	expect_run(g, mv_vp_exit_t_external_interrupt, 0, "default slice");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rax), SIM_GUEST_SLICE_INSNS / 2,
		 "INCs in the default slice");
}

static void test_irq(const struct guest *g)
{
	uint64_t qirq = VPS_OP(MV_VPS_OP_QUEUE_IRQ_IDX_VAL);

	set_reg(g->vpsid, bf_reg_t_rip, S(9));
	expect_run(g, mv_vp_exit_t_hlt, 0, "IRQ: first HLT");
	hc_ok("queue_irq", qirq, g->vpsid, 0x40, 0, 0, 0);
	expect_run(g, mv_vp_exit_t_yield, 0, "IRQ: waits for STI, then HLT with IF=1");
	hc_ok("queue_irq", qirq, g->vpsid, 0x40, 0, 0, 0);
	expect_run(g, mv_vp_exit_t_hlt, 0, "IRQ: delivered at entry");
	hc_ok("queue_irq", qirq, g->vpsid, 0x40, 0, 0, 0);
	expect_run(g, mv_vp_exit_t_hlt, 0, "IRQ: STI; HLT");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_r12), 0x7F, "guest's IRQ checks (bits)");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_r14), 3, "IRQs delivered");
}

static uint64_t rd64(uint64_t spa)
{
	uint64_t v;
	memcpy(&v, g_mem + spa, 8);
	return v;
}

/* Run root code at ROOT_CODE: `mov eax, [gpa]; hlt`. */
static struct hv_exit root_touch(uint32_t gpa)
{
	uint8_t code[] = { 0x8B, 0x04, 0x25, 0, 0, 0, 0, 0xF4 };
	struct hv_exit e;
	memcpy(code + 3, &gpa, 4);
	memcpy(g_mem + ROOT_CODE, code, sizeof(code));
	arch_vps_set_reg(root, bf_reg_t_rip, ROOT_CODE);
	arch_vps_run(root, &e);
	return e;
}

static void test_slpt(const struct guest *g, const struct guest *g2, const struct guest *other)
{
	/* unmapped GPA */
	set_reg(g->vpsid, bf_reg_t_rip, S(8));
	expect_run(g, mv_vp_exit_t_fault, fault(MV_VP_FAULT_SLPT, 0x200010), "read of an unmapped GPA");
	const struct hv_exit *e = last_exit();
	CHECK_EQ(e->type, HV_EXIT_SLPT_VIOLATION, "exit type");
	CHECK_EQ(e->rip, S(8), "rip");
	CHECK_EQ(e->u.slpt.gpa, 0x200010, "gpa");
	CHECK_EQ(e->u.slpt.access, HV_ACCESS_READ, "access");
	CHECK_EQ(e->u.slpt.present, 0, "present");
	CHECK_EQ(get_reg(g->vpsid, bf_reg_t_rip), S(8), "RIP stays at the faulting insn");

	/* Both VPSs of VM 1 and VM 2 write page 0x30000; then VM 1 makes it
	 * read-only: every VPS of VM 1 faults at its next run, VM 2 does not. */
	const struct guest *all[3] = { g, g2, other };
	for (int i = 0; i < 3; i++) {
		set_reg(all[i]->vpsid, bf_reg_t_rbx, 0x100 + i);
		set_reg(all[i]->vpsid, bf_reg_t_rip, S(8) + 0x40);
		expect_run(all[i], mv_vp_exit_t_hlt, 0, "write to a RW page");
	}
	CHECK_EQ(rd64(VM1_SPA + G_DATA + 8), 0x101, "VM 1 page written");
	CHECK_EQ(rd64(VM2_SPA + G_DATA + 8), 0x102, "VM 2 page written");
	CHECK_EQ(mdl_op(MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, g->vmid, VM1_SPA + G_DATA, G_DATA,
			0x1000, MV_GPA_FLAG_READ_ACCESS),
		 MV_STATUS_SUCCESS, "set_gpa_flags read-only");
	for (int i = 0; i < 2; i++) {
		set_reg(all[i]->vpsid, bf_reg_t_rip, S(8) + 0x10);
		expect_run(all[i], mv_vp_exit_t_fault, fault(MV_VP_FAULT_SLPT, G_DATA + 8),
			   "write to a read-only page");
		e = last_exit();
		CHECK_EQ(e->rip, S(8) + 0x10, "rip");
		CHECK_EQ(e->u.slpt.access, HV_ACCESS_WRITE, "access");
		CHECK_EQ(e->u.slpt.present, 1, "present");
	}
	set_reg(other->vpsid, bf_reg_t_rip, S(8) + 0x10);
	expect_run(other, mv_vp_exit_t_hlt, 0, "VM 2 unaffected");
	CHECK_EQ(mdl_op(MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, g->vmid, VM1_SPA + G_DATA, G_DATA,
			0x1000, FLAGS_RWX),
		 MV_STATUS_SUCCESS, "set_gpa_flags RWX");
	for (int i = 0; i < 2; i++)
		expect_run(all[i], mv_vp_exit_t_hlt, 0, "write again after RWX");
	CHECK_EQ(rd64(VM1_SPA + G_DATA + 8), 1, "VM 1 page written by the re-executed MOV");

	/* execute of a non-executable page, then allowed */
	g_mem[VM1_SPA + G_NX] = 0xFA; /* cli */
	g_mem[VM1_SPA + G_NX + 1] = 0xF4; /* hlt */
	CHECK_EQ(mdl_op(MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, g->vmid, VM1_SPA + G_NX, G_NX, 0x1000,
			MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS),
		 MV_STATUS_SUCCESS, "set_gpa_flags RW");
	set_reg(g->vpsid, bf_reg_t_rax, G_NX);
	set_reg(g->vpsid, bf_reg_t_rip, S(8) + 0x20);
	expect_run(g, mv_vp_exit_t_fault, fault(MV_VP_FAULT_SLPT, G_NX), "execute of a RW page");
	e = last_exit();
	CHECK_EQ(e->rip, G_NX, "rip");
	CHECK_EQ(e->u.slpt.access, HV_ACCESS_EXEC, "access");
	CHECK_EQ(e->u.slpt.present, 1, "present");
	CHECK_EQ(mdl_op(MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, g->vmid, VM1_SPA + G_NX, G_NX, 0x1000,
			FLAGS_RWX),
		 MV_STATUS_SUCCESS, "set_gpa_flags RWX");
	expect_run(g, mv_vp_exit_t_hlt, 0, "execute after RWX");
	CHECK_EQ(last_exit()->rip, G_NX + 1, "HLT rip");

	/* The root no longer sees a page it donated; gets it back on unmap. */
	e = last_exit();
	struct hv_exit r = root_touch((uint32_t)(VM1_SPA + G_DATA));
	CHECK_EQ(r.type, HV_EXIT_SLPT_VIOLATION, "root touching a donated page");
	CHECK_EQ(r.u.slpt.gpa, VM1_SPA + G_DATA, "gpa");
	CHECK_EQ(r.u.slpt.access, HV_ACCESS_READ, "access");
	CHECK_EQ(r.u.slpt.present, 0, "present");
	CHECK_EQ(r.rip, ROOT_CODE, "rip");
	CHECK_EQ(mdl_op(MV_VM_OP_UNMAP_MDL_IDX_VAL, g->vmid, VM1_SPA + G_DATA, G_DATA, 0x1000, 0),
		 MV_STATUS_SUCCESS, "unmap_mdl (donate back)");
	r = root_touch((uint32_t)(VM1_SPA + G_DATA));
	CHECK_EQ(r.type, HV_EXIT_HLT, "root reads its page again");
	CHECK_EQ(arch_vps_get_reg(root, bf_reg_t_rax) & 0xFFFFFFFF, 0x5A, "root sees the guest's data");
	for (int i = 0; i < 2; i++) {
		set_reg(all[i]->vpsid, bf_reg_t_rip, S(8) + 0x40);
		expect_run(all[i], mv_vp_exit_t_fault, fault(MV_VP_FAULT_SLPT, G_DATA + 8),
			   "guest write after the page went back");
		CHECK_EQ(last_exit()->u.slpt.present, 0, "present");
	}

	/* Triple fault: #UD with the IDT limit 0 of set_identity_map. */
	struct guest fresh = new_vp(g->vmid);
	set_reg(fresh.vpsid, bf_reg_t_rip, S(8) + 0x30);
	expect_run(&fresh, mv_vp_exit_t_fault, fault(MV_VP_FAULT_TRIPLE, 0), "UD2 without an IDT");
	CHECK_EQ(last_exit()->type, HV_EXIT_TRIPLE_FAULT, "exit type");
	CHECK_EQ(last_exit()->rip, S(8) + 0x30, "rip");
}

static void test_root_before_donation(void)
{
	/* The root reads the page (its TLB holds it) before donating it. */
	struct hv_exit r = root_touch((uint32_t)(VM1_SPA + G_DATA));
	CHECK_EQ(r.type, HV_EXIT_HLT, "root reads its own page");
}

/* The root's engine honors the kick (E-50, unicorn/kick.c): a kicked PP's
 * root run ends before its next instruction, as the end of a slice does;
 * without a kick, the same code runs a whole slice. */
static void test_root_kick(void)
{
	static const uint8_t loop[] = { 0x48, 0xFF, 0xC0, 0xEB, 0xFB }; /* 1: inc rax; jmp 1b */
	struct hv_exit e;

	/* A page of its own: the engine keeps its translation of root_touch's. */
	memcpy(g_mem + ROOT_KICK_CODE, loop, sizeof(loop));
	arch_vps_set_reg(root, bf_reg_t_rax, 0);
	arch_vps_set_reg(root, bf_reg_t_rip, ROOT_KICK_CODE);
	arch_pp_kick(0);
	arch_vps_run(root, &e);
	CHECK_EQ(e.type, HV_EXIT_PREEMPT, "kicked root run ends as a slice does");
	CHECK_EQ(arch_vps_get_reg(root, bf_reg_t_rax), 0, "kicked root run: no instruction ran");
	CHECK_EQ(e.rip, ROOT_KICK_CODE, "kicked root run: RIP at the loop");
	arch_vps_run(root, &e);
	CHECK(arch_vps_get_reg(root, bf_reg_t_rax) > 1000, "unkicked root run: a slice of the loop "
	      "ran (rax %llu, exit %d at 0x%llx)", (unsigned long long)arch_vps_get_reg(root, bf_reg_t_rax),
	      (int)e.type, (unsigned long long)e.rip);
}

/* The root's RDMSR that its MSR policy does not pass (EFER: emulated) exits
 * before it runs, also at an address where the code hook's per-RIP cache
 * (unicorn/icache.c) knew another instruction of the same size: the bytes
 * in memory are compared at every use.  The engine still holds its
 * translation of the old bytes (written here behind its back), as a guest's
 * engine does of code the root writes. */
static void test_root_msr_rewritten(void)
{
	static const uint8_t plain[] = { 0x31, 0xC0, 0xF4 }; /* xor eax, eax; hlt */
	static const uint8_t rdmsr[] = { 0x0F, 0x32, 0xF4 }; /* rdmsr; hlt */
	struct hv_exit e;

	memcpy(g_mem + ROOT_MSR_CODE, plain, sizeof(plain));
	arch_vps_set_reg(root, bf_reg_t_rip, ROOT_MSR_CODE);
	arch_vps_run(root, &e);
	CHECK_EQ(e.type, HV_EXIT_HLT, "root runs xor; hlt");
	memcpy(g_mem + ROOT_MSR_CODE, rdmsr, sizeof(rdmsr));
	arch_vps_set_reg(root, bf_reg_t_rcx, 0xC0000080);
	arch_vps_set_reg(root, bf_reg_t_rip, ROOT_MSR_CODE);
	arch_vps_run(root, &e);
	CHECK_EQ(e.type, HV_EXIT_MSR, "the RDMSR written over it exits");
	CHECK_EQ(e.rip, ROOT_MSR_CODE, "RDMSR exit: RIP at it");
	CHECK_EQ(e.u.msr.index, 0xC0000080, "RDMSR exit: EFER");
	CHECK_EQ(e.u.msr.write, 0, "RDMSR exit: a read");
}

/* ---- boot -------------------------------------------------------------------- */

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	void *p = malloc(*len);
	if (!p || fread(p, 1, *len, f) != *len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	return p;
}

static void root_long_mode(void)
{
	/* Identity map of the first GiB for the root (2 MiB pages). */
	uint64_t *pml4 = (uint64_t *)(g_mem + ROOT_PT), *pdpt = pml4 + 512, *pd = pml4 + 1024;
	memset(pml4, 0, 3 * 4096);
	pml4[0] = (ROOT_PT + 0x1000) | 3;
	pdpt[0] = (ROOT_PT + 0x2000) | 3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
	static const struct {
		enum bf_reg_t r;
		uint64_t v;
	} st[] = {
		{ bf_reg_t_cr0, 0x80010033 }, { bf_reg_t_cr4, 0x6A0 }, { bf_reg_t_efer, 0x500 },
		{ bf_reg_t_cr3, ROOT_PT }, { bf_reg_t_rflags, 2 }, { bf_reg_t_cs, 8 },
		{ bf_reg_t_cs_base, 0 }, { bf_reg_t_cs_limit, 0xFFFFFFFF }, { bf_reg_t_cs_attrib, 0xA09B },
		{ bf_reg_t_ss, 0x10 }, { bf_reg_t_ss_base, 0 }, { bf_reg_t_ss_limit, 0xFFFFFFFF },
		{ bf_reg_t_ss_attrib, 0xC093 }, { bf_reg_t_ds, 0x10 }, { bf_reg_t_ds_base, 0 },
		{ bf_reg_t_ds_limit, 0xFFFFFFFF }, { bf_reg_t_ds_attrib, 0xC093 },
		{ bf_reg_t_rsp, ROOT_CODE + 0x1000 },
	};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		arch_vps_set_reg(root, st[i].r, st[i].v);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s ROOT.elf vmguest.bin\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	g_mem_size = MEM_MIB * MIB;
	g_mem = mmap(NULL, g_mem_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g_mem == MAP_FAILED)
		return 2;
	platform_init();
	diag_init();
	if (emu_init()) {
		printf("FAIL: emu_init\n");
		return 1;
	}

	size_t elf_len, img_len;
	void *elf = slurp(argv[1], &elf_len);
	uint8_t *img = slurp(argv[2], &img_len);
	if (img_len > 0x2000) {
		fprintf(stderr, "vmguest.bin too large\n");
		return 2;
	}
	static struct hv_boot_info bi;
	uint64_t hv_base = g_mem_size - 16 * MIB;
	memcpy(g_mem + 64 * MIB, elf, elf_len);
	bi.num_pps = 1;
	bi.ram[0] = (struct hv_mem_range){ 0, g_mem_size };
	bi.num_ram = 1;
	bi.reserved[0] = (struct hv_mem_range){ hv_base, 16 * MIB };
	bi.num_reserved = 1;
	bi.pool = bi.reserved[0];
	bi.root_cmdline = "";
	bi.backend = "sim-intel";
	bi.modules[0] = (struct hv_module){ .spa = 64 * MIB, .len = elf_len, .cmdline = "" };
	bi.num_modules = 1;
	machine_set_pp_id(0);
	if (core_init(&bi) || core_pp_init(0)) {
		printf("FAIL: core_init\n");
		return 1;
	}
	pp = pp_this();
	root = pp->root_vps;
	root_long_mode();

	struct hc_ret r = hc(MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, MV_SPEC_ID1_VAL, 0,
			     0, 0, 0, 0);
	CHECK_EQ(r.status, MV_STATUS_SUCCESS, "open_handle");
	handle = r.r10;

	test_root_before_donation();
	test_root_kick();
	test_root_msr_rewritten();
	struct guest g = new_vm(VM1_SPA, img, img_len);
	struct guest g2 = new_vp(g.vmid);
	struct guest other = new_vm(VM2_SPA, img, img_len);

	test_hlt(&g);
	test_smc(&g);
	test_pause(&g);
	test_msr(&g);
	test_io(&g);
	test_slice(&g);
	test_irq(&g2);
	test_slpt(&g, &g2, &other);

	printf("%s: %d checks, %d failed\n", failures ? "FAIL" : "PASS", checks, failures);
	return failures ? 1 : 0;
}
