/*
 * guestxcr0: a guest VM's XSETBV cannot change the root's XCR0 (attack
 * probe; docs/root-vm.md "XSETBV", docs/spec-errata.md E-58).  XCR0 is one
 * processor register that neither VM entry/exit nor VMRUN/#VMEXIT switches,
 * so a guest that could load it would turn off state components the root
 * OS enabled (its AVX would raise #UD).  The root sets CR4.OSXSAVE and its
 * own XCR0 (x87+SSE, and AVX where offered), then makes the guest agent run
 * a snippet that sets the guest's CR4.OSXSAVE and executes XSETBV with
 * XCR0 = 1.  Expected: the guest's run ends with mv_vp_exit_t_fault, kind
 * unhandled (VMX: the unconditional XSETBV exit; SVM: the XSETBV intercept of
 * the guest's VMCB), and the root's XGETBV still reads what it set.
 * Skipped where the processor has no XSAVE (qemu-tcg-amd's qemu64, mvsim).
 */
#include "multiboot.h"
#include "vmm.h"

PROBE_TITLE("a guest VM's XSETBV cannot change the root's XCR0");

#define CR4_OSXSAVE (1ull << 18)
#define ITEMS "mv_vp_run_vp,mv_vp_exit_t_fault"

extern const char gx_snippet[], gx_snippet_end[];

void probe_main(void)
{
	if (!((cpuid1(1).ecx >> 26) & 1)) {
		check_skip("guest-xsetbv-fault", "none", "the processor has no XSAVE (CPUID.1:ECX[26] = 0)");
		check_skip("guest-xsetbv-root-xcr0-kept", "none",
			   "the processor has no XSAVE (CPUID.1:ECX[26] = 0)");
		return;
	}
	struct guest g;
	vmm_init(true);
	vmm_guest_new(&g, "xcr0 guest");

	uint64_t p = vmm_alloc(1);
	volatile uint8_t *page = vmm_gpa_ptr(p);
	uint64_t size = (uint64_t)(gx_snippet_end - gx_snippet);
	for (unsigned i = 0; i < 0x1000; i++)
		page[i] = i < size ? (uint8_t)gx_snippet[i] : 0;
	vmm_check_st("share-snippet", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(g.vmid, p, GUEST_SCRATCH_GPA, 0x1000,
				   EXP_GPA_RW | EXP_GPA_FLAG_EXECUTE_ACCESS),
		     "share the snippet's page with the guest (RWX)");

	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_OSXSAVE);
	uint64_t orig = xgetbv0();
	struct cpuid_regs d = cpuid2(0xD, 0);
	uint64_t mine = 0x3 | (d.eax & 0x4); /* x87, SSE, and AVX if offered */
	xsetbv0(mine);

	uint64_t r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run(&g, G_EXEC, (uint64_t[]){ GUEST_SCRATCH_GPA }, 1, &r, &a);
	uint64_t after = xgetbv0();
	xsetbv0(orig);
	write_cr4(cr4);

	check_eq("guest-xsetbv-fault", ITEMS, EXP_FAULT(EXP_VP_FAULT_UNHANDLED, 0),
		 st != EXP_STATUS_SUCCESS ? st : r != EXP_EXIT_FAULT ? r : a & ~EXP_VP_FAULT_DETAIL_MASK,
		 "the guest's XSETBV (CR4.OSXSAVE set, XCR0 = 1) ends its run with "
		 "mv_vp_exit_t_fault, kind unhandled (got: REG1 without its detail, or the "
		 "reason, or the status; run ended %s)", vmm_exit_name(r));
	check_eq("guest-xsetbv-root-xcr0-kept", ITEMS, mine, after,
		 "the root's XCR0 after the guest's run is the x87+SSE(+AVX) it set");
}
