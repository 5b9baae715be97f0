/*
 * insnexit: instructions that exit to the hypervisor on one vendor and run
 * on the other behave as the CPU the guest's CPUID describes, in a guest VM
 * and in the root VM.  The root copies snippet.S into a page (shared RWX
 * with the guest agent, which runs it through G_EXEC; the root calls the
 * same code itself), one instruction per run:
 *   - INVD, WBINVD, INVLPG complete (VMX: INVD exits unconditionally; the
 *     backend completes it without invalidating the caches), in a guest
 *     also INVD right after STI;
 *   - the VMX instructions (VMXON ... INVVPID; VMX non-root exits on each)
 *     and VMFUNC raise #UD: CPUID hides VMX (docs/root-vm.md), as on a
 *     processor without it (AMD: the opcodes do not exist);
 *   - RDTSCP and INVPCID complete when CPUID offers them (0x80000001
 *     EDX[27], 7.0 EBX[10]; VMX: without their secondary controls the
 *     processor raises #UD in VMX non-root); not offered, no check;
 *   - VMRUN, VMLOAD, VMSAVE, CLGI, INVLPGA, STGI and SKINIT raise #UD, in
 *     a guest VM and in the root VM: CPUID hides SVM and SKINIT (STGI and
 *     SKINIT are valid without SVM where 0x80000001 ECX[12] is set) and the
 *     VM's EFER.SVME is 0; the SVM backend intercepts all seven, mvsim
 *     STGI and SKINIT (Unicorn would run STGI and shut down on SKINIT).
 * Every guest run must end with the agent's HLT.
 */
#include "vmm.h"
#include "insnexit.h"

PROBE_TITLE("INVD, WBINVD, INVLPG, RDTSCP, INVPCID and the VMX/SVM instructions: as the CPUID says");

#define RUN "mv_vp_run_vp,mv_vp_exit_t_hlt"

extern const char ix_snippet[], ix_snippet_end[];

static struct guest g;
static volatile uint8_t *page; /* the shared page, in the root */
static const uint64_t page_gpa_guest = GUEST_SCRATCH_GPA;

static volatile uint64_t *data(unsigned off)
{
	return (volatile uint64_t *)(page + IX_DATA + off);
}

/* One instruction; in the guest (false, after a failed check, when the
 * run did not end with the agent's HLT) or in the root. */
static bool exec(const char *id, bool guest, uint64_t op, uint64_t rax, uint64_t rcx)
{
	*data(IX_OP) = op;
	*data(IX_IN_RAX) = rax;
	*data(IX_IN_RCX) = rcx;
	*data(IX_VEC) = ~0ull;
	if (!guest) {
		((void (*)(void))(uintptr_t)page)();
		return true;
	}
	return vmm_snippet_exec(&g, id, page_gpa_guest);
}

static const char *outcome(void)
{
	uint64_t vec = *data(IX_VEC);
	if (vec == IX_NO_VECTOR)
		return "completes";
	if (vec == 6)
		return "ud";
	if (vec == 13)
		return rt_fmt("gp-0x%llx", (unsigned long long)*data(IX_ERR));
	return rt_fmt("vector-0x%llx", (unsigned long long)vec);
}

/* The instruction's outcome: "completes" (no exception) or "ud". */
static void expect(const char *id, bool guest, uint64_t op, uint64_t rax, const char *want,
		   const char *what)
{
	const char *cid = rt_fmt("%s-%s", guest ? "guest" : "root", id);
	if (!exec(cid, guest, op, rax, 0))
		return;
	const char *got = outcome();
	check_tok(cid, guest ? RUN : "none", want, got, !rt_strcmp(want, got), "%s in the %s: %s",
		  what, guest ? "guest VM" : "root VM", want);
}

/* CPUID leaf/subleaf register `reg` (0 EAX .. 3 EDX) as the VM sees it. */
static uint32_t vm_cpuid(bool guest, uint32_t leaf, uint32_t sub, unsigned reg)
{
	if (!exec("cpuid", guest, IX_OP_CPUID, leaf, sub) || *data(IX_VEC) != IX_NO_VECTOR)
		return 0;
	static const unsigned off[4] = { IX_OUT_RAX, IX_OUT_RBX, IX_OUT_RCX, IX_OUT_RDX };
	return (uint32_t)*data(off[reg & 3]);
}

