/*
 * vps: every VPS hypercall of docs/vps-abi.md (E-09), a success case and a
 * negative case per parameter, round trips through get/set pairs, and the
 * guest (the agent, module guest-agent.elf) seeing what set_cpuid, set_fpu
 * and queue_irq gave it.
 */
#include "vmm.h"

PROBE_TITLE("VPS hypercalls: every op, success and each bad parameter, round trips");

#define OP(idx) EXP_HC_VPS(idx)
#define FX_MXCSR 24
#define FX_MXCSR_MASK 28
#define FX_XMM0 160
#define FX_XMM1 176
#define XS_BV 512
#define XS_COMP 520
#define MXCSR_BIT16 0x10000u
#define CPUID1_ECX_VMX (1ull << 5)
#define CPUID81_ECX_SVM (1ull << 2)
#define PTE_P_RW 0x3ull
#define PTE_PS (1ull << 7)
#define GIB (1ull << 30)

static struct guest g;
/* A VPS of its own VM for register and MSR tampering (the guest's stay intact). */
static uint64_t sv_vm, sv_vp, sv;

static uint64_t vps(uint64_t idx, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		    struct hc_regs *o)
{
	struct hc_regs r;
	uint64_t st = hc_call(OP(idx), HC_LOAD(&r, vmm_handle, r1, r2, r3, r4));

	if (o)
		*o = r;
	return st;
}

static uint64_t rd(uint64_t gpa)
{
	return *(volatile uint64_t *)vmm_gpa_ptr(gpa);
}

static void wr(uint64_t gpa, uint64_t v)
{
	*(volatile uint64_t *)vmm_gpa_ptr(gpa) = v;
}

static uint32_t rd32(uint64_t gpa)
{
	return *(volatile uint32_t *)vmm_gpa_ptr(gpa);
}

static void wr32(uint64_t gpa, uint32_t v)
{
	*(volatile uint32_t *)vmm_gpa_ptr(gpa) = v;
}

/* Negative VPSID cases for an op taking REG1 = VPSID. */
static void bad_vpsid(const char *name, uint64_t idx, uint64_t r2, uint64_t r3)
{
	struct hc_regs o;

	vmm_check_st(rt_fmt("%s-root-vpsid", name), rt_fmt("mv_vps_op_%s", name),
		 EXP_STATUS_INVALID_PARAMS1, vps(idx, 0, r2, r3, 0, &o),
		 "%s on the root VPS (VPSID 0) is refused: root VPSs are not guest VPSs", name);
	vmm_check_st(rt_fmt("%s-bad-vpsid", name), rt_fmt("mv_vps_op_%s", name),
		 EXP_STATUS_INVALID_PARAMS1, vps(idx, EXP_INVALID_ID, r2, r3, 0, &o),
		 "%s on VPSID 0xFFFF (no such VPS)", name);
}

static void test_create_destroy(uint64_t root_vps)
{
	uint64_t st, vm, vp, id, ids[EXP_MAX_VPSS + 1];
	unsigned n;

	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS || vmm_vp_create(vm, &vp) != EXP_STATUS_SUCCESS)
		probe_error("cannot create a VM and VP for the VPS tests");
	st = vmm_vps_create(vp, &id);
	vmm_check_st("create", "mv_vps_op_create_vps", EXP_STATUS_SUCCESS, st, "create_vps on a guest VP");
	check_tok("create-vpsid", "mv_vps_op_create_vps", "not-root-16bit", rt_hex(id),
		  id >= root_vps && id < EXP_INVALID_ID, "the VPSID is not a root VPS's");
	vmm_check_st("create-root-vp", "mv_vps_op_create_vps", EXP_STATUS_INVALID_PARAMS1,
		 vmm_vps_create(EXP_ROOT_VPID, 0), "create_vps on a root VP");
	vmm_check_st("create-bad-vp", "mv_vps_op_create_vps", EXP_STATUS_INVALID_PARAMS1,
		 vmm_vps_create(EXP_INVALID_ID, 0), "create_vps on VPID 0xFFFF");
	vmm_check_st("destroy", "mv_vps_op_destroy_vps", EXP_STATUS_SUCCESS, vmm_vps_destroy(id),
		 "destroy_vps");
	vmm_check_st("destroy-twice", "mv_vps_op_destroy_vps", EXP_STATUS_INVALID_PARAMS1,
		 vmm_vps_destroy(id), "destroy_vps of a destroyed VPS");
	vmm_check_st("destroy-root-vps", "mv_vps_op_destroy_vps", EXP_STATUS_INVALID_PARAMS1,
		 vmm_vps_destroy(0), "destroy_vps of the root VPS 0 (E-16)");
	vmm_check_st("destroy-bad", "mv_vps_op_destroy_vps", EXP_STATUS_INVALID_PARAMS1,
		 vmm_vps_destroy(EXP_INVALID_ID), "destroy_vps of VPSID 0xFFFF");
	vmm_check_st("create-revi", "mv_vps_op_create_vps", EXP_STATUS_SUCCESS,
		 vmm_vps_create(0x55550000ull | vp, &id), "create_vps ignores REG1[63:16] (REVI)");
	vmm_check_st("destroy-revi", "mv_vps_op_destroy_vps", EXP_STATUS_SUCCESS,
		 vmm_vps_destroy(0x55550000ull | id), "destroy_vps ignores REG1[63:16] (REVI)");

	/* 64 VPSs with the root's; the guest agent has one. */
	for (n = 0; n < EXP_MAX_VPSS + 1; n++)
		if ((st = vmm_vps_create(vp, &ids[n])) != EXP_STATUS_SUCCESS)
			break;
	check_eq("exhaust-count", "mv_vps_op_create_vps,MV_STATUS_SUCCESS",
		 EXP_MAX_VPSS - root_vps - 1, n,
		 "create_vps succeeds 64 - %llu (root VPSs + the agent's + a scratch one) times",
		 (unsigned long long)root_vps);
	vmm_check_st("exhaust-refused", "mv_vps_op_create_vps", EXP_STATUS_INVALID_PERM_DENIED, st,
		 "then create_vps is refused (E-15)");
	for (unsigned i = 0; i < n; i++)
		vmm_vps_destroy(ids[i]);
	vmm_vp_destroy(vp);
	vmm_vm_destroy(vm);
}

