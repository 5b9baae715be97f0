/*
 * The root VM's death stops the whole machine (hv/core/root_stop.c,
 * docs/spec-errata.md E-66): the PP where it died stops the root on every
 * other PP before it reports; every other PP stops at its next entry.
 */
#ifndef HV_ROOT_STOP_H
#define HV_ROOT_STOP_H

#include <hv/arch/core.h>
#include <hv/types.h>

struct hv_pp;

/* core_init: the root's boot options (its command line): microv.stop_delay_ms. */
void root_stop_configure(const char *root_cmdline);

/* True once the root VM died on some PP (one atomic load: core_pp_run asks
 * before each entry). */
bool root_stop_pending(void);

/* This PP stops its root for good because the root died on another PP:
 * counted for the report; returns HV_STOP_ROOT_ELSEWHERE (also in pp->stop). */
enum hv_stop_reason root_stop_join(struct hv_pp *pp);

/*
 * The root VM died on `pp` (its exit handler).  The first PP to get here
 * kicks every other PP until each has stopped its root (at most
 * ROOT_STOP_WAIT_MS) and returns true: it reports; `stopped`/`pps` are then
 * how many PPs stopped and how many exist.  A later one (the root died on two
 * PPs at once) only counts itself and returns false.  Sets pp->stop.
 */
bool root_stop_machine(struct hv_pp *pp, uint16_t *stopped, uint16_t *pps);

/* After the report: keep the machine as it is for the boot option's delay
 * (0 by default) before the platform ends the run, so that a test can see
 * that no root output follows the report. */
void root_stop_linger(void);

#endif /* HV_ROOT_STOP_H */
