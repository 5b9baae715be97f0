/* IDT for vectors 0-31 and the expected-exception mechanism. */
#include "exception.h"
#include "fmt.h"
#include "report.h"

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define SEL_CODE64 0x08
#define GATE_INTR_P 0x8E /* present, DPL 0, 64-bit interrupt gate */

extern char rt_ud2_insn[], rt_ud2_resume[];
extern char rt_vmcall_insn[], rt_vmmcall_insn[];
void rt_ud2(void);

static struct idt_gate idt[32] __attribute__((aligned(16)));

static struct {
	bool armed;
	uint8_t vector;
	uintptr_t rip, resume;
	struct rt_exc rec;
} expected_exc;

void rt_idt_init(const uint64_t stubs[32])
{
	struct idt_ptr p;
	int v;

	for (v = 0; v < 32; v++) {
		uint64_t a = stubs[v];

		idt[v].off0 = (uint16_t)a;
		idt[v].sel = SEL_CODE64;
		idt[v].ist = 0;
		idt[v].type = GATE_INTR_P;
		idt[v].off1 = (uint16_t)(a >> 16);
		idt[v].off2 = (uint32_t)(a >> 32);
		idt[v].zero = 0;
	}
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p));
}

/*
 * Last chance before an exception counts as unexpected: returns true if it
 * was handled (the frame may have been changed).  Only the in-guest mock
 * hypervisor of the QEMU self-tests (guest-probes/mock) overrides it.
 */
__attribute__((weak)) bool rt_unexpected_hook(struct rt_frame *f)
{
	(void)f;
	return false;
}

void rt_exception(struct rt_frame *f)
{
	if (expected_exc.armed && f->vector == expected_exc.vector && f->rip == expected_exc.rip) {
		expected_exc.armed = false;
		expected_exc.rec.fired = true;
		expected_exc.rec.vector = (uint8_t)f->vector;
		expected_exc.rec.error = f->error;
		expected_exc.rec.rip = f->rip;
		f->rip = expected_exc.resume;
		return;
	}
	if (rt_unexpected_hook(f))
		return;
	if (expected_exc.armed) {
		char what[96];

		expected_exc.armed = false;
		rt_snprintf(what, sizeof(what), "(expected %s at rip=0x%llx)",
			    rt_vector_name(expected_exc.vector), (unsigned long long)expected_exc.rip);
		report_exception(f->vector, f->error, f->rip, what);
	}
	if (f->rip == (uintptr_t)rt_vmcall_insn || f->rip == (uintptr_t)rt_vmmcall_insn) {
		char what[96];

		rt_snprintf(what, sizeof(what), "at %s with rax=0x%llx",
			    f->rip == (uintptr_t)rt_vmcall_insn ? "VMCALL" : "VMMCALL",
			    (unsigned long long)f->rax);
		report_exception(f->vector, f->error, f->rip, what);
	}
	report_exception(f->vector, f->error, f->rip, 0);
}

void rt_expect(uint8_t vector, uintptr_t rip, uintptr_t resume)
{
	expected_exc.rec.fired = false;
	expected_exc.rec.vector = 0;
	expected_exc.rec.error = 0;
	expected_exc.rec.rip = 0;
	expected_exc.vector = vector;
	expected_exc.rip = rip;
	expected_exc.resume = resume;
	__asm__ volatile("" ::: "memory");
	expected_exc.armed = true;
	__asm__ volatile("" ::: "memory");
}

bool rt_expect_take(struct rt_exc *out)
{
	struct rt_exc rec;

	__asm__ volatile("" ::: "memory");
	expected_exc.armed = false;
	rec = expected_exc.rec;
	expected_exc.rec.fired = false;
	if (out)
		*out = rec;
	return rec.fired;
}

uintptr_t rt_ud2_addr(void)
{
	return (uintptr_t)rt_ud2_insn;
}

bool rt_try_ud2(struct rt_exc *out)
{
	rt_expect(6, (uintptr_t)rt_ud2_insn, (uintptr_t)rt_ud2_resume);
	rt_ud2();
	return rt_expect_take(out);
}
