/* VPs: virtual processors (spec section 4). */
#ifndef HV_VP_H
#define HV_VP_H

#include <hv/types.h>

#define HV_MAX_VPS 64 /* root VPs (one per PP) included */

enum hv_vp_state {
	HV_VP_FREE = 0,
	HV_VP_ACTIVE,
};

struct hv_vps;

struct hv_vp {
	uint16_t id;
	enum hv_vp_state state;
	uint16_t vmid;
	/* Root VPs: the PP they belong to.  Guest VPs: the PP of the parent
	 * root VP while running, 0xFFFF otherwise. */
	uint16_t ppid;
	/* The guest VP is executing on behalf of a root VP (mv_vp_run_vp). */
	bool running;
	/* Number of VPSs that belong to this VP. */
	uint16_t num_vpss;
	/* The VPS this VP executes with (its first VPS by default). */
	struct hv_vps *active;
};

struct hv_vp *vp_get(uint16_t vpid);
/* NULL and *err (HV_ALLOC_PARENT: no such VM; HV_ALLOC_FULL). */
struct hv_vp *vp_alloc(uint16_t vmid, enum hv_alloc_err *err);
void vp_free(struct hv_vp *vp);

#endif /* HV_VP_H */
