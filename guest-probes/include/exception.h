/*
 * IDT for vectors 0-31.  An unexpected exception is reported as a failed
 * check (vector, error code, RIP) and ends the probe with FAILURE.
 *
 * Expected exceptions: arm "vector V at RIP R, resume at S"; when exactly
 * that exception happens the handler records it, disarms and continues at S
 * with all registers as they were at the fault.
 */
#ifndef PROBE_EXCEPTION_H
#define PROBE_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

/* Saved by runtime/isr.S, lowest address first. */
struct rt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct rt_exc {
	bool fired;
	uint8_t vector;
	uint64_t error;
	uint64_t rip;
};

/* Loads the IDT with the 32 exception stubs (runtime/isr.S's rt_isr_table,
 * passed in by rt_main, so that idt.c and isr.S do not call each other). */
void rt_idt_init(const uint64_t stubs[32]);
void rt_exception(struct rt_frame *f);
bool rt_unexpected_hook(struct rt_frame *f); /* weak; see runtime/idt.c */

void rt_expect(uint8_t vector, uintptr_t rip, uintptr_t resume);
/* Disarms; returns whether the armed exception happened (details in *out). */
bool rt_expect_take(struct rt_exc *out);

/* Executes UD2 with #UD expected at it. */
bool rt_try_ud2(struct rt_exc *out);
uintptr_t rt_ud2_addr(void);

#endif /* PROBE_EXCEPTION_H */
