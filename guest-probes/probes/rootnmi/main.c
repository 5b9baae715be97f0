/*
 * rootnmi: NMI IPIs the root sends through its local APIC (docs/root-vm.md,
 * "Local APIC"; kvm-unit-tests' eventinj does the same).
 *
 * The hypervisor never writes an NMI to the hardware ICR: it queues an NMI
 * to each target root VP (hv/core/apic.c apic_root_nmi), and the backend
 * holds it while that VP blocks NMIs (SVM: IRET intercept and a single
 * step; VMX: the interruptibility state and MTF).  Checked as a machine
 * would behave: a self-NMI is taken right after the ICR store; a second one
 * sent from inside the NMI handler is not taken there, but right after the
 * handler's IRET, at the instruction it returns to, or after the IRET of a
 * #GP taken inside the handler (any IRET ends the blocking); all-including-self is
 * taken once; all-excluding-self does not reach the sender (the APs the probe
 * never started wait for a SIPI: NMIs blocked) and an NMI to an APIC ID no
 * CPU has reaches nothing.
 *
 * No ABI item names the root's platform: every check is items=none.
 */
#include "msr_safe.h"
#include "probe.h"

PROBE_TITLE("root VM NMI IPIs: delivered through the ICR, blocked until the handler's IRET");

#define LAPIC 0xFEE00000ull
#define REG_ID 0x20u
#define REG_ICR_HI 0x310u
#define ICR_NMI 0x00004400u             /* delivery mode NMI, assert, physical */
#define ICR_NMI_ALL_INCL_SELF 0x00084400u
#define ICR_NMI_ALL_EXCL_SELF 0x000C4400u
#define ABSENT_APIC_ID 0x3Eu
#define GATE_INTR_P 0x8E
#define MSR_X2APIC_ID 0x802u
#define SPIN 200000

void rootnmi_send(uint64_t lapic_page, uint32_t icr_lo);
void rootnmi_send_nested(uint64_t lapic_page, uint32_t icr_lo);
void rootnmi_stub(void);
void rootnmi_handler(const uint64_t *frame);
extern char rootnmi_after_send[];

static volatile uint32_t nmi_count, count_inside;
static volatile uint64_t first_rip, nested_rip;
enum nest_exc { EXC_NONE, EXC_GP, EXC_UD };
static volatile bool nest;
static volatile enum nest_exc nest_exc;
extern char rt_rdmsr_resume[], rootnmi_stgi_insn[], rootnmi_stgi_resume[];
void rootnmi_stgi(void);

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void rootnmi_handler(const uint64_t *frame)
{
	uint32_t n = ++nmi_count;

	if (n == 1) {
		first_rip = frame[0];
		if (nest) {
			rootnmi_send_nested(LAPIC, ICR_NMI); /* to itself: ICR_HI is set */
			if (nest_exc == EXC_GP) /* x2APIC off: #GP (the core's on VMX) */
				(void)rt_rdmsr_safe(MSR_X2APIC_ID, &(uint64_t){ 0 }, NULL);
			if (nest_exc == EXC_UD) { /* #UD (the core's on SVM) */
				rt_expect(6, (uintptr_t)rootnmi_stgi_insn,
					  (uintptr_t)rootnmi_stgi_resume);
				rootnmi_stgi();
				(void)rt_expect_take(NULL);
			}
			for (int i = 0; i < SPIN; i++)
				__asm__ volatile("pause");
			count_inside = nmi_count;
		}
	} else if (n == 2) {
		nested_rip = frame[0];
	}
}

static void set_dest(uint32_t apic_id)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC + REG_ICR_HI) = apic_id << 24;
}

/* Gate 2 of the runtime's IDT -> rootnmi_stub. */
static void install_gate(void)
{
	struct idt_ptr p;
	uint16_t cs;
	uint64_t a = (uint64_t)(uintptr_t)rootnmi_stub;

	__asm__ volatile("sidt %0" : "=m"(p));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint32_t *g = (uint32_t *)(uintptr_t)(p.base + 2 * 16);
	g[0] = (uint32_t)(a & 0xFFFF) | ((uint32_t)cs << 16);
	g[1] = (uint32_t)(a & 0xFFFF0000u) | ((uint32_t)GATE_INTR_P << 8);
	g[2] = (uint32_t)(a >> 32);
	g[3] = 0;
}

