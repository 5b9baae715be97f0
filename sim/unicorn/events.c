/*
 * Events of a VPS: the queue arch_vps_inject fills, the error code of an
 * exception Unicorn raised (it exposes none: #PF's P and U bits are
 * recomputed), and delivery through inject.c with the triple-fault exit
 * when delivery is impossible.
 */
#include <string.h>

#include "ucsim.h"

/*
 * Events wait in a->events until the next arch_vps_run: exceptions (and NMI)
 * are delivered at entry; external interrupts when RFLAGS.IF = 1 (at entry
 * or as soon as the guest enables interrupts), one at a time, in order.
 * The core hands over one event per entry and takes back the undelivered
 * one before the next (hv/core/evq.c keeps the rest), so the queue never
 * fills; a full queue would drop the event.
 */
void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	struct arch_vps *a = vps_arch(vps);
	if (a->nevents < SIM_MAX_EVENTS)
		a->events[a->nevents++] = *event;
}

/* The window exit (HV_EXIT_IRQ_WINDOW) is taken in vcpu.c's run loop when
 * the guest could take an interrupt and the backend holds none. */
void arch_vps_request_window(struct hv_vps *vps)
{
	vps_arch(vps)->want_window = true;
}

/* The oldest event not delivered yet (the core holds the rest, evq.c). */
bool arch_vps_take_event(struct hv_vps *vps, struct hv_event *event)
{
	struct arch_vps *a = vps_arch(vps);
	if (!a->nevents)
		return false;
	*event = a->events[0];
	events_drop(a, 0);
	return true;
}

void events_drop(struct arch_vps *a, unsigned i)
{
	memmove(&a->events[i], &a->events[i + 1], (a->nevents - i - 1) * sizeof(a->events[0]));
	a->nevents--;
}

int events_next_irq(const struct arch_vps *a)
{
	for (unsigned i = 0; i < a->nevents; i++)
		if (a->events[i].type == HV_EVENT_EXTINT)
			return (int)i;
	return -1;
}

uint32_t events_error_code(struct arch_vps *a, uint8_t vector)
{
	if (vector != 14)
		return 0; /* Unicorn does not expose error codes: 0 (#GP(0) is the usual) */
	uint64_t cr2 = regs_read(a->uc, UC_X86_REG_CR2);
	uint64_t gpa;
	uint32_t err = walk_guest(a->uc, cr2, &gpa) == WALK_MAPPED ? 1 : 0;
	if (a->pf_write)
		err |= 2;
	if ((regs_read(a->uc, UC_X86_REG_CS) & 3) == 3)
		err |= 4;
	return err;
}

#define VECTOR_DF 8
#define VECTOR_PF 14

/* #DE, #TS, #NP, #SS, #GP: the contributory exceptions (SDM Vol. 3 6.15). */
static bool contributory(uint8_t v)
{
	return v == 0 || (v >= 10 && v <= 13);
}

/* Deliver one event; on failure fill a triple-fault exit and return false.
 * A nested fault of the delivery itself (inject.c INJECT_FAULT) is
 * delivered in its place, or a double fault. */
bool events_deliver(struct arch_vps *a, struct hv_exit *exit, uint8_t vector, bool has_error,
		    uint32_t error, uint64_t ret_rip, uint64_t fault_rip)
{
	const char *why = NULL;
	if (g_cfg.trace) {
		static const char *const names[32] = {
			"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "09", "TS", "NP",
			"SS", "GP", "PF", "15", "MF", "AC", "MC", "XM", "VE", "CP",
		};
		char what[32];
		if (vector < 32 && names[vector])
			snprintf(what, sizeof(what), "deliver-#%s", names[vector]);
		else
			snprintf(what, sizeof(what), "deliver-vector-%u", vector);
		diag_trace(a->vps, what, fault_rip);
	}
	/* A software interrupt returns past its instruction; every other event
	 * (external, NMI, hardware exception) sets EXT in a nested fault's code. */
	int r = inject_deliver(a, vector, has_error, error, ret_rip, ret_rip == fault_rip, &why);
	while (r == INJECT_FAULT) {
		/* A fault while delivering (E-73): the double-fault rules of SDM
		 * Vol. 3 table 6-5; the nested fault returns to the first event's
		 * instruction. */
		uint8_t nv = a->deliver_fault_vec;
		if (vector == VECTOR_DF) {
			why = "a fault while delivering #DF";
			r = -1;
			break;
		}
		bool df = (contributory(vector) || vector == VECTOR_PF) && contributory(nv);
		vector = df ? VECTOR_DF : nv;
		error = df ? 0 : a->deliver_fault_err;
		has_error = true;
		ret_rip = fault_rip;
		r = inject_deliver(a, vector, true, error, ret_rip, true, &why);
	}
	if (r == 0)
		return true;
	memset(exit, 0, sizeof(*exit));
	if (a->deliver_gpa != ~0ull) {
		/* An IDT entry or stack slot with no second-level entry: an SLPT
		 * exit at its GPA, as on hardware; the event waits for the next
		 * entry (a software interrupt runs again from its instruction). */
		exit->type = HV_EXIT_SLPT_VIOLATION;
		exit->rip = fault_rip;
		exit->u.slpt.gpa = a->deliver_gpa;
		exit->u.slpt.access = a->deliver_access;
		regs_write(a->uc, UC_X86_REG_RIP, fault_rip);
		if (ret_rip == fault_rip && a->nevents < SIM_MAX_EVENTS) {
			memmove(&a->events[1], &a->events[0], a->nevents * sizeof(a->events[0]));
			a->events[0] = (struct hv_event){ vector < 32 ? HV_EVENT_EXCEPTION : HV_EVENT_EXTINT,
							  vector, has_error, error };
			a->nevents++;
		}
		return false;
	}
	exit->type = HV_EXIT_TRIPLE_FAULT;
	exit->rip = fault_rip;
	exit->raw = vector;
	regs_write(a->uc, UC_X86_REG_RIP, fault_rip);
	fprintf(stderr, "mvsim: vm %u vp %u: cannot deliver vector %u at rip 0x%llx: %s\n",
		vps_vmid(a->vps), vps_vpid(a->vps), vector, (unsigned long long)fault_rip, why);
	return false;
}
