/* rdmsr_safe / wrmsr_safe: RDMSR and WRMSR (runtime/msr_safe.S) with #GP at
 * the instruction expected (runtime/idt.c) instead of ending the probe. */
#include "exception.h"
#include "msr_safe.h"

extern char rt_rdmsr_insn[], rt_rdmsr_resume[], rt_wrmsr_insn[], rt_wrmsr_resume[];
uint64_t rt_rdmsr_raw(uint32_t msr);
void rt_wrmsr_raw(uint32_t msr, uint64_t val);

bool rt_rdmsr_safe(uint32_t msr, uint64_t *val, struct rt_exc *exc)
{
	rt_expect(RT_VECTOR_GP, (uintptr_t)rt_rdmsr_insn, (uintptr_t)rt_rdmsr_resume);
	uint64_t v = rt_rdmsr_raw(msr);
	bool gp = rt_expect_take(exc);
	if (val)
		*val = gp ? 0 : v;
	return !gp;
}

bool rt_wrmsr_safe(uint32_t msr, uint64_t val, struct rt_exc *exc)
{
	rt_expect(RT_VECTOR_GP, (uintptr_t)rt_wrmsr_insn, (uintptr_t)rt_wrmsr_resume);
	rt_wrmsr_raw(msr, val);
	return !rt_expect_take(exc);
}