static void test_cpuid(void)
{
	struct hc_regs o;
	uint64_t st, r, a;
	const uint64_t leaf = 0x80000002ull; /* brand string, subleaf 0 */
	const uint64_t eax = 0x5072764Dull, ebx = 0x2065626Full, ecx = 0x6E697473ull,
		       edx = 0x00216E67ull;

	st = vps(EXP_IDX_GET_CPUID, g.vpsid, EXP_CPUID_XX00, 0, 0, &o);
	vmm_check_st("get-cpuid", "mv_vps_op_get_cpuid", EXP_STATUS_SUCCESS, st, "get_cpuid 0x40000200");
	check_eq("get-cpuid-ebx", "mv_vps_op_get_cpuid,CPUID_4000_XX00_EBX",
		 EXP_CPUID_VENDOR_ID1_VAL,
		 o.r[1], "REG1 = EBX as the VPS would see it: the MicroV signature");
	check_eq("get-cpuid-ecx", "mv_vps_op_get_cpuid,CPUID_4000_XX00_ECX",
		 EXP_CPUID_VENDOR_ID2_VAL,
		 o.r[2], "REG2 = ECX: 'croV'");
	bad_vpsid("get_cpuid", EXP_IDX_GET_CPUID, 0, 0);

	st = vps(EXP_IDX_SET_CPUID, g.vpsid, leaf, (ebx << 32) | eax, (edx << 32) | ecx, &o);
	vmm_check_st("set-cpuid", "mv_vps_op_set_cpuid", EXP_STATUS_SUCCESS, st,
		 "set_cpuid leaf 0x80000002 (REG3 = EBX:EAX, REG4 = EDX:ECX)");
	st = vps(EXP_IDX_GET_CPUID, g.vpsid, leaf, 0, 0, &o);
	check_eq("set-get-cpuid", "mv_vps_op_set_cpuid,mv_vps_op_get_cpuid", eax ^ ebx ^ ecx ^ edx,
		 st == EXP_STATUS_SUCCESS && o.r[0] == eax && o.r[1] == ebx && o.r[2] == ecx &&
				 o.r[3] == edx ? eax ^ ebx ^ ecx ^ edx : ~0ull,
		 "get_cpuid returns the four values set (got %llx %llx %llx %llx)",
		 (unsigned long long)o.r[0], (unsigned long long)o.r[1],
		 (unsigned long long)o.r[2], (unsigned long long)o.r[3]);
	st = vmm_guest_run(&g, G_CPUID, (uint64_t[]){ leaf, 0 }, 2, &r, &a);
	check_eq("set-cpuid-guest", "mv_vps_op_set_cpuid", eax ^ ebx ^ ecx ^ edx,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT && g.mb->res[0] == eax &&
				 g.mb->res[1] == ebx && g.mb->res[2] == ecx && g.mb->res[3] == edx
			 ? eax ^ ebx ^ ecx ^ edx : ~0ull,
		 "the guest executing CPUID 0x80000002 sees the values set (got %llx %llx %llx %llx, exit %s)",
		 (unsigned long long)g.mb->res[0], (unsigned long long)g.mb->res[1],
		 (unsigned long long)g.mb->res[2], (unsigned long long)g.mb->res[3], vmm_exit_name(r));

	/* The virtualization extensions are the hypervisor's (E-13): a guest
	 * sees CPUID.1:ECX[5] (VMX) and CPUID.80000001h:ECX[2] (SVM) clear. */
	st = vmm_guest_run(&g, G_CPUID, (uint64_t[]){ 1, 0 }, 2, &r, &a);
	check_eq("guest-cpuid1-vmx-hidden", "CPUID_0000_0001_ECX", 0,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[2] & CPUID1_ECX_VMX : ~0ull,
		 "the guest's CPUID.1:ECX[5] (VMX) is clear (ECX=0x%llx)",
		 (unsigned long long)g.mb->res[2]);
	/* Hiding is for the bits the hypervisor does not give guests, not the
	 * rest of the policy: the hypervisor-present bit stays set (spec 2). */
	check_eq("guest-cpuid1-hv-bit", "CPUID_0000_0001_ECX", 1ull << 31,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[2] & (1ull << 31) : ~0ull,
		 "the guest's CPUID.1:ECX[31] (hypervisor present) is set (ECX=0x%llx)",
		 (unsigned long long)g.mb->res[2]);
	st = vmm_guest_run(&g, G_CPUID, (uint64_t[]){ 0x80000001, 0 }, 2, &r, &a);
	check_eq("guest-cpuid-svm-hidden", "CPUID_0000_0001_ECX", 0,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[2] & CPUID81_ECX_SVM : ~0ull,
		 "the guest's CPUID.80000001h:ECX[2] (SVM) is clear too (ECX=0x%llx)",
		 (unsigned long long)g.mb->res[2]);

	vmm_check_st("set-cpuid-hv-base", "mv_vps_op_set_cpuid", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_CPUID, g.vpsid, EXP_CPUID_HV_BASE_LEAF, 0, 0, &o),
		 "set_cpuid of 0x40000000 (the ABI's own range) is refused");
	vmm_check_st("set-cpuid-hv-xx00", "mv_vps_op_set_cpuid", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_CPUID, g.vpsid, EXP_CPUID_XX00, 0, 0, &o),
		 "set_cpuid of 0x40000200 is refused");
	vmm_check_st("set-cpuid-hv-last", "mv_vps_op_set_cpuid", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_CPUID, g.vpsid, EXP_CPUID_MAX_LEAF_VAL | (7ull << 32), 0, 0, &o),
		 "set_cpuid of 0x4000FFFF subleaf 7 is refused");
	st = vps(EXP_IDX_GET_CPUID, g.vpsid, EXP_CPUID_XX00, 0, 0, &o);
	check_eq("set-cpuid-hv-unchanged", "mv_vps_op_set_cpuid,MV_STATUS_INVALID_PARAMS2",
		 EXP_CPUID_VENDOR_ID1_VAL, o.r[1], "the refused set_cpuid changed nothing");
	bad_vpsid("set_cpuid", EXP_IDX_SET_CPUID, leaf, 0);

	/* 16 entries per VPS: one used; 15 more, then the 17th is refused. */
	{
		unsigned ok = 0;
		for (uint64_t i = 0; i < EXP_VPS_MAX_CPUID - 1; i++)
			ok += vps(EXP_IDX_SET_CPUID, g.vpsid, 0x80000005ull | (i << 32), i, i, &o) ==
			      EXP_STATUS_SUCCESS;
		check_eq("set-cpuid-fill", "mv_vps_op_set_cpuid,MV_STATUS_SUCCESS",
			 EXP_VPS_MAX_CPUID - 1, ok, "15 more distinct leaf/subleaf entries are taken");
		vmm_check_st("set-cpuid-full", "mv_vps_op_set_cpuid", EXP_STATUS_INVALID_PERM_DENIED,
			 vps(EXP_IDX_SET_CPUID, g.vpsid, 0x80000005ull | (99ull << 32), 1, 1, &o),
			 "a 17th entry is refused: the VPS's 16 entries are used");
		vmm_check_st("set-cpuid-full-update", "mv_vps_op_set_cpuid", EXP_STATUS_SUCCESS,
			 vps(EXP_IDX_SET_CPUID, g.vpsid, leaf, (ebx << 32) | eax, (edx << 32) | ecx, &o),
			 "changing an existing entry still works when full");
	}
}

/* set_reg of register reg = val is status want; an accepted value is put
 * back (the VPS runs on). */
static void set_reg_edge(const char *id, uint64_t reg, uint64_t val, uint64_t want,
			 const char *desc)
{
	uint64_t old = 0;

	vmm_vps_get_reg(sv, reg, &old);
	vmm_check_st(id, "mv_vps_op_set_reg", want, vmm_vps_set_reg(sv, reg, val),
		 "set_reg register %llu = 0x%llx: %s", (unsigned long long)reg,
		 (unsigned long long)val, desc);
	vmm_vps_set_reg(sv, reg, old);
}

/* The edges of docs/vps-abi.md "Values refused": the first and the last
 * register of the segment block (ES selector, TR attributes), the largest
 * CR8 and DR6, a reserved CR0 bit in 15:6. */
static void test_reg_edges(void)
{
	set_reg_edge("set-reg-es-selector-over", EXP_REG_ES, EXP_SELECTOR_MAX + 1,
		     EXP_STATUS_INVALID_PARAMS3, "ES selector above 0xFFFF is refused");
	set_reg_edge("set-reg-tr-attrib-reserved", EXP_REG_TR_ATTRIB, 0x2008B,
		     EXP_STATUS_INVALID_PARAMS3, "TR attributes with bit 17 (63:17 reserved) are refused");
	set_reg_edge("set-reg-cr8-max", EXP_REG_CR8, EXP_CR8_MAX, EXP_STATUS_SUCCESS,
		     "CR8 = 15, the largest TPR, is accepted");
	set_reg_edge("set-reg-dr6-max", EXP_REG_DR6, 0xFFFFFFFFull, EXP_STATUS_SUCCESS,
		     "DR6 with every bit of 31:0 set is accepted");
	set_reg_edge("set-reg-cr0-reserved", EXP_REG_CR0, 0x60000010ull | (1ull << 6),
		     EXP_STATUS_INVALID_PARAMS3, "CR0 with bit 6 (15:6 reserved) is refused");
}

