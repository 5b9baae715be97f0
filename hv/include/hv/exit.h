/*
 * The core's exit dispatcher (exit.c): one handler per exit type.  The
 * vendor-neutral exit model it reads is the arch interface's, hv/arch/exit.h.
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include <hv/arch/core.h>

struct hv_pp;
struct hv_vps;

/* Handle one exit of `vps`, the VPS running on `pp` (core_handle_exit). */
enum hv_exit_action exit_handle(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit);

#endif /* HV_EXIT_H */
