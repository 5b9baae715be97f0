/*
 * The core fuzz driver (fuzz_driver.c, fuzz_invariants.c): a sequence of
 * hypercalls and exits from the root and from guests against the fake arch,
 * with the invariants checked after every step.  Two front ends use it: the
 * fixed-seed CTest core.fuzz (test_fuzz.c) and the libFuzzer entry
 * (fuzz/fuzz_core.c), where the input bytes choose each step.
 */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the randomness comes from: a seed (one xorshift64 stream), or input
 * bytes (8 a step seed a step xorshift64 stream; the run ends with them). */
void fuzz_use_seed(uint64_t seed);
void fuzz_use_input(const uint8_t *data, size_t len);
/* What a failure report names: "seed 0x..." or the input's path. */
void fuzz_set_origin(const char *origin);
/* Called after a failure is reported (the front end exits or aborts); when it
 * returns, the run goes on and fuzz_end's result counts the failure. */
extern void (*fuzz_on_failure)(void);

/* Boot the fake machine and open the root's handle (once: later calls only
 * take the baseline again). */
void fuzz_begin(void);
/* One event; false when the input is used up.  The invariants are checked
 * after it. */
bool fuzz_step(void);
/* Stop the running guest, destroy every guest object, check nothing leaked
 * and the invariants hold on everything; the number of failures so far. */
unsigned long fuzz_end(void);
/* Events so far, and how many of them ran in a guest. */
extern unsigned long fuzz_iter, fuzz_guest_events;
/* Say which input and event an hv_panic (SIGABRT from arch_halt) hit. */
void fuzz_report_panic(void);
/* Print the per-hypercall counts (FUZZ_STATS). */
void fuzz_print_stats(void);

/* ---- fuzz_invariants.c ---------------------------------------------------- */
/* Every invariant of the core's memory state after a step: the shadow of the
 * second-level tables agrees with the core (full: every mapping, else the
 * GPAs touched since the last check), no VM maps a hypervisor page, share
 * counts equal the borrowing mappings, pool pages are conserved.  Reports
 * through `fail` (a printf-like reporter); returns the number of violations. */
unsigned fuzz_check_invariants(bool full, void (*fail)(const char *fmt, ...));
/* The hypervisor's own memory in the fake machine (no VM may map it). */
#define FUZZ_HV_BASE (FAKE_MEM_SIZE - (8ull << 20))

#endif