static void test_regs(void)
{
	static const struct { uint64_t reg; uint64_t val; const char *name; } rt[] = {
		{ EXP_REG_RAX, 0x0123456789ABCDEFull, "rax" },
		{ EXP_REG_RBX, 0xFEDCBA9876543210ull, "rbx" },
		{ EXP_REG_RDI, 0x1111222233334444ull, "rdi" },
		{ EXP_REG_R8, 0x8888888888888888ull, "r8" },
		{ EXP_REG_R15, 0x0F0F0F0F0F0F0F0Full, "r15" },
		{ EXP_REG_RBP, 0x00000000DEADBEEFull, "rbp" },
		{ EXP_REG_CR2, 0x0000000012345000ull, "cr2" },
		{ EXP_REG_DR7, 0x0000000000000400ull, "dr7" },
		{ EXP_REG_GDTR_BASE, 0x0000000000105000ull, "gdtr-base" },
		/* Segment registers at full width: 64-bit FS/GS/LDTR/TR bases, the
		 * ES base and limits 32 bits (a backend storing a base through the
		 * limit's mask: docs/testing.md "The backends", vmx/regs.c). */
		{ EXP_REG_FS_BASE, 0xFFFF800012345000ull, "fs-base" },
		{ EXP_REG_GS_BASE, 0x00007FFF87654000ull, "gs-base" },
		{ EXP_REG_LDTR_BASE, 0xFFFFFFFF80001000ull, "ldtr-base" },
		{ EXP_REG_TR_BASE, 0x0000123400005000ull, "tr-base" },
		{ EXP_REG_ES_BASE, 0x00000000FFFFF000ull, "es-base" },
		{ EXP_REG_FS_LIMIT, 0x00000000FFFFFFFFull, "fs-limit" },
	};
	uint64_t v, st;

	for (unsigned i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		st = vmm_vps_set_reg(sv, rt[i].reg, rt[i].val);
		vmm_check_st(rt_fmt("set-reg-%s", rt[i].name), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
			 "set_reg %s (bf_reg_t %llu)", rt[i].name, (unsigned long long)rt[i].reg);
		st = vmm_vps_get_reg(sv, rt[i].reg, &v);
		check_eq(rt_fmt("get-reg-%s", rt[i].name), "mv_vps_op_set_reg,mv_vps_op_get_reg",
			 rt[i].val, st == EXP_STATUS_SUCCESS ? v : st,
			 "get_reg %s returns what set_reg wrote", rt[i].name);
	}
	vmm_check_st("get-reg-unsupported", "mv_vps_op_get_reg", EXP_STATUS_INVALID_PARAMS2,
		 vmm_vps_get_reg(sv, EXP_REG_UNSUPPORTED, &v), "get_reg of bf_reg_t_unsupported (0)");
	vmm_check_st("get-reg-invalid", "mv_vps_op_get_reg", EXP_STATUS_INVALID_PARAMS2,
		 vmm_vps_get_reg(sv, EXP_REG_INVALID, &v), "get_reg of bf_reg_t_invalid (63)");
	vmm_check_st("get-reg-huge", "mv_vps_op_get_reg", EXP_STATUS_INVALID_PARAMS2,
		 vmm_vps_get_reg(sv, 0x100000001ull, &v), "get_reg of register 0x100000001");
	vmm_check_st("set-reg-unsupported", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS2,
		 vmm_vps_set_reg(sv, EXP_REG_UNSUPPORTED, 1), "set_reg of bf_reg_t_unsupported");
	vmm_check_st("set-reg-invalid", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS2,
		 vmm_vps_set_reg(sv, EXP_REG_INVALID, 1), "set_reg of bf_reg_t_invalid");
	vmm_check_st("set-reg-noncanonical-rip", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_RIP, 0x8000000000000000ull),
		 "set_reg RIP = 0x8000000000000000 (non-canonical: no VM entry accepts it)");
	/* More values no VM entry accepts (docs/vps-abi.md "Values refused"). */
	st = vmm_vps_set_reg(sv, EXP_REG_RFLAGS, 0x46);
	vmm_check_st("set-reg-rflags", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "set_reg RFLAGS = 0x46 (ZF PF, bit 1 set)");
	vmm_check_st("set-reg-rflags-bit1-clear", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_RFLAGS, 0x44 & ~EXP_RFLAGS_FIXED1),
		 "set_reg RFLAGS = 0x44 (bit 1, which always reads 1, clear)");
	vmm_check_st("set-reg-rflags-reserved", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_RFLAGS, 0x46 | (1ull << 22)),
		 "set_reg RFLAGS with reserved bit 22 set");
	st = vmm_vps_get_reg(sv, EXP_REG_RFLAGS, &v);
	check_eq("set-reg-rflags-unchanged", "mv_vps_op_set_reg,MV_STATUS_INVALID_PARAMS3", 0x46,
		 st == EXP_STATUS_SUCCESS ? v : st, "RFLAGS keeps 0x46 after the refused set_reg calls");
	vmm_check_st("set-reg-efer-reserved", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_EFER, EXP_EFER_LME | EXP_EFER_RESERVED),
		 "set_reg EFER with reserved bit 1 set");
	vmm_check_st("set-reg-efer-lma-only", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_EFER, EXP_EFER_LMA),
		 "set_reg EFER = LMA without LME");
	vmm_check_st("set-reg-cr8-16", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_CR8, EXP_CR8_MAX + 1), "set_reg CR8 = 16 (TPR is 4 bits)");
	vmm_check_st("set-reg-selector-17bit", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_SS, EXP_SELECTOR_MAX + 1), "set_reg SS selector = 0x10000");
	/* The widest values a data segment takes, and one bit more (each put
	 * back: the VPS runs on). */
	static const struct { uint64_t reg, max; const char *id; } segmax[] = {
		{ EXP_REG_DS, EXP_SELECTOR_MAX, "set-reg-ds-selector" },
		{ EXP_REG_DS_BASE, 0xFFFFFFFFull, "set-reg-ds-base" },
		{ EXP_REG_DS_LIMIT, 0xFFFFFFFFull, "set-reg-ds-limit" },
	};
	for (unsigned i = 0; i < sizeof(segmax) / sizeof(segmax[0]); i++) {
		uint64_t old = 0;
		vmm_vps_get_reg(sv, segmax[i].reg, &old);
		vmm_check_st(rt_fmt("%s-max", segmax[i].id), "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
			 vmm_vps_set_reg(sv, segmax[i].reg, segmax[i].max),
			 "set_reg register %llu = 0x%llx (the widest value) is accepted",
			 (unsigned long long)segmax[i].reg, (unsigned long long)segmax[i].max);
		vmm_check_st(rt_fmt("%s-over", segmax[i].id), "mv_vps_op_set_reg",
			 EXP_STATUS_INVALID_PARAMS3, vmm_vps_set_reg(sv, segmax[i].reg, segmax[i].max + 1),
			 "set_reg register %llu = 0x%llx (one bit wider) is refused",
			 (unsigned long long)segmax[i].reg, (unsigned long long)(segmax[i].max + 1));
		vmm_vps_set_reg(sv, segmax[i].reg, old);
	}
	vmm_check_st("set-reg-cr0-pg-no-pe", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_CR0, EXP_CR0_PG), "set_reg CR0 = PG without PE");
	vmm_check_st("set-reg-gdtr-noncanonical", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_GDTR_BASE, EXP_NONCANONICAL),
		 "set_reg GDTR base non-canonical");
	vmm_check_st("set-reg-gdtr-limit-max", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		 vmm_vps_set_reg(sv, EXP_REG_GDTR_LIMIT, 0xFFFF),
		 "set_reg GDTR limit = 0xFFFF (the largest: a 16-bit limit)");
	vmm_check_st("set-reg-gdtr-limit-over", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_GDTR_LIMIT, 0x10000), "set_reg GDTR limit = 0x10000");
	vmm_check_st("set-reg-dr7-high", "mv_vps_op_set_reg", EXP_STATUS_INVALID_PARAMS3,
		 vmm_vps_set_reg(sv, EXP_REG_DR7, 0x400ull | (1ull << 32)),
		 "set_reg DR7 with bit 32 set (63:32 reserved)");
	test_reg_edges();
	vmm_check_st("set-reg-rsp-anything", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		 vmm_vps_set_reg(sv, EXP_REG_RSP, EXP_NONCANONICAL),
		 "set_reg RSP = 0x8000000000000000 is accepted (RSP may hold any value)");
	st = vmm_vps_get_reg(0xABCD0000ull | sv, EXP_REG_RAX, &v);
	check_eq("get-reg-revi", "mv_vps_op_get_reg,MV_STATUS_SUCCESS", rt[0].val,
		 st == EXP_STATUS_SUCCESS ? v : st, "get_reg ignores REG1[63:16] (REVI)");
	/* The identity-map state vmm_guest_new set (docs/vps-abi.md). */
	st = vmm_vps_get_reg(g.vpsid, EXP_REG_CR3, &v);
	check_eq("idmap-cr3", "mv_vps_op_set_identity_map,mv_vps_op_get_reg", GUEST_PT_GPA, v & ~0xFFFull,
		 "after set_identity_map CR3 is the PML4 at REG2");
	st = vmm_vps_get_reg(g.vpsid, EXP_REG_EFER, &v);
	check_eq("idmap-efer", "mv_vps_op_set_identity_map,mv_vps_op_get_reg",
		 EXP_EFER_LMA | EXP_EFER_LME, v & (EXP_EFER_LMA | EXP_EFER_LME),
		 "after set_identity_map EFER.LME and LMA are set (64-bit mode)");
	st = vmm_vps_get_reg(g.vpsid, EXP_REG_CR0, &v);
	check_eq("idmap-cr0", "mv_vps_op_set_identity_map,mv_vps_op_get_reg", EXP_CR0_PG,
		 v & EXP_CR0_PG, "after set_identity_map CR0.PG is set");
	st = vmm_vps_get_reg(g.vpsid, EXP_REG_CS_ATTRIB, &v);
	check_eq("idmap-cs-l", "mv_vps_op_set_identity_map,mv_vps_op_get_reg", 1ull << 13,
		 v & (1ull << 13), "CS attributes have L (bit 13): a 64-bit code segment");

	bad_vpsid("get_reg", EXP_IDX_GET_REG, EXP_REG_RAX, 0);
	bad_vpsid("set_reg", EXP_IDX_SET_REG, EXP_REG_RAX, 0);
}

