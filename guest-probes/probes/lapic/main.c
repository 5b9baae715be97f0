/*
 * lapic: the root VM's local APIC (docs/root-vm.md, "Local APIC").
 *
 * The root reads its real local APIC (ID, version) through the xAPIC page;
 * its stores to the page trap and are emulated: the three store forms
 * compilers emit (C7 /0 with disp32 and a legacy prefix, 89 /r with disp8,
 * REX 89 /r with SIB) each write the TPR and read back.  The LVT entries
 * thermal and LINT1 take a masked fixed entry but not INIT or SMI delivery
 * (those stores are not performed).  A TPR store shows in CR8 (TPR[7:4]),
 * a store to another register changes neither.  IA32_APIC_BASE reads
 * the hardware's value; writing it unchanged is allowed, and moving the
 * base, enabling x2APIC or disabling the APIC raise #GP and change nothing.
 * CPUID hides x2APIC, and the x2APIC MSRs (ID read, ICR write of INIT)
 * raise #GP as they do with x2APIC off.  An INIT through the xAPIC ICR to an
 * APIC ID no CPU has reaches nothing (the root continues).  Last, an 8-bit
 * store to the page (a form the hypervisor does not emulate) must stop the
 * root (MVP EXPECT-STOP): never guessed, never performed.
 *
 * No ABI item names the root's platform: every check is items=none.
 */
#include "probe.h"

PROBE_TITLE("root VM local APIC: real reads, emulated stores, IA32_APIC_BASE and x2APIC refused");

#define LAPIC 0xFEE00000ull
#define REG_ID 0x20u
#define REG_VERSION 0x30u
#define REG_TPR 0x80u
#define REG_ICR_LO 0x300u
#define REG_ICR_HI 0x310u
#define MSR_APIC_BASE 0x1Bu
#define MSR_X2APIC_ID 0x802u
#define MSR_X2APIC_ICR 0x830u
#define BASE_BSP (1ull << 8)
#define BASE_X2APIC (1ull << 10)
#define BASE_ENABLE (1ull << 11)
#define VECTOR_GP 13
#define ICR_INIT 0x00004500u
#define ICR_INIT_ALL_BUT_SELF 0x000C4500u
#define ABSENT_APIC_ID 0x3Eu
#define LVT_MASKED (1u << 16)
#define LVT_MODE_SMI (2u << 8)
#define LVT_MODE_INIT (5u << 8)

uint64_t lapic_rdmsr(uint32_t msr);
void lapic_wrmsr(uint32_t msr, uint64_t v);
void lapic_store_imm(uint64_t page, uint32_t nonzero);
void lapic_store_reg(uint64_t page, uint32_t value);
void lapic_store_sib(uint64_t page, uint64_t off, uint32_t value);
void lapic_store_byte(uint64_t addr);
extern char lapic_rdmsr_insn[], lapic_rdmsr_resume[], lapic_wrmsr_insn[], lapic_wrmsr_resume[];

static uint32_t reg(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC + off);
}

/* Whether the RDMSR/WRMSR raised #GP (vector 13). */
static bool rdmsr_gp(uint32_t msr, uint64_t *v)
{
	struct rt_exc e;

	rt_expect(VECTOR_GP, (uintptr_t)lapic_rdmsr_insn, (uintptr_t)lapic_rdmsr_resume);
	*v = lapic_rdmsr(msr);
	return rt_expect_take(&e);
}

static bool wrmsr_gp(uint32_t msr, uint64_t v)
{
	struct rt_exc e;

	rt_expect(VECTOR_GP, (uintptr_t)lapic_wrmsr_insn, (uintptr_t)lapic_wrmsr_resume);
	lapic_wrmsr(msr, v);
	return rt_expect_take(&e);
}

/* A check whose documented outcome is #GP (want_gp) or no fault. */
static void check_fault(const char *id, bool want_gp, bool gp, const char *desc)
{
	const char *want = want_gp ? "gp" : "no-fault";

	check_tok(id, "none", want, gp ? "gp" : "no-fault", gp == want_gp, "%s", desc);
}

