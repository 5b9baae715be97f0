/*
 * initself: the root VM sends INIT to its own processor through the xAPIC
 * ICR (shorthand self).  A reset of the running root VP is not emulated
 * (docs/root-vm.md, "CPU start-up"), and the INIT must never reach the
 * hardware (it would reset a processor that runs the hypervisor): the store
 * stops the root (MVP EXPECT-STOP), it is neither performed nor ignored.
 *
 * Needs a local APIC (feature mmio: QEMU, Bochs; mvsim models none).  No
 * ABI item names the root's platform: the checks are items=none.
 */
#include "probe.h"

PROBE_TITLE("root VM INIT to its own processor: the root is stopped, nothing is sent");

#define LAPIC 0xFEE00000ull
#define REG_ICR_LO 0x300u
#define REG_ICR_HI 0x310u
#define ICR_INIT_SELF 0x00044500u /* shorthand self, level assert, INIT */

void probe_main(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)LAPIC;

	apic[REG_ICR_HI / 4] = 0;
	probe_expect_stop("init-self-stops", "none",
			  "INIT to its own processor (ICR 0x%08x) stops the root", ICR_INIT_SELF);
	apic[REG_ICR_LO / 4] = ICR_INIT_SELF;
	check_tok("init-self-stopped", "none", "root-stopped", "continued", false,
		  "the INIT to the root's own processor did not stop the root");
}