static void test_msrs(void)
{
	static const uint32_t want[] = EXP_SUPPORTED_MSRS;
	struct hc_regs o;
	uint64_t st, got[15] = { 0 }, count = ~0ull;
	bool ok = true;

	for (unsigned w = 0; w < 3; w++) {
		st = vps(EXP_IDX_GET_SUPPORTED_MSRS, w * 5, 0, 0, 0, &o);
		vmm_check_st(rt_fmt("supported-msrs-%u", w), "mv_vps_op_get_supported_msrs",
			 EXP_STATUS_SUCCESS, st, "get_supported_msrs from index %u", w * 5);
		if (w == 0)
			count = o.r[0];
		for (unsigned i = 0; i < 5; i++)
			got[w * 5 + i] = o.r[1 + i];
	}
	check_eq("supported-msrs-count", "mv_vps_op_get_supported_msrs", EXP_NUM_SUPPORTED_MSRS,
		 count, "REG0 = the number of supported MSRs");
	for (unsigned i = 0; i < 15; i++)
		ok &= got[i] == (i < EXP_NUM_SUPPORTED_MSRS ? want[i] : 0);
	check_tok("supported-msrs-list", "mv_vps_op_get_supported_msrs", "listed-order-then-0",
		  ok ? "listed-order-then-0" : rt_fmt("%llx,%llx,..,%llx,%llx",
			  (unsigned long long)got[0], (unsigned long long)got[1],
			  (unsigned long long)got[11], (unsigned long long)got[12]), ok,
		  "the windows list SYSENTER_CS/ESP/EIP, PAT, EFER, STAR, LSTAR, CSTAR, SFMASK, "
		  "FS/GS/KERNEL_GS_BASE, then 0 past the end");
	vmm_check_st("supported-msrs-past-end", "mv_vps_op_get_supported_msrs",
		 EXP_STATUS_INVALID_PARAMS1,
		 vps(EXP_IDX_GET_SUPPORTED_MSRS, EXP_NUM_SUPPORTED_MSRS, 0, 0, 0, &o),
		 "get_supported_msrs from index 12 (past the end)");
	st = vps(EXP_IDX_GET_SUPPORTED_FEATURE_MSRS, 0, 0, 0, 0, &o);
	vmm_check_st("feature-msrs", "mv_vps_op_get_supported_feature_msrs", EXP_STATUS_SUCCESS, st,
		 "get_supported_feature_msrs from index 0");
	check_eq("feature-msrs-count", "mv_vps_op_get_supported_feature_msrs",
		 EXP_NUM_FEATURE_MSRS, o.r[0], "the feature MSR list is empty in this version");
	vmm_check_st("feature-msrs-past-end", "mv_vps_op_get_supported_feature_msrs",
		 EXP_STATUS_INVALID_PARAMS1, vps(EXP_IDX_GET_SUPPORTED_FEATURE_MSRS, 1, 0, 0, 0, &o),
		 "get_supported_feature_msrs from index 1 (past the end)");

	st = vps(EXP_IDX_SET_MSR, sv, EXP_MSR_LSTAR, 0xFFFFFFFF81234560ull, 0, &o);
	vmm_check_st("set-msr-lstar", "mv_vps_op_set_msr", EXP_STATUS_SUCCESS, st, "set_msr LSTAR");
	st = vps(EXP_IDX_GET_MSR, sv, EXP_MSR_LSTAR, 0, 0, &o);
	check_eq("get-msr-lstar", "mv_vps_op_set_msr,mv_vps_op_get_msr", 0xFFFFFFFF81234560ull,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "get_msr LSTAR returns the value set");
	st = vps(EXP_IDX_SET_MSR, sv, EXP_MSR_KERNEL_GS_BASE, 0x0000123400005678ull, 0, &o);
	st = vps(EXP_IDX_GET_MSR, sv, EXP_MSR_KERNEL_GS_BASE, 0, 0, &o);
	check_eq("get-msr-kgsbase", "mv_vps_op_set_msr,mv_vps_op_get_msr", 0x0000123400005678ull,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "KERNEL_GS_BASE round trip");
	vmm_check_st("get-msr-unsupported", "mv_vps_op_get_msr", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_MSR, sv, EXP_MSR_APIC_BASE, 0, 0, &o),
		 "get_msr of IA32_APIC_BASE (not in the list)");
	vmm_check_st("get-msr-tsc", "mv_vps_op_get_msr", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_MSR, sv, EXP_MSR_IA32_TSC, 0, 0, &o),
		 "get_msr of IA32_TSC (not in the list)");
	vmm_check_st("get-msr-revz", "mv_vps_op_get_msr", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_MSR, sv, (1ull << 32) | EXP_MSR_LSTAR, 0, 0, &o),
		 "get_msr with REG2[63:32] set (REVZ)");
	vmm_check_st("set-msr-unsupported", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_APIC_BASE, 0xFEE00900ull, 0, &o),
		 "set_msr of IA32_APIC_BASE");
	vmm_check_st("set-msr-revz", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_MSR, sv, (1ull << 63) | EXP_MSR_LSTAR, 0, 0, &o),
		 "set_msr with REG2 bit 63 set (REVZ)");
	st = vps(EXP_IDX_SET_MSR, sv, EXP_MSR_LSTAR, 0x8000000000000000ull, 0, &o);
	vmm_check_st("set-msr-noncanonical", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3, st,
		 "set_msr LSTAR = 0x8000000000000000 (non-canonical: WRMSR would #GP)");
	if (st != EXP_STATUS_SUCCESS) { /* a refused call must have changed nothing */
		st = vps(EXP_IDX_GET_MSR, sv, EXP_MSR_LSTAR, 0, 0, &o);
		check_eq("set-msr-unchanged", "mv_vps_op_set_msr,mv_vps_op_get_msr",
			 0xFFFFFFFF81234560ull, o.r[0],
			 "LSTAR keeps its value after the refused set_msr calls");
	}
	st = vps(EXP_IDX_SET_MSR, sv, EXP_MSR_PAT, EXP_PAT_RESET, 0, &o);
	vmm_check_st("set-msr-pat", "mv_vps_op_set_msr", EXP_STATUS_SUCCESS, st,
		 "set_msr PAT = 0x0007040600070406 (the reset value)");
	st = vps(EXP_IDX_SET_MSR, sv, EXP_MSR_PAT, EXP_PAT_WITH_TYPE2, 0, &o);
	vmm_check_st("set-msr-pat-type2", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3, st,
		 "set_msr PAT with memory type 2 (reserved) in entry 0");
	vmm_check_st("set-msr-pat-type8", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_PAT, (EXP_PAT_RESET & ~(0xFFull << 56)) | (8ull << 56),
		     0, &o),
		 "set_msr PAT with memory type 8 (past the 3-bit types) in entry 7");
	vmm_check_st("set-msr-pat-type3", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_PAT, (EXP_PAT_RESET & ~(0xFFull << 24)) | (3ull << 24),
		     0, &o),
		 "set_msr PAT with memory type 3 (reserved) in entry 3");
	st = vps(EXP_IDX_GET_MSR, sv, EXP_MSR_PAT, 0, 0, &o);
	check_eq("set-msr-pat-unchanged", "mv_vps_op_set_msr,MV_STATUS_INVALID_PARAMS3",
		 EXP_PAT_RESET, st == EXP_STATUS_SUCCESS ? o.r[0] : st,
		 "PAT keeps its value after the refused set_msr");
	vmm_check_st("set-msr-efer-reserved", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_EFER, EXP_EFER_RESERVED, 0, &o),
		 "set_msr EFER with reserved bit 1 set");
	vmm_check_st("set-msr-kgsbase-noncanonical", "mv_vps_op_set_msr", EXP_STATUS_INVALID_PARAMS3,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_KERNEL_GS_BASE, 0x0000800000000000ull, 0, &o),
		 "set_msr KERNEL_GS_BASE = 0x0000800000000000 (non-canonical)");
	vmm_check_st("set-msr-star-anything", "mv_vps_op_set_msr", EXP_STATUS_SUCCESS,
		 vps(EXP_IDX_SET_MSR, sv, EXP_MSR_STAR, ~0ull, 0, &o),
		 "set_msr STAR = ~0 is accepted (STAR holds selectors, any value)");
	bad_vpsid("get_msr", EXP_IDX_GET_MSR, EXP_MSR_LSTAR, 0);
	bad_vpsid("set_msr", EXP_IDX_SET_MSR, EXP_MSR_LSTAR, 0);
}