static void run_all(bool guest)
{
	expect("invd", guest, IX_OP_INVD, 0, "completes", "INVD");
	expect("wbinvd", guest, IX_OP_WBINVD, 0, "completes", "WBINVD");
	expect("invlpg", guest, IX_OP_INVLPG, 0, "completes", "INVLPG");

	/* Offered: they must complete.  Not offered: no check (a processor that
	 * has them runs them whatever CPUID a hypervisor reports, and so does
	 * Unicorn, whose CPU has them while mvsim's CPUID model does not). */
	if (vm_cpuid(guest, 0x80000001u, 0, 3) & (1u << 27))
		expect("rdtscp", guest, IX_OP_RDTSCP, 0, "completes",
		       "RDTSCP (CPUID 0x80000001 EDX[27] = 1)");
	else
		check_skip(rt_fmt("%s-rdtscp", guest ? "guest" : "root"), "none",
			   "RDTSCP: CPUID 0x80000001 EDX[27] = 0 here");
	if (vm_cpuid(guest, 7, 0, 1) & (1u << 10))
		expect("invpcid", guest, IX_OP_INVPCID, 2 /* all contexts, globals too */, "completes",
		       "INVPCID type 2 (CPUID 7.0 EBX[10] = 1)");
	else
		check_skip(rt_fmt("%s-invpcid", guest ? "guest" : "root"), "none",
			   "INVPCID: CPUID 7.0 EBX[10] = 0 here");

	static const struct { uint64_t op; const char *id, *name; } vmx[] = {
		{ IX_OP_VMXON, "vmxon", "VMXON" },       { IX_OP_VMXOFF, "vmxoff", "VMXOFF" },
		{ IX_OP_VMCLEAR, "vmclear", "VMCLEAR" }, { IX_OP_VMPTRLD, "vmptrld", "VMPTRLD" },
		{ IX_OP_VMPTRST, "vmptrst", "VMPTRST" }, { IX_OP_VMREAD, "vmread", "VMREAD" },
		{ IX_OP_VMWRITE, "vmwrite", "VMWRITE" }, { IX_OP_VMLAUNCH, "vmlaunch", "VMLAUNCH" },
		{ IX_OP_VMRESUME, "vmresume", "VMRESUME" }, { IX_OP_INVEPT, "invept", "INVEPT" },
		{ IX_OP_INVVPID, "invvpid", "INVVPID" }, { IX_OP_VMFUNC, "vmfunc", "VMFUNC" },
	};
	for (unsigned i = 0; i < sizeof(vmx) / sizeof(vmx[0]); i++)
		expect(vmx[i].id, guest, vmx[i].op, 0, "ud",
		       rt_fmt("%s (CPUID 1 ECX[5] VMX = 0)", vmx[i].name));
	static const struct { uint64_t op; const char *id, *name; } svm[] = {
		{ IX_OP_VMRUN, "vmrun", "VMRUN" }, { IX_OP_VMLOAD, "vmload", "VMLOAD" },
		{ IX_OP_VMSAVE, "vmsave", "VMSAVE" }, { IX_OP_CLGI, "clgi", "CLGI" },
		{ IX_OP_INVLPGA, "invlpga", "INVLPGA" }, { IX_OP_STGI, "stgi", "STGI" },
		{ IX_OP_SKINIT, "skinit", "SKINIT" },
	};
	uint32_t ecx = vm_cpuid(guest, 0x80000001u, 0, 2);
	check_eq(rt_fmt("%s-cpuid-svm-skinit", guest ? "guest" : "root"), "none", 0,
		 ecx & ((1u << 2) | (1u << 12)),
		 "CPUID 0x80000001 ECX[2] SVM and ECX[12] SKINIT read 0 in the %s (ECX 0x%x)",
		 guest ? "guest VM" : "root VM", ecx);
	for (unsigned i = 0; i < sizeof(svm) / sizeof(svm[0]); i++)
		expect(svm[i].id, guest, svm[i].op, 0, "ud",
		       rt_fmt("%s (CPUID 0x80000001 ECX[2] SVM = 0, ECX[12] SKINIT = 0)",
			      svm[i].name));
	if (!guest)
		return;
	/* Guest only: the root's pending interrupts would arrive at the STI. */
	expect("sti-invd", guest, IX_OP_STI_INVD, 0, "completes",
	       "STI; INVD; CLI (INVD in the STI shadow: VMX completes it with that blocking)");
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "insn guest");

	page = vmm_snippet_page(&g, ix_snippet, ix_snippet_end, IX_DATA, page_gpa_guest);

	run_all(true);
	run_all(false);

	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
