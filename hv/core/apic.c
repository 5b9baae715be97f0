/*
 * The root VM's local APIC policy and CPU start-up (docs/root-vm.md, "Local
 * APIC" and "CPU start-up").  The root reads its real local APIC (the page
 * is mapped read-only); each store traps here, is decoded (mmio_store.c)
 * and performed on the real APIC, except the writes that would start, reset,
 * NMI or SMI a processor: ICR INIT and SIPI are turned into the state of the
 * target PPs' root VPs (wait-for-SIPI, or started in real mode at the SIPI
 * vector), ICR NMI becomes an NMI queued to the target root VPs (the
 * backends hold it while the VP blocks NMIs), ICR SMI is not delivered,
 * LVT entries programmed to INIT or SMI are not written.
 * IA32_APIC_BASE reads the hardware's value; the root may clear and set
 * its EN bit (virtually: the hardware APIC stays enabled, the hypervisor
 * needs it), any other change raises #GP; x2APIC cannot be enabled, so its
 * MSRs raise #GP as they do with it off.
 */
#include <microv/mv_abi.h>

#include <hv/apic.h>
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/evq.h>
#include <hv/log.h>
#include <hv/mmio_store.h>
#include <hv/pp.h>
#include <hv/run.h>
#include <hv/spinlock.h>
#include <hv/vm.h>
#include <hv/vps.h>

#define LAPIC_TPR 0x80u
#define LAPIC_ICR_LO 0x300u
#define LAPIC_ICR_HI 0x310u
#define ICR_MODE(v) (((v) >> 8) & 7u)
#define ICR_LOGICAL (1u << 11)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3u)
#define MODE_FIXED 0u
#define MODE_LOWEST 1u
#define MODE_SMI 2u
#define MODE_NMI 4u
#define MODE_INIT 5u
#define MODE_SIPI 6u
#define SH_NONE 0u
#define SH_SELF 1u
#define SH_ALL 2u
#define DEST_BROADCAST 0xFFu
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EN (1ull << 11)

static uint64_t apic_page; /* 0: none */
/* A SIPI's delivery against its target taking one (apic_deliver,
 * apic_pp_take_sipi). */
static struct hv_spinlock apic_sipi_lock = HV_SPINLOCK_INIT;

int apic_root_map(struct hv_vm *root, uint64_t spa)
{
	apic_page = spa;
	return mmio_store_map_page(root, spa);
}

bool apic_is_root_page(uint64_t gpa)
{
	return mmio_store_in_page(apic_page, gpa);
}

/* ---- CPU start-up ------------------------------------------------------ */

static bool apic_pp_online(struct hv_pp *pp)
{
	return __atomic_load_n(&pp->online, __ATOMIC_ACQUIRE);
}

/* One target of an INIT or SIPI (never the sender: apic_icr refuses that). */
static void apic_deliver(struct hv_pp *target, uint32_t mode, uint8_t vector)
{
	if (mode == MODE_INIT) {
		if (apic_pp_online(target)) {
			/* Taken at the target's next exit (core_pp_run): kick it, so
			 * a VP that makes no exit of its own (a PAUSE loop) is reset
			 * now, as the processor would be. */
			__atomic_store_n(&target->init_pending, 1, __ATOMIC_RELEASE);
			arch_pp_kick(target->id);
		}
		return;
	}
	/* SIPI: only a processor waiting for one takes it (SDM 10.4.7.3).  One
	 * with an INIT pending is waiting for one as the sender sees it: it
	 * takes the SIPI once it has parked.  Under apic_sipi_lock with
	 * apic_pp_take_sipi: a SIPI that arrives while the target takes
	 * another one finds it started, and is not kept for its next park. */
	hv_spin_lock(&apic_sipi_lock);
	bool waits = !apic_pp_online(target) ||
		     __atomic_load_n(&target->init_pending, __ATOMIC_ACQUIRE);
	if (waits) {
		__atomic_store_n(&target->sipi_vector, vector, __ATOMIC_RELAXED);
		__atomic_store_n(&target->sipi_pending, 1, __ATOMIC_RELEASE);
	}
	hv_spin_unlock(&apic_sipi_lock);
	if (waits)
		arch_pp_kick(target->id); /* a parked PP waits for it in a nap */
}