static void check_reads(uint8_t cpuid_id)
{
	uint32_t id = reg(REG_ID) >> 24, ver = reg(REG_VERSION) & 0xFF;

	check_eq("lapic-read-id", "none", cpuid_id, id,
		 "the root reads its local APIC's ID register (0xFEE00020) and it is the "
		 "initial APIC ID of CPUID 1 EBX[31:24]");
	check_tok("lapic-read-version", "none", "0x10-0x1f", rt_hex(ver), ver >= 0x10 && ver <= 0x1F,
		  "the version register reads an integrated local APIC (0x%x)", ver);
}

static void check_stores(void)
{
	lapic_store_imm(LAPIC, 1);
	check_eq("lapic-store-c7-disp32", "none", 0x20, reg(REG_TPR) & 0xFF,
		 "MOV r/m32, imm32 (C7 /0, disp32) to the TPR is emulated: it reads back");
	lapic_store_imm(LAPIC, 0);
	check_eq("lapic-store-c7-prefix-disp8", "none", 0, reg(REG_TPR) & 0xFF,
		 "C7 /0 with a DS prefix and disp8 to the TPR is emulated: it reads back");
	lapic_store_reg(LAPIC, 0x30);
	check_eq("lapic-store-89-disp8", "none", 0x30, reg(REG_TPR) & 0xFF,
		 "MOV r/m32, r32 (89 /r, disp8) to the TPR is emulated: it reads back");
	lapic_store_sib(LAPIC, REG_TPR, 0x10);
	check_eq("lapic-store-89-rex-sib", "none", 0x10, reg(REG_TPR) & 0xFF,
		 "REX.R 89 /r with a SIB byte (R9D) to the TPR is emulated: it reads back");
	lapic_store_reg(LAPIC, 0);
}

/* An LVT entry with a delivery mode (thermal 0x330 and LINT1 0x360, the two
 * ends of the range 0x330-0x360): a masked fixed entry is performed, INIT
 * and SMI are not (a local source would reset or SMI this CPU while it may
 * run the hypervisor).  Each entry is put back. */
static void check_lvt(uint32_t off, const char *name)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(LAPIC + off);
	uint32_t saved = *p;

	*p = LVT_MASKED | 0x40;
	check_eq(rt_fmt("lvt-%s-fixed", name), "none", LVT_MASKED | 0x40, *p & 0x1FFFF,
		 "LVT %s (0x%x) masked, fixed delivery, vector 0x40: performed, reads back", name,
		 off);
	*p = LVT_MASKED | LVT_MODE_INIT;
	check_eq(rt_fmt("lvt-%s-init-refused", name), "none", LVT_MASKED | 0x40, *p & 0x1FFFF,
		 "LVT %s with delivery mode INIT is not performed: it keeps the fixed entry", name);
	*p = LVT_MASKED | LVT_MODE_SMI;
	check_eq(rt_fmt("lvt-%s-smi-refused", name), "none", LVT_MASKED | 0x40, *p & 0x1FFFF,
		 "LVT %s with delivery mode SMI is not performed: it keeps the fixed entry", name);
	*p = saved;
}

static uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/* CR8 is TPR[7:4] (SDM 10.8.6.1): an emulated TPR store shows in CR8, and a
 * store to another register (here the LVT entries, values 0x10040 and
 * 0x100F0, whose bits 7:4 are not 5) changes neither CR8 nor the TPR. */
static void check_tpr_cr8(void)
{
	volatile uint32_t *thermal = (volatile uint32_t *)(uintptr_t)(LAPIC + 0x330);
	uint32_t saved = *thermal;

	lapic_store_reg(LAPIC, 0x50);
	check_eq("lapic-tpr-store-cr8", "none", 5, read_cr8(),
		 "after the emulated store of 0x50 to the TPR, CR8 reads 5 (TPR[7:4])");
	*thermal = LVT_MASKED | 0x40;
	*thermal = LVT_MASKED | 0xF0;
	*thermal = saved;
	check_eq("lapic-other-store-cr8", "none", 5, read_cr8(),
		 "stores to another APIC register (LVT thermal) leave CR8 at 5");
	check_eq("lapic-other-store-tpr", "none", 0x50, reg(REG_TPR) & 0xFF,
		 "and the TPR at 0x50");
	lapic_store_reg(LAPIC, 0);
}

