/*
 * devmem: the root VM owns the machine as an OS would (issue "the real
 * hypervisor"; hv/arch/x86/README.md "Device memory of the root VM"):
 * device memory passes through to it, the local APIC included (read
 * directly; its stores are emulated, docs/root-vm.md "Local APIC").
 *
 *  1. The I/O APIC at 0xFEC00000 (its architectural default) answers: the
 *     root selects register 1 (version) through IOREGSEL and reads IOWIN; a
 *     real I/O APIC reports a version of 0x1x/0x2x and at least one
 *     redirection entry.  Without the pass-through the read would stop the
 *     root VM instead.
 *  2. The root programs the I/O APIC's last and first redirection entries (masked):
 *     fixed delivery with vector 0x40 reads back; INIT and SMI delivery are
 *     not performed (the entry keeps the fixed one): a pin could otherwise
 *     reset a processor while it runs the hypervisor (docs/root-vm.md).
 *     Each entry is restored afterwards.
 *  3. The local APIC's version register (0xFEE00030) reads an integrated
 *     local APIC (0x1x): the page is the real one, mapped read-only (the
 *     stores and what they may not do: the lapic probe).
 *  4. Last, an 8-bit store to IOREGSEL (C6 /0, a form the hypervisor does
 *     not emulate) must stop the root (MVP EXPECT-STOP): a store it cannot
 *     decode is never guessed nor performed, on the I/O APIC as on the
 *     local APIC.
 *
 * Only for backends with an I/O APIC (QEMU, Bochs): mvsim models only the
 * local APIC (probe.toml: needs = ["mmio"]).  No ABI item names the root's
 * devices, so the checks are items=none.
 */
#include "probe.h"

PROBE_TITLE("root VM device memory: the I/O APIC and the local APIC pass through, INIT/SMI pins refused");

#define IOAPIC_BASE 0xFEC00000ull
#define IOAPIC_VER 0x01u
#define IOAPIC_RTE0 0x10u
#define RTE_MASKED (1u << 16)
#define RTE_MODE_SMI (2u << 8)
#define RTE_MODE_INIT (5u << 8)
#define LAPIC_VERSION 0xFEE00030ull

/* Write `v` to I/O APIC register `reg`, read it back. */
static uint32_t rte_write(volatile uint32_t *regsel, volatile uint32_t *iowin, uint32_t reg,
			  uint32_t v)
{
	*regsel = reg;
	*iowin = v;
	*regsel = reg;
	return *iowin;
}

/* `tag`: "" for the last entry, "0" for the first (check ids ioapic-rte<tag>-...). */
static void check_rte(volatile uint32_t *regsel, volatile uint32_t *iowin, uint32_t reg,
		      const char *tag)
{
	*regsel = reg;
	uint32_t saved = *iowin;
	uint32_t fixed = rte_write(regsel, iowin, reg, RTE_MASKED | 0x40);

	check_eq(rt_fmt("ioapic-rte%s-fixed", tag), "none", RTE_MASKED | 0x40, fixed & 0x1FFFF,
		 "a masked redirection entry (register 0x%x) with fixed delivery, vector 0x40, "
		 "reads back", reg);
	check_eq(rt_fmt("ioapic-rte%s-init-refused", tag), "none", RTE_MASKED | 0x40,
		 rte_write(regsel, iowin, reg, RTE_MASKED | RTE_MODE_INIT) & 0x1FFFF,
		 "programming the entry to deliver INIT is not performed: it keeps the fixed one");
	check_eq(rt_fmt("ioapic-rte%s-smi-refused", tag), "none", RTE_MASKED | 0x40,
		 rte_write(regsel, iowin, reg, RTE_MASKED | RTE_MODE_SMI) & 0x1FFFF,
		 "programming the entry to deliver SMI is not performed: it keeps the fixed one");
	rte_write(regsel, iowin, reg, saved);
}

void probe_main(void)
{
	volatile uint32_t *regsel = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE;
	volatile uint32_t *iowin = (volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10);

	*regsel = IOAPIC_VER;
	uint32_t ver = *iowin;
	uint32_t version = ver & 0xFF, max_redir = (ver >> 16) & 0xFF;
	check_tok("ioapic-version", "none", "0x10-0x2f", rt_hex(ver),
		  version >= 0x10 && version <= 0x2F && max_redir >= 1,
		  "the I/O APIC's version register (version 0x%x, %u redirection entries) "
		  "reads through: device memory passes through to the root VM",
		  version, max_redir + 1);

	check_rte(regsel, iowin, IOAPIC_RTE0 + 2 * max_redir, "");
	check_rte(regsel, iowin, IOAPIC_RTE0, "0");

	uint32_t lver = *(volatile uint32_t *)(uintptr_t)LAPIC_VERSION & 0xFF;
	check_tok("root-lapic-read", "none", "0x10-0x1f", rt_hex(lver), lver >= 0x10 && lver <= 0x1F,
		  "the root reads its local APIC's version register (0x%llx): 0x%x",
		  (unsigned long long)LAPIC_VERSION, lver);

	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_DEVICE_FORM,
						RT_STOP_RIP(rt_stop_store8_1) },
			  "ioapic-byte-store-stops", "none",
			  "an 8-bit store to the I/O APIC's IOREGSEL (a form the hypervisor does "
			  "not emulate) stops the root");
	rt_stop_store8_1((volatile uint8_t *)(uintptr_t)IOAPIC_BASE); /* C6 /0 */
	check_tok("ioapic-byte-store-stopped", "none", "root-stopped", "continued", false,
		  "the 8-bit store to the I/O APIC did not stop the root");
}
