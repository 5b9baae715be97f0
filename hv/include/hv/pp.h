/* Per-PP (physical processor) state of the core (pp.c). */
#ifndef HV_PP_H
#define HV_PP_H

#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/types.h>

struct hv_vp;
struct hv_vps;

struct hv_pp {
	uint16_t id;
	bool online;
	struct hv_vp *root_vp;
	struct hv_vps *root_vps;
	/* The VPS this PP runs: its root VPS, or a guest VPS it donates its
	 * time to through mv_vp_run_vp. */
	struct hv_vps *current;
	enum hv_stop_reason stop;
	uint64_t exits;
	/* CPU start-up of this PP's root VP (apic.c), written by other PPs:
	 * accessed with __atomic builtins only. */
	uint8_t sipi_pending; /* a SIPI arrived while waiting for one */
	uint8_t sipi_vector;
	uint8_t init_pending; /* an INIT arrived while the root VP runs */
	/* The root's view of IA32_APIC_BASE.EN on this PP (apic.c): a disable
	 * is virtual, the hardware APIC stays enabled for the hypervisor. */
	bool apic_disabled;
};

/* core_init: the machine has `count` PPs (ids 0..count-1). */
void pp_table_init(uint16_t count);
struct hv_pp *pp_get(uint16_t ppid);

/* The table itself: pp_this is inline, it runs at every VM exit. */
extern struct hv_pp pp_table[HV_MAX_PPS];
extern uint16_t pp_num;
HV_NORETURN void pp_bad_id(uint16_t ppid);

/* The PP this code runs on (arch_pp_id); a backend that names a PP outside
 * the table is a core panic. */
static inline struct hv_pp *pp_this(void)
{
	uint16_t id = arch_pp_id();

	if (__builtin_expect(id >= pp_num, 0))
		pp_bad_id(id);
	return &pp_table[id];
}
uint16_t pp_count(void);
/* pp_root_vps: hv/arch/core.h. */

#endif /* HV_PP_H */