static void check_apic_base(void)
{
	uint64_t base = 0, after = 0;

	if (!check_tok("apic-base-read", "none", "0xfee00000-enabled", rt_hex(base),
		       !rdmsr_gp(MSR_APIC_BASE, &base) && (base & ~0xFFFull) == LAPIC &&
			       (base & BASE_ENABLE) && (base & BASE_BSP) && !(base & BASE_X2APIC),
		       "RDMSR IA32_APIC_BASE on the BSP reads the hardware's value: base "
		       "0xFEE00000, enabled, BSP, xAPIC mode"))
		return;
	check_fault("apic-base-same-write", false, wrmsr_gp(MSR_APIC_BASE, base),
		    "writing IA32_APIC_BASE unchanged is allowed");
	check_fault("apic-base-move-gp", true,
		    wrmsr_gp(MSR_APIC_BASE, (base & 0xFFFull) | 0xFED00000ull),
		    "moving the xAPIC page (base 0xFED00000) raises #GP");
	check_fault("apic-x2apic-enable-gp", true, wrmsr_gp(MSR_APIC_BASE, base | BASE_X2APIC),
		    "enabling x2APIC through IA32_APIC_BASE raises #GP");
	rdmsr_gp(MSR_APIC_BASE, &after);
	check_eq("apic-base-unchanged", "none", base, after,
		 "after the refused writes IA32_APIC_BASE is what it was");
	/* Disabling and enabling again (an APIC reset, as OSes and kvm-unit-tests
	 * do): the root sees its EN bit; the hardware APIC stays enabled. */
	uint64_t off = ~0ull, on = ~0ull;
	check_fault("apic-disable-allowed", false, wrmsr_gp(MSR_APIC_BASE, base & ~BASE_ENABLE),
		    "clearing IA32_APIC_BASE.EN is allowed");
	rdmsr_gp(MSR_APIC_BASE, &off);
	check_eq("apic-disable-reads-back", "none", base & ~BASE_ENABLE, off,
		 "after the disable IA32_APIC_BASE reads EN=0");
	check_fault("apic-reenable-allowed", false, wrmsr_gp(MSR_APIC_BASE, base),
		    "setting IA32_APIC_BASE.EN again is allowed");
	rdmsr_gp(MSR_APIC_BASE, &on);
	check_eq("apic-reenable-reads-back", "none", base, on,
		 "after the enable IA32_APIC_BASE reads its first value");
}

static void check_x2apic(uint8_t cpuid_id)
{
	uint64_t v = 0;

	check_eq("x2apic-cpuid-hidden", "none", 0, (cpuid1(1).ecx >> 21) & 1,
		 "CPUID 1 ECX[21] (x2APIC) is hidden from the root");
	check_fault("x2apic-id-read-gp", true, rdmsr_gp(MSR_X2APIC_ID, &v),
		    "RDMSR of the x2APIC ID (0x802) with x2APIC off raises #GP");
	check_fault("x2apic-icr-init-gp", true, wrmsr_gp(MSR_X2APIC_ICR, ICR_INIT_ALL_BUT_SELF),
		    "WRMSR of the x2APIC ICR (0x830) with INIT to all but self raises #GP");
	check_eq("x2apic-id-unchanged", "none", cpuid_id, reg(REG_ID) >> 24,
		 "the xAPIC page still answers after the x2APIC attempts");
}

static void check_init_absent(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)LAPIC;

	p[REG_ICR_HI / 4] = ABSENT_APIC_ID << 24;
	p[REG_ICR_LO / 4] = ICR_INIT;
	p[REG_ICR_HI / 4] = 0;
	check_tok("icr-init-absent-cpu", "none", "continued", "continued", true,
		  "an INIT through the xAPIC ICR to APIC ID 0x%x (no CPU) reaches nothing: the root "
		  "continues", ABSENT_APIC_ID);
}

void probe_main(void)
{
	uint8_t cpuid_id = (uint8_t)(cpuid1(1).ebx >> 24);

	check_reads(cpuid_id);
	check_stores();
	check_lvt(0x330, "thermal");
	check_lvt(0x360, "lint1");
	check_tpr_cr8();
	check_apic_base();
	check_x2apic(cpuid_id);
	check_init_absent();

	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_DEVICE_FORM,
						RT_STOP_RIP(lapic_store_byte) },
			  "lapic-byte-store-stops", "none",
			  "an 8-bit store to the local APIC's TPR (a form the hypervisor does not "
			  "emulate) stops the root");
	lapic_store_byte(LAPIC + REG_TPR);
	check_tok("lapic-byte-store-stopped", "none", "root-stopped", "continued", false,
		  "the 8-bit store to the local APIC did not stop the root");
}