static void test_fpu(void)
{
	struct hc_regs o;
	uint64_t p = vmm_alloc(1), q = vmm_alloc(1), x = vmm_alloc(1), st, r, a;
	const uint64_t xmm0 = 0x1122334455667788ull, xmm1 = 0xA5A5A5A55A5A5A5Aull;
	const uint32_t mxcsr = 0x7F80; /* all masked, RC = toward zero */

	st = vps(EXP_IDX_GET_FPU, g.vpsid, p, 0, 0, &o);
	vmm_check_st("get-fpu", "mv_vps_op_get_fpu", EXP_STATUS_SUCCESS, st, "get_fpu into a root page");
	wr(p + FX_XMM0, xmm0);
	wr(p + FX_XMM0 + 8, ~xmm0);
	wr32(p + FX_MXCSR, mxcsr);
	st = vps(EXP_IDX_SET_FPU, g.vpsid, p, 0, 0, &o);
	vmm_check_st("set-fpu", "mv_vps_op_set_fpu", EXP_STATUS_SUCCESS, st,
		 "set_fpu with XMM0 and MXCSR changed");
	st = vps(EXP_IDX_GET_FPU, g.vpsid, q, 0, 0, &o);
	check_eq("fpu-roundtrip-xmm0", "mv_vps_op_set_fpu,mv_vps_op_get_fpu", xmm0,
		 st == EXP_STATUS_SUCCESS ? rd(q + FX_XMM0) : st, "get_fpu returns the XMM0 set");
	check_eq("fpu-roundtrip-mxcsr", "mv_vps_op_set_fpu,mv_vps_op_get_fpu", mxcsr,
		 rd32(q + FX_MXCSR), "get_fpu returns the MXCSR set");
	st = vmm_guest_run(&g, G_XMM0, 0, 0, &r, &a);
	check_eq("fpu-guest-xmm0", "mv_vps_op_set_fpu", xmm0,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT ? g.mb->res[0] : ~0ull,
		 "the guest reads XMM0 = the value set_fpu loaded");
	check_eq("fpu-guest-mxcsr", "mv_vps_op_set_fpu", mxcsr, g.mb->res[1],
		 "the guest reads MXCSR = the value set_fpu loaded");

	vmm_check_st("get-fpu-unaligned", "mv_vps_op_get_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_FPU, g.vpsid, q + 0x10, 0, 0, &o), "get_fpu with REG2[11:0] != 0 (REVZ)");
	vmm_check_st("get-fpu-not-root", "mv_vps_op_get_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_FPU, g.vpsid, g.image_gpa, 0, 0, &o),
		 "get_fpu into a page the root donated away (not the root's any more)");
	wr32(q + FX_MXCSR, 0xFFFF0000u | mxcsr);
	vmm_check_st("set-fpu-bad-mxcsr", "mv_vps_op_set_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_FPU, g.vpsid, q, 0, 0, &o), "set_fpu of an image with reserved MXCSR bits");
	/* The lowest reserved bit alone: FXRSTOR of it would #GP in the hypervisor. */
	wr32(q + FX_MXCSR, MXCSR_BIT16 | mxcsr);
	vmm_check_st("set-fpu-mxcsr-bit16", "mv_vps_op_set_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_FPU, g.vpsid, q, 0, 0, &o),
		 "set_fpu of an image with MXCSR = 0x%x (bit 16, the lowest reserved bit)",
		 MXCSR_BIT16 | mxcsr);
	/* Every bit the processor takes: its MXCSR_MASK, which get_fpu reports
	 * (0xFFFF; 0x2FFFF on AMD processors with misaligned SSE, E-75). */
	const uint32_t mask = rd32(q + FX_MXCSR_MASK);
	wr32(q + FX_MXCSR, mask);
	vmm_check_st("set-fpu-mxcsr-all-valid", "mv_vps_op_set_fpu", EXP_STATUS_SUCCESS,
		 vps(EXP_IDX_SET_FPU, g.vpsid, q, 0, 0, &o),
		 "set_fpu of an image with MXCSR = 0x%x, the MXCSR_MASK get_fpu reported, is accepted",
		 mask);
	wr32(q + FX_MXCSR, mxcsr);
	vmm_check_st("set-fpu-mxcsr-restore", "mv_vps_op_set_fpu", EXP_STATUS_SUCCESS,
		 vps(EXP_IDX_SET_FPU, g.vpsid, q, 0, 0, &o), "set_fpu of the earlier image");
	vmm_check_st("set-fpu-unaligned", "mv_vps_op_set_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_FPU, g.vpsid, p + 1, 0, 0, &o), "set_fpu with REG2[11:0] != 0");
	/* The 512 bytes at q + 0x10 read as an image with a valid MXCSR: only
	 * the REVZ check refuses it. */
	wr32(q + 0x10 + FX_MXCSR, mxcsr);
	vmm_check_st("set-fpu-unaligned-valid", "mv_vps_op_set_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_FPU, g.vpsid, q + 0x10, 0, 0, &o),
		 "set_fpu with REG2[11:0] = 0x10, where the bytes hold a valid image");
	vmm_check_st("set-fpu-not-root", "mv_vps_op_set_fpu", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_FPU, g.vpsid, g.image_gpa, 0, 0, &o),
		 "set_fpu from a page the root donated away");
	bad_vpsid("get_fpu", EXP_IDX_GET_FPU, p, 0);
	bad_vpsid("set_fpu", EXP_IDX_SET_FPU, p, 0);

	/* XSAVE */
	st = vps(EXP_IDX_GET_XSAVE, g.vpsid, x, 0, 0, &o);
	vmm_check_st("get-xsave", "mv_vps_op_get_xsave", EXP_STATUS_SUCCESS, st, "get_xsave into a page");
	check_eq("get-xsave-bv", "mv_vps_op_get_xsave", EXP_XSAVE_XSTATE_BV, rd(x + XS_BV),
		 "XSTATE_BV (byte 512) = 3: x87 and SSE");
	check_eq("get-xsave-xmm0", "mv_vps_op_get_xsave", xmm0, rd(x + FX_XMM0),
		 "the legacy region holds the XMM0 set_fpu loaded");
	wr(x + FX_XMM1, xmm1);
	st = vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o);
	vmm_check_st("set-xsave", "mv_vps_op_set_xsave", EXP_STATUS_SUCCESS, st, "set_xsave with XMM1 changed");
	st = vps(EXP_IDX_GET_FPU, g.vpsid, q, 0, 0, &o);
	check_eq("xsave-roundtrip", "mv_vps_op_set_xsave,mv_vps_op_get_fpu", xmm1, rd(q + FX_XMM1),
		 "get_fpu returns the XMM1 set_xsave loaded");
	wr(x + XS_BV, 7);
	vmm_check_st("set-xsave-avx", "mv_vps_op_set_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o), "set_xsave with XSTATE_BV bit 2 (AVX)");
	wr(x + XS_BV, 3);
	wr(x + XS_COMP, 1ull << 63 | 3);
	vmm_check_st("set-xsave-compacted", "mv_vps_op_set_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o), "set_xsave of a compacted-format area");
	wr(x + XS_COMP, 0);
	wr32(x + FX_MXCSR, MXCSR_BIT16 | mxcsr);
	vmm_check_st("set-xsave-mxcsr-bit16", "mv_vps_op_set_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o),
		 "set_xsave of an area with MXCSR bit 16 set (reserved; XRSTOR would #GP)");
	wr32(x + FX_MXCSR, rd32(x + FX_MXCSR_MASK));
	vmm_check_st("set-xsave-mxcsr-all-valid", "mv_vps_op_set_xsave", EXP_STATUS_SUCCESS,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o),
		 "set_xsave of an area with MXCSR = 0x%x, the MXCSR_MASK get_xsave reported, is accepted",
		 rd32(x + FX_MXCSR_MASK));
	wr32(x + FX_MXCSR, mxcsr);
	vmm_check_st("set-xsave-mxcsr-restore", "mv_vps_op_set_xsave", EXP_STATUS_SUCCESS,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x, 0, 0, &o), "set_xsave of the earlier area");
	vmm_check_st("get-xsave-unaligned", "mv_vps_op_get_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_XSAVE, g.vpsid, x + 0x800, 0, 0, &o), "get_xsave with REG2[11:0] != 0");
	/* The 576 bytes at x + 0x40 read as a valid standard-format area
	 * (MXCSR, XSTATE_BV = x87|SSE, the rest of the header zero): only the
	 * REVZ check refuses it. */
	wr32(x + 0x40 + FX_MXCSR, mxcsr);
	for (unsigned i = 0; i < 8; i++)
		wr(x + 0x40 + XS_BV + 8 * i, i == 0 ? 3 : 0);
	vmm_check_st("set-xsave-unaligned-valid", "mv_vps_op_set_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, x + 0x40, 0, 0, &o),
		 "set_xsave with REG2[11:0] = 0x40, where the bytes hold a valid area");
	vmm_check_st("set-xsave-not-root", "mv_vps_op_set_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_XSAVE, g.vpsid, g.image_gpa, 0, 0, &o),
		 "set_xsave from a page the root donated away");
	vmm_check_st("get-xsave-not-root", "mv_vps_op_get_xsave", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_GET_XSAVE, g.vpsid, g.image_gpa, 0, 0, &o),
		 "get_xsave into a page the root donated away (not the root's any more)");
	bad_vpsid("get_xsave", EXP_IDX_GET_XSAVE, x, 0);
	bad_vpsid("set_xsave", EXP_IDX_SET_XSAVE, x, 0);
}

static void zero_page(uint64_t p)
{
	for (unsigned i = 0; i < 512; i++)
		wr(p + 8 * i, 0);
}

/* virt_to_phys outside long mode, in the edge VM (tables at GPA at.., root
 * pages t..): 32-bit paging with a 4 MiB page, then PAE paging; a
 * not-present entry at every level is PARAMS2. */
/* virt_to_phys of gva in VPS id: refused as not mapped, or the GPA want. */
static void v2p_absent(const char *cid, uint64_t id, uint64_t gva, const char *desc)
{
	struct hc_regs o;

	vmm_check_st(cid, "mv_vps_op_virt_to_phys", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_VIRT_TO_PHYS, id, gva, 0, 0, &o), "%s", desc);
}

