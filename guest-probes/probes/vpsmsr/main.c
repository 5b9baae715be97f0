/*
 * vpsmsr: where a backend keeps a guest VPS's state, the root and the guest
 * see the same value.
 *   - MSRs a VPS keeps in the processor's guest state (VMX: VMCS guest-state
 *     fields; SVM: the VMCB): SYSENTER_CS/ESP/EIP, FS_BASE, GS_BASE; and
 *     those VMX switches lazily (in the processor while the VPS owns the
 *     PP: STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE).  The root's set_msr
 *     is what the guest's RDMSR reads (reads of these pass through), and
 *     the guest's WRMSR is what the root's get_msr reads.
 *   - DR6 (kept outside the VMCS on VMX): set_reg, get_reg.
 *   - CR8, the TPR (SVM: V_TPR, VMX: the virtual TPR; mvsim keeps it
 *     itself, Unicorn has no local APIC): set_reg, get_reg, the guest's
 *     MOV from CR8 reads the root's value and its MOV to CR8 is what
 *     get_reg reads (a snippet the agent calls, G_EXEC).
 *   - a page shared with each cache type (WB, UC, UC-, WC, WC+, WT, WP:
 *     the EPT/NPT memory type): the guest reads what the root wrote.
 */
#include "vmm.h"

PROBE_TITLE("a guest VPS's SYSENTER/FS/GS MSRs, DR6, CR8 and cache types: root and guest agree");

#define OP(idx) EXP_HC_VPS(idx)
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_SFMASK 0xC0000084u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSRS "mv_vps_op_set_msr,mv_vps_op_get_msr,mv_vp_run_vp"

static struct guest g;

static uint64_t msr_op(uint64_t idx, uint32_t msr, uint64_t val, uint64_t *out)
{
	struct hc_regs r;
	uint64_t st = hc_call(OP(idx), HC_LOAD(&r, vmm_handle, g.vpsid, msr, val, 0));
	if (out)
		*out = r.r[0];
	return st;
}

/* Runs one agent command that ends with HLT; res[0], or ~0 after a failed check. */
static uint64_t agent(const char *id, uint64_t cmd, const uint64_t *args, unsigned n)
{
	uint64_t r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run(&g, cmd, args, n, &r, &a);
	if (st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT)
		return g.mb->res[0];
	check_tok(id, "mv_vp_run_vp,mv_vp_exit_t_hlt", "hlt", st != EXP_STATUS_SUCCESS ?
		  vmm_status_name(st) : rt_fmt("%s-0x%llx", vmm_exit_name(r), (unsigned long long)a),
		  false, "the guest's run ends with the agent's HLT");
	vmm_guest_reset(&g);
	return ~0ull;
}

static void msr_round_trip(const char *name, uint32_t msr, uint64_t from_root, uint64_t from_guest)
{
	uint64_t v = ~0ull;

	vmm_check_st(rt_fmt("%s-set", name), "mv_vps_op_set_msr", EXP_STATUS_SUCCESS,
		     msr_op(EXP_IDX_SET_MSR, msr, from_root, NULL), "set_msr %s = 0x%llx", name,
		     (unsigned long long)from_root);
	uint64_t st = msr_op(EXP_IDX_GET_MSR, msr, 0, &v);
	check_eq(rt_fmt("%s-get", name), MSRS, from_root, st == EXP_STATUS_SUCCESS ? v : ~st,
		 "get_msr %s reads the value set", name);
	check_eq(rt_fmt("%s-guest-rdmsr", name), MSRS, from_root,
		 agent(rt_fmt("%s-guest-rdmsr", name), G_RDMSR, (uint64_t[]){ msr }, 1),
		 "the guest's RDMSR %s reads the root's value", name);
	agent(rt_fmt("%s-guest-wrmsr", name), G_WRMSR, (uint64_t[]){ msr, from_guest }, 2);
	st = msr_op(EXP_IDX_GET_MSR, msr, 0, &v);
	check_eq(rt_fmt("%s-guest-wrmsr", name), MSRS, from_guest, st == EXP_STATUS_SUCCESS ? v : ~st,
		 "after the guest's WRMSR %s = 0x%llx, get_msr reads it", name,
		 (unsigned long long)from_guest);
}