/* An NMI for the root VP of `target` (an online PP: a processor waiting for
 * a SIPI blocks NMIs, SDM 10.4.7.3): queued, the owner PP kicked; the
 * backend delivers it once the VP does not block NMIs (after the IRET of
 * the one it handles, docs/root-vm.md "Local APIC"). */
void apic_root_nmi(struct hv_pp *target)
{
	static const struct hv_event nmi = { .type = HV_EVENT_NMI, .vector = 2 };

	if (target && target->root_vps && apic_pp_online(target))
		evq_raise(target->root_vps, &nmi);
}

/* INIT, SIPI or NMI from the root on `pp`: its targets' root VPs, never the
 * hardware.  NULL, or why the root is stopped. */
static const char *apic_targets(struct hv_pp *pp, uint32_t lo, uint32_t hi)
{
	uint32_t mode = ICR_MODE(lo), sh = ICR_SHORTHAND(lo);

	if (mode == MODE_INIT && (lo & ICR_LEVEL) && !(lo & ICR_ASSERT))
		return NULL; /* INIT level de-assert: no effect since the Pentium 4 */
	if (sh == SH_NONE && (lo & ICR_LOGICAL))
		return "INIT/SIPI/NMI with a logical destination (not supported: use physical or a shorthand)";
	uint16_t only = 0xFFFF;
	bool all = sh == SH_ALL || sh == 3u || (sh == SH_NONE && (hi >> 24) == DEST_BROADCAST);
	bool self = sh == SH_SELF || sh == SH_ALL || (sh == SH_NONE && (hi >> 24) == DEST_BROADCAST);
	if (sh == SH_NONE && !all) {
		only = arch_apic_id_to_pp(hi >> 24);
		if (only == pp->id)
			self = true;
		else if (only == 0xFFFF || !pp_get(only))
			return NULL; /* no such processor: nothing receives it */
	}
	if (self && mode == MODE_INIT)
		return "INIT to its own processor (a reset of the running root VP is not emulated)";
	if (self && mode == MODE_NMI)
		apic_root_nmi(pp); /* self-NMI: taken right after this store (SIPI to self: ignored) */
	for (uint16_t i = 0; i < pp_count(); i++) {
		if (i == pp->id || (!all && i != only))
			continue;
		if (mode == MODE_NMI)
			apic_root_nmi(pp_get(i));
		else
			apic_deliver(pp_get(i), mode, (uint8_t)(lo & 0xFF));
	}
	return NULL;
}

/* The architectural state after INIT, then SIPI with `vector` (SDM table
 * 10-1, APM 14.1.3): real mode at vector * 0x1000. */