static void v2p_is(const char *cid, uint64_t id, uint64_t gva, uint64_t want, const char *desc)
{
	struct hc_regs o;
	uint64_t st = vps(EXP_IDX_VIRT_TO_PHYS, id, gva, 0, 0, &o);

	check_eq(cid, "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS", want,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "%s", desc);
}

static void legacy_walks(uint64_t id, uint64_t at, uint64_t t)
{
	uint64_t st;
	const uint64_t pd = t + 0x2000, pt = t + 0x3000;

	zero_page(pd);
	zero_page(pt);
	wr32(pd + 4 * 1, (uint32_t)(at + 0x3000) | 3);
	wr32(pt + 4 * 5, 0x12345000u | 3);
	wr32(pd + 4 * 2, 0x00C00000u | 0x83); /* PS: a 4 MiB page */
	st = vmm_vps_set_reg(id, EXP_REG_EFER, 0) | vmm_vps_set_reg(id, EXP_REG_CR4, 0x10) |
	     vmm_vps_set_reg(id, EXP_REG_CR3, at + 0x2000);
	vmm_check_st("v2p-32bit-setup", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "EFER = 0, CR4 = PSE, CR3 = a page directory: 32-bit paging");
	if (st != EXP_STATUS_SUCCESS)
		return;
	v2p_absent("v2p-32bit-pde-absent", id, 0x1000, "32-bit: PDE 0 not present");
	v2p_absent("v2p-32bit-pte-absent", id, 0x400000, "32-bit: PTE 0 of PDE 1 not present");
	v2p_is("v2p-32bit-4k", id, 0x405678, 0x12345678, "32-bit: GVA 0x405678 -> GPA 0x12345678");
	v2p_is("v2p-32bit-4m", id, 0x812345, 0xC12345, "32-bit, 4 MiB page: GVA 0x812345 -> 0xC12345");
	v2p_absent("v2p-32bit-over-4g", id, 4 * GIB + 0x405678,
		   "32-bit: GVA 4 GiB + 0x405678 is past the 32-bit linear address space");
	/* PDE 5 names the page table with P clear: not present, whatever its
	 * address bits point at (a walk that followed them would find PTE 5). */
	wr32(pd + 4 * 5, (uint32_t)(at + 0x3000));
	v2p_absent("v2p-32bit-pde-p-clear", id, 0x1405678,
		   "32-bit: PDE 5 holds a page table's address with P clear");
	/* CR0.PG clear: no walk, the GVA is the GPA. */
	st = vmm_vps_set_reg(id, EXP_REG_CR0, 0x00010033);
	vmm_check_st("v2p-paging-off-setup", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "CR0 = 0x10033 (PE, PG clear)");
	v2p_is("v2p-paging-off", id, 0x405678, 0x405678,
	       "paging off: GVA 0x405678 -> GPA 0x405678, not the tables' 0x12345678");
	st = vmm_vps_set_reg(id, EXP_REG_CR0, 0x80010033);
	vmm_check_st("v2p-paging-on-again", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "CR0 = 0x80010033 (PG set again)");
	/* PSE-36: a 4 MiB PDE's bits 20:13 are physical bits 39:32; bit 21 is
	 * reserved (SDM vol. 3 table 4-4: the access is a #PF). */
	wr32(pd + 4 * 3, 0x00C00000u | (0x5u << 13) | 0x83);
	v2p_is("v2p-32bit-4m-pse36", id, 0xC12345, 0x500C12345ull,
	       "32-bit, 4 MiB page with PDE bits 20:13 = 0x5: GVA 0xC12345 -> 0x500C12345");
	wr32(pd + 4 * 4, 0x00C00000u | (1u << 21) | 0x83);
	v2p_absent("v2p-32bit-4m-bit21", id, 0x1012345,
		   "32-bit, 4 MiB page with PDE bit 21 (reserved) set: not mapped");
	/* Without CR4.PSE the PS bit is ignored: PDE 1 with PS set still names
	 * its page table. */
	wr32(pd + 4 * 1, (uint32_t)(at + 0x3000) | 0x83);
	st = vmm_vps_set_reg(id, EXP_REG_CR4, 0);
	vmm_check_st("v2p-32bit-nopse-setup", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "CR4 = 0: 32-bit paging without PSE");
	v2p_is("v2p-32bit-ps-without-pse", id, 0x405678, 0x12345678,
	       "32-bit, CR4.PSE clear, PDE 1 with PS set: its page table maps GVA 0x405678 -> 0x12345678");

	zero_page(pd);
	zero_page(pt);
	wr(pd + 8 * 1, (at + 0x3000) | 1);
	st = vmm_vps_set_reg(id, EXP_REG_CR4, 0x20);
	vmm_check_st("v2p-pae-setup", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS, st,
		 "CR4 = PAE, EFER.LMA = 0: PAE paging with a 4-entry PDPT");
	if (st != EXP_STATUS_SUCCESS)
		return;
	v2p_absent("v2p-pae-pdpte-absent", id, 0x1000, "PAE: PDPTE 0 not present");
	v2p_absent("v2p-pae-pde-absent", id, GIB + 0x1000, "PAE: PDE 0 of PDPTE 1 not present");
	wr(pt, 0x00200000 | 0x83);
	v2p_is("v2p-pae-2m", id, GIB + 0x12345, 0x212345, "PAE, 2 MiB page: GVA 1 GiB + 0x12345 -> 0x212345");
	v2p_absent("v2p-pae-over-4g", id, 5 * GIB + 0x12345,
		   "PAE without long mode: GVA 5 GiB + 0x12345 is past the 32-bit linear address space");
	/* PDE 1 of PDPTE 1 names a page table (the edge VM's page at + 0x1000):
	 * the walk goes down to a 4 KiB leaf. */
	zero_page(t + 0x1000);
	wr(pt + 8 * 1, (at + 0x1000) | 1);
	wr(t + 0x1000 + 8 * 3, 0x07654000 | 1);
	v2p_absent("v2p-pae-pte-absent", id, GIB + 0x200000 + 0x2000,
		   "PAE: PTE 2 of the page table not present");
	v2p_is("v2p-pae-4k", id, GIB + 0x203ABC, 0x7654ABC,
	       "PAE, 4 KiB page: GVA 1 GiB + 0x203ABC -> 0x7654ABC");
	/* PDPTE 2 names the same page directory with P clear: not present,
	 * whatever its address bits point at (a walk that followed them would
	 * find PDE 0's 2 MiB page). */
	wr(pd + 8 * 2, at + 0x3000);
	v2p_absent("v2p-pae-pdpte-p-clear", id, 2 * GIB + 0x12345,
		   "PAE: PDPTE 2 holds a page directory's address with P clear");
}

