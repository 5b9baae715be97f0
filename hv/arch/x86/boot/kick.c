/*
 * arch_pp_kick (hv/arch/arch.h): the hypervisor's own IPI, KICK_VECTOR, to a
 * PP that runs a guest VPS, which then exits (SVM INTR intercept, VMX
 * external-interrupt exiting; neither acknowledges it).  Used by the TLB
 * shootdown and the owner-PP kick for queued events (hv/core/occupancy.c).
 *
 * The vector must never reach a root VM, which owns its PP's interrupts
 * (no INTR intercept): the IPI is only sent while the target runs a guest
 * (in_guest, set around the guest's run), and a kick that stays pending in
 * the target's IRR after the guest exited is taken in the host before the
 * target's next root entry (kick_drain).  Ordering: the sender counts itself
 * in `inflight` before it reads in_guest; the target clears in_guest before
 * it reads `inflight` (all sequentially consistent), so either no IPI goes
 * out or the target waits for it to be sent and then drains it.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define LAPIC_IRR_E0 0x270 /* IRR bits of vectors 0xE0-0xFF */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)

static uint32_t in_guest[HV_MAX_PPS];
static uint32_t inflight[HV_MAX_PPS];
static uint32_t sent[HV_MAX_PPS];     /* kicks sent to each PP */
static uint32_t drained[HV_MAX_PPS];  /* sent[] at that PP's last drain */

static void icr_wait(void)
{
	for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void arch_pp_kick(uint16_t pp)
{
	if (!lapic || pp >= HV_MAX_PPS || pp == arch_pp_id())
		return;
	uint32_t id = 0;
	while (id < 256 && arch_apic_id_to_pp(id) != pp)
		id++;
	if (id == 256)
		return;
	__atomic_add_fetch(&inflight[pp], 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&in_guest[pp], __ATOMIC_SEQ_CST)) {
		/* The root's ICR high half (its stores pass through, hv/core/apic.c)
		 * may be written for an ICR low store still to come: kept. */
		uint32_t root_hi = lapic_read(LAPIC_ICR_HI);
		icr_wait();
		lapic_write(LAPIC_ICR_HI, id << 24);
		lapic_write(LAPIC_ICR_LO, KICK_VECTOR); /* fixed, physical, edge */
		icr_wait();
		lapic_write(LAPIC_ICR_HI, root_hi);
		__atomic_add_fetch(&sent[pp], 1, __ATOMIC_SEQ_CST);
	}
	__atomic_sub_fetch(&inflight[pp], 1, __ATOMIC_SEQ_CST);
}

void kick_guest_enter(uint16_t pp)
{
	__atomic_store_n(&in_guest[pp], 1, __ATOMIC_SEQ_CST);
}

void kick_guest_leave(uint16_t pp)
{
	__atomic_store_n(&in_guest[pp], 0, __ATOMIC_SEQ_CST);
}

/*
 * Take a kick still pending in this PP's IRR in the host (idt.c EOIs it).
 * The window (preempt_window) lets class 0xF vectors through; it is opened
 * only when no vector of that class but the slice's and the kick's is
 * pending, so that no root interrupt is taken by the host.  Otherwise the
 * kick stays pending and the root sees it (docs/spec-errata.md).
 */
void kick_drain(uint16_t pp)
{
	while (__atomic_load_n(&inflight[pp], __ATOMIC_SEQ_CST))
		cpu_relax();
	uint32_t s = __atomic_load_n(&sent[pp], __ATOMIC_SEQ_CST);
	if (s == drained[pp] || !lapic)
		return;
	drained[pp] = s;
	uint32_t irr = lapic_read(LAPIC_IRR_E0) >> 16; /* vectors 0xF0-0xFF */
	uint32_t ours = (1u << (KICK_VECTOR - 0xF0)) | (1u << (PREEMPT_VECTOR - 0xF0));
	if ((irr & (1u << (KICK_VECTOR - 0xF0))) && !(irr & ~ours))
		preempt_window();
}
