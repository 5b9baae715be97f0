/* mv_vp_run_vp: a root VP donating its PP to a guest VP, and the return. */
#ifndef HV_RUN_H
#define HV_RUN_H

#include <hv/types.h>

struct hv_pp;

/* The guest VPS on `pp` stopped with mv_vp_exit_t `reason` and REG1 `arg`:
 * switch the PP back to its root VPS and complete its mv_vp_run_vp. */
void run_return_to_root(struct hv_pp *pp, uint64_t reason, uint64_t arg);

#endif /* HV_RUN_H */
