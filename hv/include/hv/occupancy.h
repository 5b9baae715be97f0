/*
 * Which VPS each PP runs (occupancy.c), and what needs to know it: the TLB
 * shootdown after a VM's second-level tables lost pages, and the kick that
 * makes a VPS running on another PP notice a newly queued event.
 */
#ifndef HV_OCCUPANCY_H
#define HV_OCCUPANCY_H

#include <hv/types.h>

struct hv_vm;
struct hv_vps;

/* PP `pp` is about to enter `vps` (before arch_vps_run; the store is ordered
 * before the backend's check of the VM's flush generation). */
void occupancy_enter(uint16_t pp, struct hv_vps *vps);
/* PP `pp` left the VPS it ran (after arch_vps_run returned). */
void occupancy_leave(uint16_t pp);
/* The VPS PP `pp` runs now, or NULL (between its exits and entries). */
struct hv_vps *occupancy_of(uint16_t pp);

/*
 * After arch_slpt_flush(vm): returns only when no other PP can still use a
 * translation of `vm` older than that flush.  Every other PP that runs a VPS
 * of a guest VM `vm` is kicked (arch_pp_kick) and waited for until it left
 * that run; a PP that runs no VPS of `vm`, or enters one later, flushes at
 * its next entry (the generation).  The kick is repeated every millisecond
 * while the PP has not left (a kick that crossed an entry is not lost).
 * Deadlock-free under the hypercall lock: a waited-for PP runs guest code
 * and leaves at the kick (at the latest at its time slice's end) without
 * taking a lock.  The root VM is not waited for (docs/security.md).
 */
void occupancy_shootdown(const struct hv_vm *vm);
/* An event was queued for `vps`: if another PP runs it now, kick that PP so
 * that the VPS exits and the event is handed over at its next entry. */
void occupancy_kick(const struct hv_vps *vps);

#endif /* HV_OCCUPANCY_H */
