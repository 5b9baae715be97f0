/*
 * idtgate: event delivery through a 64-bit IDT gate checks the gate's code
 * segment (SDM Vol. 3 6.14.1 and the INT n pseudocode of Vol. 2; E-73).
 * The root points gate 31 at the runtime's 32-bit code segment (GDT 0x18),
 * at its data segment (0x10) and at the 64-bit one (0x08), and executes
 * INT 31 each time: the first two raise #GP with the selector as error
 * code (EXT clear: a software interrupt) and RIP at the INT; the last is
 * delivered.  The hardware backends deliver the root's events themselves,
 * mvsim by hand (sim/unicorn/inject.c), which before E-73 delivered through
 * the 32-bit segment's gate as if it named the 64-bit one.  No catalogue
 * item names the root's own IDT: items=none.
 */
#include "probe.h"

PROBE_TITLE("a long-mode IDT gate naming a 32-bit code or a data segment: #GP(selector)");

#define NONE "none"
#define VEC 31u
#define VECTOR_GP 13u
#define SEL_CODE64 0x08u
#define SEL_DATA 0x10u
#define SEL_CODE32 0x18u

extern char ig_int31_insn[], ig_int31_resume[];
void ig_int31(void);

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The selector field of gate VEC in the IDT the runtime loaded. */
static volatile uint16_t *gate_sel(void)
{
	struct idt_ptr p;

	__asm__ volatile("sidt %0" : "=m"(p));
	return (volatile uint16_t *)(uintptr_t)(p.base + VEC * 16 + 2);
}

static const char *exc_token(bool fired, const struct rt_exc *e)
{
	if (!fired)
		return "no-fault";
	return rt_fmt("vector-%u-error-0x%llx", e->vector, (unsigned long long)e->error);
}

/* INT 31 through a gate naming `sel`: #GP(sel) at the INT, nothing delivered. */
static void refused(const char *id, uint16_t sel, const char *what)
{
	volatile uint16_t *gs = gate_sel();
	uint16_t keep = *gs;
	struct rt_exc e = { 0 };

	*gs = sel;
	rt_expect(VECTOR_GP, (uintptr_t)ig_int31_insn, (uintptr_t)ig_int31_resume);
	ig_int31();
	bool fired = rt_expect_take(&e);
	*gs = keep;
	const char *want = rt_fmt("vector-13-error-0x%x", sel);
	check_tok(id, NONE, want, exc_token(fired, &e), fired && e.error == sel,
		  "INT 31 through a 64-bit interrupt gate whose selector 0x%x names %s raises "
		  "#GP(0x%x) with RIP at the INT", sel, what, sel);
}

void probe_main(void)
{
	refused("gate-code32-gp", SEL_CODE32, "a 32-bit code segment (L = 0, D = 1)");
	refused("gate-data-gp", SEL_DATA, "a data segment");

	/* The same gate with the 64-bit code segment is delivered: vector 31,
	 * RIP after the INT. */
	struct rt_exc e = { 0 };
	rt_expect(VEC, (uintptr_t)ig_int31_resume, (uintptr_t)ig_int31_resume);
	ig_int31();
	bool fired = rt_expect_take(&e);
	check_tok("gate-code64-delivered", NONE, "vector-31-error-0x0", exc_token(fired, &e),
		  fired && e.vector == VEC && e.error == 0,
		  "INT 31 through the gate with selector 0x%x (64-bit code) is delivered with "
		  "RIP after the INT", SEL_CODE64);
}