static void reset(bool nested, enum nest_exc exc)
{
	nmi_count = 0;
	count_inside = 0;
	first_rip = nested_rip = 0;
	nest = nested;
	nest_exc = exc;
}

static void spin(void)
{
	for (int i = 0; i < SPIN; i++)
		__asm__ volatile("pause");
}

static void check_nested_exception(enum nest_exc exc, const char *tag, const char *what,
				   uintptr_t resume)
{
	reset(true, exc);
	rootnmi_send(LAPIC, ICR_NMI);
	spin();
	check_eq(rt_fmt("nmi-held-across-%s", tag), "none", 2, nmi_count,
		 "a self-NMI sent inside the NMI handler, then a %s there: the held NMI is "
		 "taken, once", what);
	check_tok(rt_fmt("nmi-held-until-%s-iret", tag), "none", rt_hex(resume), rt_hex(nested_rip),
		  nested_rip == resume && count_inside == 2,
		  "it is taken right after the %s handler's IRET (which ends the NMI blocking), at "
		  "the instruction behind the faulting one, inside the first handler", what);
}

void probe_main(void)
{
	uint32_t id = *(volatile uint32_t *)(uintptr_t)(LAPIC + REG_ID) >> 24;
	uint64_t after = (uint64_t)(uintptr_t)rootnmi_after_send;

	install_gate();
	set_dest(id);

	reset(true, EXC_NONE);
	rootnmi_send(LAPIC, ICR_NMI);
	spin();
	check_tok("nmi-ipi-self-taken", "none", rt_hex(after), rt_hex(first_rip), first_rip == after,
		  "an NMI sent through the ICR to its own APIC ID (0x%x) is taken right after the "
		  "store", id);
	check_eq("nmi-blocked-in-handler", "none", 1, count_inside,
		 "a second self-NMI sent inside the NMI handler is not taken before the handler's "
		 "IRET");
	check_eq("nmi-held-taken-once", "none", 2, nmi_count,
		 "that second NMI is taken, once, after the handler returned");
	check_tok("nmi-held-until-iret", "none", rt_hex(after), rt_hex(nested_rip),
		  nested_rip == after,
		  "it is taken right after the IRET, at the instruction the IRET returned to");

	/* The held NMI and an exception at once: the exception handler's IRET
	 * ends the NMI blocking (any IRET does, SDM 6.7.1), so the held NMI is
	 * taken right after it, inside the first NMI's handler. */
	check_nested_exception(EXC_GP, "gp", "#GP (RDMSR of the x2APIC ID)",
			       (uintptr_t)rt_rdmsr_resume);
	check_nested_exception(EXC_UD, "ud", "#UD (STGI)", (uintptr_t)rootnmi_stgi_resume);

	reset(false, EXC_NONE);
	rootnmi_send(LAPIC, ICR_NMI_ALL_INCL_SELF);
	spin();
	check_eq("nmi-all-incl-self", "none", 1, nmi_count,
		 "an NMI to all including self (ICR shorthand 10b) is taken once on its own CPU");

	reset(false, EXC_NONE);
	rootnmi_send(LAPIC, ICR_NMI_ALL_EXCL_SELF);
	spin();
	check_eq("nmi-all-excl-self", "none", 0, nmi_count,
		 "an NMI to all excluding self does not reach its own CPU (the others, not "
		 "started, wait for a SIPI and block NMIs)");

	reset(false, EXC_NONE);
	set_dest(ABSENT_APIC_ID);
	rootnmi_send(LAPIC, ICR_NMI);
	set_dest(0);
	spin();
	check_eq("nmi-absent-cpu", "none", 0, nmi_count,
		 "an NMI to APIC ID 0x%x (no CPU) reaches nothing", ABSENT_APIC_ID);
}