/*
 * A VM of its own with 4 pages shared from the root right below 1 GiB:
 * set_identity_map's table pages must end at or below 1 GiB (docs/vps-abi.md),
 * so the last 3 pages below it are accepted and one page higher is refused.
 * The tables stay the root's (shared), so the root then turns PDPT[1] into a
 * 1 GiB page and virt_to_phys must walk it.
 */
static void test_idmap_edge_1g(void)
{
	struct hc_regs o;
	uint64_t vm, vp, id, st;
	const uint64_t pages = 4, at = GIB - (EXP_IDENTITY_MAP_PAGES) * 0x1000;
	uint64_t t = vmm_alloc(pages);

	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS || vmm_vp_create(vm, &vp) != EXP_STATUS_SUCCESS ||
	    vmm_vps_create(vp, &id) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(vm, t, at, pages * 0x1000, EXP_GPA_RW) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the VM for the identity-map edge");
	vmm_check_st("idmap-over-1g", "mv_vps_op_set_identity_map", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_IDENTITY_MAP, id, at + 0x1000, 0, 0, &o),
		 "set_identity_map at GPA 0x%llx: its 3 pages would end past 1 GiB (all mapped RW)",
		 (unsigned long long)(at + 0x1000));
	st = vps(EXP_IDX_SET_IDENTITY_MAP, id, at, 0, 0, &o);
	vmm_check_st("idmap-last-below-1g", "mv_vps_op_set_identity_map", EXP_STATUS_SUCCESS, st,
		 "set_identity_map at GPA 0x%llx: its 3 pages end exactly at 1 GiB",
		 (unsigned long long)at);
	if (st == EXP_STATUS_SUCCESS) {
		st = vps(EXP_IDX_VIRT_TO_PHYS, id, 0x3FFFF123, 0, 0, &o);
		check_eq("v2p-edge-map", "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS", 0x3FFFF123,
			 st == EXP_STATUS_SUCCESS ? o.r[0] : st,
			 "virt_to_phys through tables at the 1 GiB edge: GVA 0x3FFFF123 -> itself");
		/* PML4[0] names the PDPT; make its entry 1 a 1 GiB page at GPA 3 GiB. */
		uint64_t pdpt = (rd(t) & 0x000FFFFFFFFFF000ull) - at + t;
		wr(pdpt + 8, 3 * GIB | PTE_PS | PTE_P_RW);
		st = vps(EXP_IDX_VIRT_TO_PHYS, id, GIB + 0x2345678, 0, 0, &o);
		check_eq("v2p-1g-page", "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS",
			 3 * GIB + 0x2345678, st == EXP_STATUS_SUCCESS ? o.r[0] : st,
			 "virt_to_phys through a 1 GiB page (PDPTE.PS): GVA 1 GiB + 0x2345678 -> "
			 "GPA 3 GiB + 0x2345678");
		st = vps(EXP_IDX_VIRT_TO_PHYS, id, 2 * GIB - 8, 0, 0, &o);
		check_eq("v2p-1g-last", "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS", 4 * GIB - 8,
			 st == EXP_STATUS_SUCCESS ? o.r[0] : st,
			 "the last bytes of the 1 GiB page: GVA 2 GiB - 8 -> GPA 4 GiB - 8");
		wr(pdpt + 8, 0);
		vmm_check_st("v2p-1g-cleared", "mv_vps_op_virt_to_phys", EXP_STATUS_INVALID_PARAMS2,
			 vps(EXP_IDX_VIRT_TO_PHYS, id, GIB + 0x2345678, 0, 0, &o),
			 "with PDPT[1] cleared again, GVA 1 GiB + 0x2345678 is not mapped");
		legacy_walks(id, at, t);
	}
	vmm_vps_destroy(id);
	vmm_vp_destroy(vp);
	vmm_vm_destroy(vm);
}

/* queue_irq of vector v succeeds, and the guest then takes exactly that one
 * interrupt (checks id and id-guest). */
static void queue_irq_taken(const char *id, uint64_t v, const char *note)
{
	struct hc_regs o;
	uint64_t r = 0, st = vps(EXP_IDX_QUEUE_IRQ, g.vpsid, v, 0, 0, &o);

	vmm_check_st(id, "mv_vps_op_queue_irq", EXP_STATUS_SUCCESS, st, "queue_irq vector 0x%llx%s",
		     (unsigned long long)v, note);
	g.mb->irq_count = 0;
	st = vmm_guest_run(&g, G_IRQ, (uint64_t[]){ v, 100000 }, 2, &r, 0);
	check_eq(rt_fmt("%s-guest", id), "mv_vps_op_queue_irq", v,
		 st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT && g.mb->res[0] == 1 ? g.mb->res[1] : ~0ull,
		 "the guest takes exactly one interrupt, vector 0x%llx (count %llu, exit %s)",
		 (unsigned long long)v, (unsigned long long)g.mb->res[0], vmm_exit_name(r));
}

