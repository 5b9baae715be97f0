/*
 * The per-PP (physical processor) table: one struct hv_pp per PP the boot
 * information names.  Boot and the run loop that fill and use it: core.c.
 */
#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/pp.h>

struct hv_pp pp_table[HV_MAX_PPS];
uint16_t pp_num;

void pp_table_init(uint16_t count)
{
	pp_num = count;
	for (uint16_t i = 0; i < count; i++)
		pp_table[i].id = i;
}

struct hv_pp *pp_get(uint16_t ppid)
{
	return ppid < pp_num ? &pp_table[ppid] : NULL;
}

void pp_bad_id(uint16_t ppid)
{
	hv_panic("arch_pp_id() %u outside the %u PPs", ppid, pp_num);
}

uint16_t pp_count(void)
{
	return pp_num;
}

struct hv_vps *pp_root_vps(uint16_t ppid)
{
	struct hv_pp *pp = pp_get(ppid);

	return pp ? pp->root_vps : NULL;
}
