/*
 * initself: an INIT the root sends to its own processor (docs/root-vm.md
 * "CPU start-up"): a physical INIT would reset the CPU while it may run the
 * hypervisor, and the hypervisor does not emulate the reset of a running root
 * VP, so the ICR store stops the root (`[hv] root VM stopped on pp 0: INIT to
 * its own processor ...`).  First, an INIT level de-assert to itself (no
 * effect since the Pentium 4) and a SIPI to itself (only a CPU waiting for
 * one takes it) are harmless: the root continues.  Then the INIT with the
 * shorthand self must stop the root (MVP EXPECT-STOP): nothing after it runs.
 * The root's platform is not an ABI item: every check is items=none.
 */
#include "probe.h"

PROBE_TITLE("root INIT to its own processor: stopped, never a reset of the CPU");

#define LAPIC 0xFEE00000ull
#define REG_ICR_LO 0x300u
#define REG_ICR_HI 0x310u
#define ICR_SELF (1u << 18)
#define ICR_INIT 0x00000500u
#define ICR_SIPI 0x00000600u
#define ICR_LEVEL_TRIGGER (1u << 15) /* with ASSERT (bit 14) clear: de-assert */

static volatile uint32_t *apic_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(LAPIC + off);
}

static void icr(uint32_t lo)
{
	apic_reg(REG_ICR_HI)[0] = 0;
	apic_reg(REG_ICR_LO)[0] = lo;
}

void probe_main(void)
{
	icr(ICR_INIT | ICR_LEVEL_TRIGGER | ICR_SELF);
	check_tok("init-deassert-self", "none", "continued", "continued", true,
		  "an INIT level de-assert to itself has no effect: the root continues");
	icr(ICR_SIPI | ICR_SELF | 0x10);
	check_tok("sipi-self-ignored", "none", "continued", "continued", true,
		  "a SIPI to itself (a running CPU) is ignored: the root continues");
	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_INIT_SELF,
						RT_STOP_RIP(rt_stop_store32) },
			  "init-self-stops", "none",
			  "an INIT to its own processor (ICR shorthand self, the ICR low store by "
			  "rt_stop_store32) stops the root: the hypervisor does not reset the CPU it "
			  "runs on");
	apic_reg(REG_ICR_HI)[0] = 0;
	rt_stop_store32(apic_reg(REG_ICR_LO), ICR_INIT | ICR_SELF | (1u << 14));
	check_tok("init-self-stopped", "none", "root-stopped", "continued", false,
		  "the INIT to its own processor did not stop the root");
}
