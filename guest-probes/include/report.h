/*
 * The MVP line protocol of docs/architecture.md ("Probe output"):
 *   MVP BEGIN probe=<name> title="<text>"
 *   MVP CHECK probe=<name> id=<id> items=<a,b> expected=<v> got=<v> verdict=<pass|fail|skip> desc="<text>"
 *   MVP END probe=<name> result=<SUCCESS|SKIP|ERROR|FAILURE> checks=<n> failed=<n>
 *   MVP EXPECT-STOP probe=<name> id=<id> items=<a,b> pp=<n> exit=<type> rip=<0x..|->
 *       why="<text>" desc="<text>"
 * then OUT of the result code to port 0xF4, then cli;hlt forever.
 * The result only gets worse: SUCCESS < SKIP < ERROR < FAILURE.
 */
#ifndef PROBE_REPORT_H
#define PROBE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "mvp_exit.h" /* the exit codes, generated from abi/mv-abi.toml */

enum rt_result {
	RT_SUCCESS = MVP_EXIT_SUCCESS,
	RT_SKIP = MVP_EXIT_SKIP,
	RT_ERROR = MVP_EXIT_ERROR,
	RT_FAILURE = MVP_EXIT_FAILURE,
};

#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))

void report_begin(void);
__attribute__((noreturn)) void report_end(void);

/* pass iff expected == got; values printed as 0x... hex. Returns the verdict. */
bool check_eq(const char *id, const char *items, uint64_t expected, uint64_t got,
	      const char *desc, ...) RT_PRINTF(5, 6);
/* General form: expected/got are hex values or short tokens without spaces. */
bool check_tok(const char *id, const char *items, const char *expected, const char *got,
	       bool pass, const char *desc, ...) RT_PRINTF(6, 7);
void check_skip(const char *id, const char *items, const char *desc, ...) RT_PRINTF(3, 4);

/* What the hypervisor's stop line must say ("[hv] root VM stopped on pp
 * <pp>: <why> (exit <exit>, rip <rip>, raw 0x..); stopped on K of M PPs"). */
struct probe_stop {
	unsigned pp;      /* the PP the root dies on (0: the BSP's) */
	const char *exit; /* the exit type's name, EXP_STOP_EXIT_* */
	const char *why;  /* the reason, EXP_STOP_WHY_* */
	uint64_t rip;     /* the faulting instruction's address; 0: not known */
};

/*
 * Announces that the probe's very next action must make the hypervisor stop
 * the root VM (an access to memory the root does not own), and how:
 * prints "MVP EXPECT-STOP probe=<name> id=<id> items=<items> pp=<n>
 * exit=<type> rip=<0x..|-> why=\"<text>\" desc=..." and waits until the UART
 * has sent it.  The harness turns it into the check <id>
 * (expected=root-stopped), which passes only if nothing of the protocol
 * follows, the hypervisor prints its stop line with exactly that PP, reason,
 * exit type and RIP (when given), and the backend reports the root VM's
 * death.  id is validated and counted for uniqueness like a check id, but
 * it is not a CHECK (END's checks= does not count it).  At most one per
 * probe; if the action does not stop the root, report that with an ordinary
 * (failed) check and END: the harness fails <id> because the probe
 * continued.
 */
void probe_expect_stop(const struct probe_stop *stop, const char *id, const char *items,
		       const char *desc, ...) RT_PRINTF(4, 5);
/* Whether probe_expect_stop was called (the root should be dead by now). */
bool report_stop_expected(void);

/* The probe or its environment broke: END with (at least) ERROR. */
__attribute__((noreturn)) void probe_error(const char *fmt, ...) RT_PRINTF(1, 2);
/* Free text on COM1, prefixed "probe: " (not part of the protocol). */
void rt_log(const char *fmt, ...) RT_PRINTF(1, 2);

/* A formatted id/token in one of a few rotating static buffers. */
const char *rt_fmt(const char *fmt, ...) RT_PRINTF(1, 2);
/* "0x..." in a rotating buffer. */
const char *rt_hex(uint64_t v);

/* Items blamed when an unexpected exception interrupts the probe. */
void rt_set_context_items(const char *items);
const char *rt_context_items(void);

/* "#GP", "#UD", ... of an exception vector ("?" beyond 31). */
const char *rt_vector_name(uint64_t vector);
/* An unexpected exception: a failed check, then END (FAILURE). */
__attribute__((noreturn)) void report_exception(uint64_t vector, uint64_t error, uint64_t rip,
						const char *what);

enum rt_result report_result(void);
uint64_t report_checks(void);
uint64_t report_failed(void);

#endif /* PROBE_REPORT_H */