/* A 32-bit MSR at its edge: 0xFFFFFFFF is accepted, bit 32 is refused with
 * PARAMS3 and leaves the value as it was. */
static void msr_32bit_edge(const char *name, uint32_t msr)
{
	uint64_t v = ~0ull, st;

	vmm_check_st(rt_fmt("%s-set-u32-max", name), "mv_vps_op_set_msr", EXP_STATUS_SUCCESS,
		     msr_op(EXP_IDX_SET_MSR, msr, 0xFFFFFFFFull, NULL),
		     "set_msr %s = 0xFFFFFFFF (the largest value of a 32-bit MSR)", name);
	vmm_check_st(rt_fmt("%s-set-bit32", name), "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		     msr_op(EXP_IDX_SET_MSR, msr, 1ull << 32, NULL),
		     "set_msr %s = 0x100000000 (bit 32: past a 32-bit MSR)", name);
	st = msr_op(EXP_IDX_GET_MSR, msr, 0, &v);
	check_eq(rt_fmt("%s-get-u32-max", name), MSRS, 0xFFFFFFFFull, st == EXP_STATUS_SUCCESS ? v : ~st,
		 "get_msr %s reads 0xFFFFFFFF: the refused call changed nothing", name);
}

static void reg_round_trip(const char *name, uint64_t reg, uint64_t val)
{
	uint64_t v = ~0ull;

	vmm_check_st(rt_fmt("%s-set", name), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		     vmm_vps_set_reg(g.vpsid, reg, val), "set_reg %s = 0x%llx", name,
		     (unsigned long long)val);
	uint64_t st = vmm_vps_get_reg(g.vpsid, reg, &v);
	check_eq(rt_fmt("%s-get", name), "mv_vps_op_set_reg,mv_vps_op_get_reg", val,
		 st == EXP_STATUS_SUCCESS ? v : ~st, "get_reg %s reads the value set", name);
}

/* mov %cr8,%rax; movabs %rax,SLOT; mov $9,%eax; mov %rax,%cr8; ret */
#define CR8_GPA (GUEST_SCRATCH_GPA + 0x10000)
#define CR8_SLOT 0x800 /* the snippet's page offset where it stores CR8 */
#define CR8_FROM_GUEST 9
static const uint8_t cr8_snippet[] = {
	0x44, 0x0F, 0x20, 0xC0,
	0x48, 0xA3, 0x00, 0x08, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, /* CR8_GPA + CR8_SLOT */
	0xB8, CR8_FROM_GUEST, 0x00, 0x00, 0x00,
	0x44, 0x0F, 0x22, 0xC0,
	0xC3,
};

/* CR8 (the TPR): the root's set_reg is what get_reg and the guest's MOV
 * from CR8 read; the guest's MOV to CR8 is what get_reg reads after. */
static void cr8_round_trip(void)
{
	uint64_t p = vmm_alloc(1), v = ~0ull;
	volatile uint8_t *page = vmm_gpa_ptr(p);

	reg_round_trip("cr8", EXP_REG_CR8, 5);
	for (unsigned i = 0; i < 0x1000; i++)
		page[i] = i < sizeof(cr8_snippet) ? cr8_snippet[i] : 0;
	*(volatile uint64_t *)(page + CR8_SLOT) = ~0ull;
	if (!vmm_check_st("cr8-snippet-map", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
			  vmm_map_range(g.vmid, p, CR8_GPA, 0x1000,
					EXP_GPA_RW | EXP_GPA_FLAG_EXECUTE_ACCESS),
			  "share the CR8 snippet's page with the guest (RWX)"))
		return;
	agent("cr8-guest-mov", G_EXEC, (uint64_t[]){ CR8_GPA }, 1);
	check_eq("cr8-guest-mov-from", "mv_vps_op_set_reg,mv_vp_run_vp", 5,
		 *(volatile uint64_t *)(page + CR8_SLOT),
		 "the guest's MOV from CR8 reads the 5 the root set");
	uint64_t st = vmm_vps_get_reg(g.vpsid, EXP_REG_CR8, &v);
	check_eq("cr8-guest-mov-to", "mv_vps_op_get_reg,mv_vp_run_vp", CR8_FROM_GUEST,
		 st == EXP_STATUS_SUCCESS ? v : ~st,
		 "after the guest's MOV to CR8 of %u, get_reg reads it", CR8_FROM_GUEST);
	vmm_vps_set_reg(g.vpsid, EXP_REG_CR8, 0);
}

