/*
 * arch_pp_kick (hv/arch/arch.h): make another PP leave the VPS it runs.  Used
 * by the TLB shootdown and the owner-PP kick for queued events
 * (hv/core/occupancy.c).
 *
 * A guest VPS: the hypervisor's IPI, KICK_VECTOR; the guest exits (SVM INTR
 * intercept, VMX external-interrupt exiting; neither acknowledges it).  The
 * vector must never reach a root VM, which owns its PP's interrupts (no INTR
 * intercept): it is only sent while the target runs a guest or naps
 * (kick_nap), and one that stays pending in the target's IRR after the guest
 * exited or the nap ended is taken in the host before the target's next root
 * entry (kick_drain), or ends its next nap at once.
 *
 * A napping PP (a parked AP, boot/smp.c): the same IPI ends its HLT, so that
 * it answers a SIPI, an INIT, the boot's release or a root stop at once and
 * may nap long.  Every kick also sets the PP's `woken` flag before it reads
 * what the PP runs, and kick_nap says it naps before it takes the flag (all
 * sequentially consistent): a kick either finds the nap and sends the IPI,
 * or the nap finds its flag and does not start.
 *
 * A root VPS: an NMI IPI.  NMIs of every VPS exit (SVM NMI intercept, VMX NMI
 * exiting); the hypervisor takes its own kick (kick_nmi) and hands the root
 * any other NMI (a platform NMI) through the core's evq_nmi.  A per-PP flag,
 * set by the sender before the IPI, tells the two apart: while it is set no
 * second kick NMI is sent, so each kick NMI meets exactly one set flag.  A
 * platform NMI that arrives while a kick NMI is pending merges with it (one
 * NMI latch), and the root does not see it (docs/spec-errata.md E-50).
 *
 * Ordering: the sender counts itself in `inflight` before it reads the
 * target's state; the target clears its state before it reads `inflight`
 * (all sequentially consistent), so either no IPI goes out or the target
 * waits for it to be sent and then drains it.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define LAPIC_IRR_E0 0x270 /* IRR bits of vectors 0xE0-0xFF */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)
#define ICR_NMI (4u << 8) /* delivery mode NMI, physical, edge */

enum { RUN_HOST, RUN_GUEST, RUN_ROOT, RUN_NAP };

static uint32_t running[HV_MAX_PPS];  /* RUN_*: what the PP runs now */
static uint32_t nmi_kick[HV_MAX_PPS]; /* a kick NMI sent and not taken yet */
static uint32_t root_nmi[HV_MAX_PPS]; /* a platform NMI the root has not got yet */
static uint32_t inflight[HV_MAX_PPS];
static uint32_t sent[HV_MAX_PPS];     /* kicks sent to each PP */
static uint32_t drained[HV_MAX_PPS];  /* sent[] at that PP's last drain */
static uint32_t woken[HV_MAX_PPS];    /* kicked since that PP's last nap */

static void icr_wait(void)
{
	for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

static void send_ipi(uint32_t id, uint32_t icr_lo)
{
	/* The root's ICR high half (its stores pass through, hv/core/apic.c)
	 * may be written for an ICR low store still to come: kept. */
	uint32_t root_hi = lapic_read(LAPIC_ICR_HI);
	icr_wait();
	lapic_write(LAPIC_ICR_HI, id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	icr_wait();
	lapic_write(LAPIC_ICR_HI, root_hi);
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
	__atomic_store_n(&woken[pp], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&inflight[pp], 1, __ATOMIC_SEQ_CST);
	uint32_t run = __atomic_load_n(&running[pp], __ATOMIC_SEQ_CST);
	if (run == RUN_GUEST || run == RUN_NAP) {
		send_ipi(id, KICK_VECTOR); /* fixed, physical, edge */
		__atomic_add_fetch(&sent[pp], 1, __ATOMIC_SEQ_CST);
	} else if (run == RUN_ROOT && !__atomic_exchange_n(&nmi_kick[pp], 1, __ATOMIC_SEQ_CST)) {
		send_ipi(id, ICR_NMI);
	}
	__atomic_sub_fetch(&inflight[pp], 1, __ATOMIC_SEQ_CST);
}

void kick_run_enter(uint16_t pp, bool guest)
{
	__atomic_store_n(&running[pp], guest ? RUN_GUEST : RUN_ROOT, __ATOMIC_SEQ_CST);
}

/* A PP's wait for work (boot/smp.c): at most `us` in HLT (preempt_nap),
 * none when it was kicked since its last nap; a kick ends it. */
void kick_nap(uint16_t pp, uint32_t us)
{
	if (pp >= HV_MAX_PPS) {
		preempt_nap(us);
		return;
	}
	__atomic_store_n(&running[pp], RUN_NAP, __ATOMIC_SEQ_CST);
	if (!__atomic_exchange_n(&woken[pp], 0, __ATOMIC_SEQ_CST))
		preempt_nap(us);
	__atomic_store_n(&running[pp], RUN_HOST, __ATOMIC_SEQ_CST);
}

/* After a run: a platform NMI taken meanwhile goes to the PP's root VPS. */
void kick_run_leave(uint16_t pp)
{
	__atomic_store_n(&running[pp], RUN_HOST, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&root_nmi[pp], 0, __ATOMIC_SEQ_CST))
		evq_nmi(pp_root_vps(pp));
}

/*
 * An NMI this PP took: in the host through vector 2 (boot/idt.c; on SVM an
 * intercepted NMI stays pending and is taken there at the STGI after the
 * exit), or as a VMX NMI exit.  The hypervisor's own kick if one was sent,
 * else one for the root.
 */
void kick_nmi(uint16_t pp)
{
	if (pp < HV_MAX_PPS && !__atomic_exchange_n(&nmi_kick[pp], 0, __ATOMIC_SEQ_CST))
		__atomic_store_n(&root_nmi[pp], 1, __ATOMIC_SEQ_CST);
}

/*
 * After a VMX NMI exit: NMIs stay blocked until the next IRET (SDM "NMI
 * blocking after VM exit"); an IRET to the next instruction ends that, as
 * the host NMI handler's would.
 */
void kick_nmi_unblock(void)
{
	__asm__ volatile("mov %%ss, %%rax\n\t"
			 "pushq %%rax\n\t"
			 "pushq %%rsp\n\t"
			 "addq $8, (%%rsp)\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %%rax\n\t"
			 "pushq %%rax\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 ::: "rax", "memory", "cc");
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
