/*
 * rdmsr_safe / wrmsr_safe (runtime/msr_safe.c): the access, or the #GP it
 * raised at the instruction, as an OS probing MSRs sees it.  They return
 * true when the instruction completed, false after a #GP (details in *exc
 * when exc is not NULL; RIP was at the instruction, *val is 0).  Any other
 * exception ends the probe as unexpected.
 */
#ifndef PROBE_MSR_SAFE_H
#define PROBE_MSR_SAFE_H

#include <stdbool.h>
#include <stdint.h>

#include "exception.h"

#define RT_VECTOR_GP 13

bool rt_rdmsr_safe(uint32_t msr, uint64_t *val, struct rt_exc *exc);
bool rt_wrmsr_safe(uint32_t msr, uint64_t val, struct rt_exc *exc);

#endif /* PROBE_MSR_SAFE_H */