static void test_mem_ops(void)
{
	struct hc_regs o;
	uint64_t st, r, a;

	st = vps(EXP_IDX_VIRT_TO_PHYS, g.vpsid, 0x100123, 0, 0, &o);
	check_eq("v2p-image", "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS", 0x100123,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st,
		 "virt_to_phys through the identity map: GVA 0x100123 -> GPA 0x100123");
	st = vps(EXP_IDX_VIRT_TO_PHYS, g.vpsid, 0x3FFFFFF8, 0, 0, &o);
	check_eq("v2p-last", "mv_vps_op_virt_to_phys,MV_STATUS_SUCCESS", 0x3FFFFFF8,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : st, "the last bytes of the first GiB map 1:1");
	vmm_check_st("v2p-unmapped", "mv_vps_op_virt_to_phys", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_VIRT_TO_PHYS, g.vpsid, 0x40000000, 0, 0, &o),
		 "GVA 1 GiB is not mapped by the identity map");
	vmm_check_st("v2p-noncanonical", "mv_vps_op_virt_to_phys", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_VIRT_TO_PHYS, g.vpsid, EXP_NONCANONICAL | 0x100123, 0, 0, &o),
		 "GVA 0x8000000000100123 is not canonical (its bits 47:0 would walk to 0x100123)");
	bad_vpsid("virt_to_phys", EXP_IDX_VIRT_TO_PHYS, 0x1000, 0);

	/* set_identity_map negatives (success: vmm_guest_new). */
	vmm_check_st("idmap-unaligned", "mv_vps_op_set_identity_map", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_IDENTITY_MAP, g.vpsid, GUEST_PT_GPA + 8, 0, 0, &o),
		 "set_identity_map with REG2[11:0] != 0");
	/* Unaligned where the 3 pages from there are all the guest's RW stack:
	 * only the REVZ check refuses it. */
	vmm_check_st("idmap-unaligned-in-memory", "mv_vps_op_set_identity_map",
		 EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_IDENTITY_MAP, g.vpsid, GUEST_STACK_GPA + 8, 0, 0, &o),
		 "set_identity_map at GPA 0x%llx (REG2[11:0] = 8; guest RAM, RW, up to 0x%llx)",
		 (unsigned long long)(GUEST_STACK_GPA + 8), (unsigned long long)GUEST_STACK_TOP);
	check_eq("idmap-unaligned-cr3", "mv_vps_op_set_identity_map,mv_vps_op_get_reg",
		 GUEST_PT_GPA, vmm_vps_get_reg(g.vpsid, EXP_REG_CR3, &r) == EXP_STATUS_SUCCESS ?
		 r & ~0xFFFull : ~0ull, "the refused call left the guest's CR3 as it was");
	vmm_check_st("idmap-not-guest-memory", "mv_vps_op_set_identity_map", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_IDENTITY_MAP, g.vpsid, 0x5000000, 0, 0, &o),
		 "set_identity_map at GPA 0x5000000 (nothing mapped there in the guest)");
	/* The tables must be writable in the VM: three root pages shared read-only. */
	a = vmm_alloc(EXP_IDENTITY_MAP_PAGES);
	if (vmm_map_range(g.vmid, a, 0x5000000, EXP_IDENTITY_MAP_PAGES * 0x1000,
			  EXP_GPA_FLAG_READ_ACCESS) != EXP_STATUS_SUCCESS)
		probe_error("cannot share pages read-only to the guest");
	vmm_check_st("idmap-read-only", "mv_vps_op_set_identity_map", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_SET_IDENTITY_MAP, g.vpsid, 0x5000000, 0, 0, &o),
		 "set_identity_map at GPA 0x5000000, mapped read-only in the guest");
	check_eq("idmap-read-only-cr3", "mv_vps_op_set_identity_map,mv_vps_op_get_reg",
		 GUEST_PT_GPA, vmm_vps_get_reg(g.vpsid, EXP_REG_CR3, &r) == EXP_STATUS_SUCCESS ?
		 r & ~0xFFFull : ~0ull, "the refused call left the guest's CR3 as it was");
	vmm_unmap_range(g.vmid, a, 0x5000000, EXP_IDENTITY_MAP_PAGES * 0x1000);
	bad_vpsid("set_identity_map", EXP_IDX_SET_IDENTITY_MAP, GUEST_PT_GPA, 0);

	/* queue_irq */
	queue_irq_taken("queue-irq", 0x40, "");
	queue_irq_taken("queue-irq-32", 32, " (the first vector after the exceptions)");
	vmm_check_st("queue-irq-exception", "mv_vps_op_queue_irq", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_QUEUE_IRQ, g.vpsid, 31, 0, 0, &o), "queue_irq vector 31 (an exception)");
	vmm_check_st("queue-irq-zero", "mv_vps_op_queue_irq", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_QUEUE_IRQ, g.vpsid, 0, 0, 0, &o), "queue_irq vector 0");
	vmm_check_st("queue-irq-revz", "mv_vps_op_queue_irq", EXP_STATUS_INVALID_PARAMS2,
		 vps(EXP_IDX_QUEUE_IRQ, g.vpsid, 0x140, 0, 0, &o), "queue_irq with REG2[63:8] != 0 (REVZ)");
	bad_vpsid("queue_irq", EXP_IDX_QUEUE_IRQ, 0x40, 0);
	g.mb->irq_count = 0;
	st = vmm_guest_run(&g, G_IRQ, (uint64_t[]){ 0x40, 1000 }, 2, &r, &a);
	check_eq("queue-irq-refused-none", "mv_vps_op_queue_irq,MV_STATUS_INVALID_PARAMS2", 0,
		 g.mb->res[0], "the refused queue_irq calls injected nothing");
	/* The largest vector: REG2 = 0xFF has no REVZ bit set. */
	queue_irq_taken("queue-irq-255", 0xFF, " (the last vector)");

	/* get_tsc_khz */
	st = vps(EXP_IDX_GET_TSC_KHZ, g.vpsid, 0, 0, 0, &o);
	vmm_check_st("tsc-khz", "mv_vps_op_get_tsc_khz", EXP_STATUS_SUCCESS, st, "get_tsc_khz");
	check_tok("tsc-khz-nonzero", "mv_vps_op_get_tsc_khz", "nonzero", rt_hex(o.r[0]),
		  st == EXP_STATUS_SUCCESS && o.r[0] != 0, "the TSC frequency is non-zero");
	bad_vpsid("get_tsc_khz", EXP_IDX_GET_TSC_KHZ, 0, 0);
}

void probe_main(void)
{
	uint64_t root_vps = 0, v;
	struct hc_regs o;

	vmm_init(true);
	for (uint64_t i = 0; i < EXP_MAX_VPS; i++)
		if (hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, i)) == EXP_STATUS_SUCCESS &&
		    o.r[0] == EXP_ROOT_VMID)
			root_vps++;
	vmm_guest_new(&g, "vps guest");
	{
		uint64_t r, a, st = vmm_guest_run(&g, G_NOP, 0, 0, &r, &a);
		if (st != EXP_STATUS_SUCCESS || r != EXP_EXIT_HLT)
			probe_error("the guest agent does not run to its first HLT (status 0x%llx, %s)",
				    (unsigned long long)st, vmm_exit_name(r));
	}
	if (vmm_vm_create(&sv_vm) != EXP_STATUS_SUCCESS || vmm_vp_create(sv_vm, &sv_vp) != EXP_STATUS_SUCCESS ||
	    vmm_vps_create(sv_vp, &sv) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the scratch VPS");
	test_create_destroy(root_vps + 1);
	test_cpuid();
	test_regs();
	test_msrs();
	test_fpu();
	test_mem_ops();
	test_idmap_edge_1g();
	(void)v;
	vmm_vps_destroy(sv);
	vmm_vp_destroy(sv_vp);
	vmm_vm_destroy(sv_vm);
	vmm_check_st("guest-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_guest_free(&g),
		 "the guest is destroyed");
}
