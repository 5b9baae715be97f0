/*
 * Occupancy: which VPS each PP runs, recorded by core.c around every
 * arch_vps_run, and the two cross-PP services built on it (hv/occupancy.h):
 * the TLB shootdown's wait and the owner-PP kick for queued events.
 *
 * Ordering (all accesses sequentially consistent): a PP stores its
 * occupant, then the backend reads the VM's flush generation at the entry;
 * the shootdown bumps the generation (arch_slpt_flush), then reads the
 * occupants.  So either the shootdown sees the PP in the VM and waits for
 * it to leave, or the PP sees the new generation and flushes at the entry.
 * `leaves` counts each PP's exits: the wait ends when it moved.
 *
 * The root VM is waited for as a guest is (its PPs are kicked with an NMI,
 * arch_pp_kick): a root page given away must not stay reachable through
 * another root PP's TLB.  The wait runs under the hypercall lock; a PP
 * spinning on that lock, or handling any exit, has left its run
 * (occupancy_leave comes before core_handle_exit), so it is not waited for
 * and its next entry flushes.
 */
#include <hv/arch/arch.h>
#include <hv/occupancy.h>
#include <hv/vm.h>
#include <hv/vps.h>

static struct hv_vps *occupant[HV_MAX_PPS];
static uint64_t leaves[HV_MAX_PPS];

void occupancy_enter(uint16_t pp, struct hv_vps *vps)
{
	if (pp < HV_MAX_PPS)
		__atomic_store_n(&occupant[pp], vps, __ATOMIC_SEQ_CST);
}

void occupancy_leave(uint16_t pp)
{
	if (pp >= HV_MAX_PPS)
		return;
	__atomic_store_n(&occupant[pp], NULL, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&leaves[pp], 1, __ATOMIC_SEQ_CST);
}

struct hv_vps *occupancy_of(uint16_t pp)
{
	return pp < HV_MAX_PPS ? __atomic_load_n(&occupant[pp], __ATOMIC_SEQ_CST) : NULL;
}

void occupancy_shootdown(const struct hv_vm *vm)
{
	uint16_t self = arch_pp_id();
	uint64_t seen[HV_MAX_PPS];
	bool waiting[HV_MAX_PPS];
	bool any = false;

	for (uint16_t pp = 0; pp < HV_MAX_PPS; pp++) {
		seen[pp] = __atomic_load_n(&leaves[pp], __ATOMIC_SEQ_CST);
		struct hv_vps *o = occupancy_of(pp);
		waiting[pp] = pp != self && o && o->vmid == vm->id;
		if (waiting[pp]) {
			arch_pp_kick(pp);
			any = true;
		}
	}
	uint64_t ms = arch_tsc_khz(), last = arch_tsc_now();
	while (any) {
		any = false;
		bool rekick = arch_tsc_now() - last >= ms;
		if (rekick)
			last = arch_tsc_now();
		for (uint16_t pp = 0; pp < HV_MAX_PPS; pp++) {
			if (!waiting[pp])
				continue;
			if (__atomic_load_n(&leaves[pp], __ATOMIC_SEQ_CST) != seen[pp]) {
				waiting[pp] = false;
				continue;
			}
			any = true;
			if (rekick)
				arch_pp_kick(pp);
		}
	}
}

void occupancy_kick(const struct hv_vps *vps)
{
	uint16_t self = arch_pp_id();

	for (uint16_t pp = 0; pp < HV_MAX_PPS; pp++)
		if (pp != self && occupancy_of(pp) == vps)
			arch_pp_kick(pp);
}
