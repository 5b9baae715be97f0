/*
 * The per-PP (physical processor) table: one struct hv_pp per PP the boot
 * information names.  Boot and the run loop that fill and use it: core.c.
 */
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/pp.h>

static struct hv_pp pps[HV_MAX_PPS];
static uint16_t num_pps;

void pp_table_init(uint16_t count)
{
	num_pps = count;
	for (uint16_t i = 0; i < count; i++)
		pps[i].id = i;
}

struct hv_pp *pp_get(uint16_t ppid)
{
	return ppid < num_pps ? &pps[ppid] : NULL;
}

struct hv_pp *pp_this(void)
{
	struct hv_pp *pp = pp_get(arch_pp_id());

	if (!pp)
		hv_panic("arch_pp_id() %u outside the %u PPs", arch_pp_id(), num_pps);
	return pp;
}

uint16_t pp_count(void)
{
	return num_pps;
}

struct hv_vps *pp_root_vps(uint16_t ppid)
{
	struct hv_pp *pp = pp_get(ppid);

	return pp ? pp->root_vps : NULL;
}