static void cache_types(void)
{
	static const struct { const char *name; uint64_t flag; } types[] = {
		{ "wb", EXP_GPA_FLAG_WRITE_BACK },
		{ "uc", EXP_GPA_FLAG_UNCACHEABLE },
		{ "uc-minus", EXP_GPA_FLAG_UNCACHEABLE_MINUS },
		{ "wc", EXP_GPA_FLAG_WRITE_COMBINING },
		{ "wc-plus", EXP_GPA_FLAG_WRITE_COMBINING_PLUS },
		{ "wt", EXP_GPA_FLAG_WRITE_THROUGH },
		{ "wp", EXP_GPA_FLAG_WRITE_PROTECTED },
	};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint64_t p = vmm_alloc(1);
		uint64_t gpa = GUEST_SCRATCH_GPA + (uint64_t)i * 0x1000;
		uint64_t pattern = 0x5A5A000000000000ull | ((uint64_t)i << 32) | 0xC0FFEEull;
		*(volatile uint64_t *)vmm_gpa_ptr(p) = pattern;
		const char *id = rt_fmt("cache-%s", types[i].name);
		if (!vmm_check_st(rt_fmt("%s-map", id), "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
				  vmm_map_range(g.vmid, p, gpa, 0x1000, EXP_GPA_RW | types[i].flag),
				  "share a page RW with cache type %s", types[i].name))
			continue;
		check_eq(rt_fmt("%s-read", id), "mv_vm_op_map_mdl,mv_vp_run_vp", pattern,
			 agent(rt_fmt("%s-read", id), G_READ, (uint64_t[]){ gpa }, 1),
			 "the guest reads what the root wrote through the %s mapping", types[i].name);
	}
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "msr guest");

	msr_round_trip("sysenter-cs", MSR_SYSENTER_CS, 0x10, 0x23);
	msr_round_trip("sysenter-esp", MSR_SYSENTER_ESP, 0xFFFF800000001000ull, 0x0000700000002000ull);
	msr_round_trip("sysenter-eip", MSR_SYSENTER_EIP, 0xFFFFFFFF81000000ull, 0x0000000000401000ull);
	msr_round_trip("fs-base", MSR_FS_BASE, 0x00007F0000001000ull, 0xFFFF888000003000ull);
	msr_round_trip("gs-base", MSR_GS_BASE, 0xFFFF888000004000ull, 0x00007F0000005000ull);
	msr_round_trip("star", MSR_STAR, 0x0023001000000000ull, 0x001B000800000000ull);
	msr_round_trip("lstar", MSR_LSTAR, 0xFFFFFFFF81600000ull, 0xFFFFFFFF81700000ull);
	msr_round_trip("cstar", MSR_CSTAR, 0xFFFFFFFF81800000ull, 0xFFFFFFFF81900000ull);
	msr_round_trip("sfmask", MSR_SFMASK, 0x47700, 0x00300);
	msr_round_trip("kernel-gs-base", MSR_KERNEL_GS_BASE, 0xFFFF888000006000ull,
		       0xFFFF888000007000ull);

	msr_32bit_edge("sfmask", MSR_SFMASK);

	reg_round_trip("dr6", EXP_REG_DR6, 0xFFFF4FF1ull);
	cr8_round_trip();

	cache_types();

	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
