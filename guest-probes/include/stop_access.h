/*
 * Memory accesses at known addresses (runtime/stop_access.S): a probe that
 * ends at an EXPECT-STOP makes its stopping access with one of them and
 * passes the function's address as the RIP the stop line must name
 * (probe_expect_stop, report.h).  Each access is its function's first
 * instruction.
 */
#ifndef PROBE_STOP_ACCESS_H
#define PROBE_STOP_ACCESS_H

#include <stdint.h>

uint64_t rt_stop_load64(const volatile uint64_t *p);
void rt_stop_store64(volatile uint64_t *p, uint64_t v);
void rt_stop_store32(volatile uint32_t *p, uint32_t v);
void rt_stop_store8_1(volatile uint8_t *p);

/* The address of a stop access, for struct probe_stop's rip. */
#define RT_STOP_RIP(fn) ((uint64_t)(uintptr_t)(fn))

#endif /* PROBE_STOP_ACCESS_H */