static void apic_sipi_state(struct hv_vps *vps, uint8_t vector)
{
	static const struct { enum bf_reg_t reg; uint64_t val; } init[] = {
		{ bf_reg_t_cr0, 0x60000010 }, { bf_reg_t_cr3, 0 }, { bf_reg_t_cr4, 0 },
		{ bf_reg_t_efer, 0 }, { bf_reg_t_rflags, 0x2 }, { bf_reg_t_rip, 0 },
		{ bf_reg_t_rax, 0 }, { bf_reg_t_rbx, 0 }, { bf_reg_t_rcx, 0 }, { bf_reg_t_rdx, 0 },
		{ bf_reg_t_rsi, 0 }, { bf_reg_t_rdi, 0 }, { bf_reg_t_rbp, 0 }, { bf_reg_t_rsp, 0 },
		{ bf_reg_t_r8, 0 }, { bf_reg_t_r9, 0 }, { bf_reg_t_r10, 0 }, { bf_reg_t_r11, 0 },
		{ bf_reg_t_r12, 0 }, { bf_reg_t_r13, 0 }, { bf_reg_t_r14, 0 }, { bf_reg_t_r15, 0 },
		{ bf_reg_t_ds, 0 }, { bf_reg_t_ds_base, 0 },
		{ bf_reg_t_ds_limit, 0xFFFF }, { bf_reg_t_ds_attrib, 0x93 },
		{ bf_reg_t_es, 0 }, { bf_reg_t_es_base, 0 },
		{ bf_reg_t_es_limit, 0xFFFF }, { bf_reg_t_es_attrib, 0x93 },
		{ bf_reg_t_ss, 0 }, { bf_reg_t_ss_base, 0 },
		{ bf_reg_t_ss_limit, 0xFFFF }, { bf_reg_t_ss_attrib, 0x93 },
		{ bf_reg_t_fs, 0 }, { bf_reg_t_fs_base, 0 },
		{ bf_reg_t_fs_limit, 0xFFFF }, { bf_reg_t_fs_attrib, 0x93 },
		{ bf_reg_t_gs, 0 }, { bf_reg_t_gs_base, 0 },
		{ bf_reg_t_gs_limit, 0xFFFF }, { bf_reg_t_gs_attrib, 0x93 },
		{ bf_reg_t_cs_limit, 0xFFFF }, { bf_reg_t_cs_attrib, 0x9B },
		{ bf_reg_t_tr, 0 }, { bf_reg_t_tr_base, 0 },
		{ bf_reg_t_tr_limit, 0xFFFF }, { bf_reg_t_tr_attrib, 0x8B },
		{ bf_reg_t_ldtr, 0 }, { bf_reg_t_ldtr_base, 0 },
		{ bf_reg_t_ldtr_limit, 0xFFFF }, { bf_reg_t_ldtr_attrib, 0x82 },
		{ bf_reg_t_gdtr_base, 0 }, { bf_reg_t_gdtr_limit, 0xFFFF },
		{ bf_reg_t_idtr_base, 0 }, { bf_reg_t_idtr_limit, 0xFFFF },
	};

	for (size_t i = 0; i < HV_ARRAY_SIZE(init); i++)
		arch_vps_set_reg(vps, init[i].reg, init[i].val);
	arch_vps_set_reg(vps, bf_reg_t_cs, (uint64_t)vector << 8);
	arch_vps_set_reg(vps, bf_reg_t_cs_base, (uint64_t)vector << 12);
}

bool apic_pp_take_sipi(struct hv_pp *pp)
{
	if (!__atomic_load_n(&pp->sipi_pending, __ATOMIC_ACQUIRE))
		return false;
	hv_spin_lock(&apic_sipi_lock);
	bool taken = __atomic_exchange_n(&pp->sipi_pending, 0, __ATOMIC_ACQ_REL);
	uint8_t vector = __atomic_load_n(&pp->sipi_vector, __ATOMIC_RELAXED);
	if (taken) {
		apic_sipi_state(pp->root_vps, vector);
		pp->current = pp->root_vps;
		__atomic_store_n(&pp->init_pending, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&pp->online, true, __ATOMIC_RELEASE);
	}
	hv_spin_unlock(&apic_sipi_lock);
	if (!taken)
		return false;
	hv_log("pp %u: root VP started by SIPI vector 0x%02x", pp->id, vector);
	return true;
}

bool apic_pp_take_init(struct hv_pp *pp)
{
	if (!__atomic_load_n(&pp->init_pending, __ATOMIC_ACQUIRE))
		return false;
	/* The INIT is the root VP's.  A guest VPS that runs here (the root VP
	 * is in run_vp) ends its run first, as at an interrupt exit, and the VP
	 * is left stopped: the INIT's kick does that when it lands while the
	 * guest runs, but one that reached the PP between two of the guest's
	 * exits (in the hypervisor) is not sent again, and a guest that keeps
	 * making exits would otherwise keep the INIT waiting for good. */
	if (pp->current != pp->root_vps)
		run_return_to_root(pp, mv_vp_exit_t_external_interrupt, 0);
	/* Offline before the INIT is taken: a SIPI sent meanwhile is kept. */
	__atomic_store_n(&pp->online, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pp->init_pending, 0, __ATOMIC_SEQ_CST);
	hv_log("pp %u: root VP parked by INIT (waits for a SIPI)", pp->id);
	return true;
}

/* ---- the APIC page's stores -------------------------------------------- */

static const char *apic_icr(struct hv_pp *pp, uint32_t lo)
{
	uint32_t mode = ICR_MODE(lo);

	if (mode == MODE_FIXED || mode == MODE_LOWEST) {
		arch_lapic_write(LAPIC_ICR_LO, lo);
		return NULL;
	}
	if (mode == MODE_INIT || mode == MODE_SIPI || mode == MODE_NMI)
		return apic_targets(pp, lo, arch_lapic_read(LAPIC_ICR_HI));
	/* SMI and the reserved modes would reach processors that may be in
	 * the hypervisor: not delivered (docs/root-vm.md). */
	hv_log("pp %u: root's IPI with delivery mode %u (ICR 0x%08x) not delivered", pp->id,
	       mode, lo);
	return NULL;
}

/* The LVT entries with a delivery mode field (CMCI, thermal, performance
 * counters, LINT0, LINT1): SMI and INIT there would reach this processor
 * from a local source (a PIC edge, a counter overflow) while it may run the
 * hypervisor; such a write is not performed.  Everything else is. */
static bool apic_lvt_refused(struct hv_pp *pp, uint32_t off, uint32_t val)
{
	bool has_mode = off == 0x2F0u || (off >= 0x330u && off <= 0x360u);
	uint32_t mode = ICR_MODE(val);

	if (!has_mode || (mode != MODE_SMI && mode != MODE_INIT))
		return false;
	hv_log("pp %u: root's LVT 0x%x write 0x%08x (delivery mode %u) not performed", pp->id,
	       off, val, mode);
	return true;
}

const char *apic_root_store(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit)
{
	uint32_t off = (uint32_t)(exit->u.slpt.gpa - apic_page), val;
	uint8_t len;
	const char *why = mmio_store_decode(pp, vps, exit, "local APIC", &val, &len);

	if (why)
		return why;
	why = off == LAPIC_ICR_LO ? apic_icr(pp, val) : NULL;
	if (off != LAPIC_ICR_LO && !apic_lvt_refused(pp, off, val))
		arch_lapic_write(off, val);
	/* CR8 is TPR[7:4]: a backend that keeps the root's CR8 across its
	 * exits (VMX) must not restore the old one over this store. */
	if (off == LAPIC_TPR)
		arch_vps_set_reg(vps, bf_reg_t_cr8, (val >> 4) & 0xF);
	if (why)
		return why;
	arch_vps_set_reg(vps, bf_reg_t_rip, exit->rip + len);
	return NULL;
}

/* ---- IA32_APIC_BASE and the x2APIC MSRs ------------------------------- */

bool apic_is_root_msr(uint32_t msr)
{
	return msr == APIC_MSR_BASE || (msr >= APIC_MSR_X2APIC_FIRST && msr <= APIC_MSR_X2APIC_LAST);
}

int apic_root_msr(struct hv_vps *vps, const struct hv_exit *exit)
{
	if (exit->u.msr.index != APIC_MSR_BASE)
		return -1; /* x2APIC is never enabled: its MSRs #GP (SDM 10.12.1.2) */
	struct hv_pp *pp = pp_this();
	uint64_t cur = arch_apic_base();
	if (pp->apic_disabled)
		cur &= ~APIC_BASE_EN;
	if (!exit->u.msr.write) {
		arch_vps_set_reg(vps, bf_reg_t_rax, cur & 0xFFFFFFFFull);
		arch_vps_set_reg(vps, bf_reg_t_rdx, cur >> 32);
		return 0;
	}
	/* No move, no x2APIC (BSP is read-only).  EN may go off and on again, as
	 * OSes and kvm-unit-tests do to reset the APIC: the root sees its EN;
	 * the hardware APIC stays enabled (docs/root-vm.md "Local APIC"). */
	if ((exit->u.msr.value ^ cur) & ~(APIC_BASE_BSP | APIC_BASE_EN))
		return -1;
	pp->apic_disabled = !(exit->u.msr.value & APIC_BASE_EN);
	return 0;
}
