/*
 * Intel VT-d DMA remapping: every remapping unit the DMAR reports gets the
 * same legacy-mode root table, whose 256 buses all point at one context
 * table putting every device (all 256 devfns) in the root's DMA domain
 * (second-level table: vtd_pt.c).  Translation is enabled with
 * GCMD.SRTP, global context-cache and IOTLB invalidation, then GCMD.TE;
 * unmaps are followed by a register-based domain IOTLB invalidation
 * (vtd_flush_domain) before the hypercall returns.  Faults are read from
 * the fault recording registers after VM exits: one "[hv] iommu: DMA
 * fault ..." line each, the record then cleared (QEMU 7.2 has one record:
 * a fault arriving while it is still set only sets FSTS.PFO, logged once).
 */
#include <x86/cpu.h>

#include "vtd.h"

#define WAIT_POLLS 100000000u

static uint64_t root_table[512] __attribute__((aligned(4096)));  /* 256 root entries */
static uint64_t ctx_table[512] __attribute__((aligned(4096)));   /* 256 context entries */

static struct {
	volatile uint8_t *regs;
	uint32_t iotlb;      /* offset of the IOTLB invalidate register */
	uint32_t frcd;       /* offset of the first fault recording register */
	uint32_t nfr;        /* number of fault recording registers */
	bool pfo_logged;
} units[VTD_MAX_UNITS];
static unsigned n_units;
static uint32_t poll_busy;

static uint32_t rd32(unsigned u, uint32_t off)
{
	return *(volatile uint32_t *)(units[u].regs + off);
}

static void wr32(unsigned u, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(units[u].regs + off) = v;
}

static uint64_t rd64(unsigned u, uint32_t off)
{
	return *(volatile uint64_t *)(units[u].regs + off);
}

static void wr64(unsigned u, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(units[u].regs + off) = v;
}

/* Polls until (reg & mask) == want; 0, or -1 (logged). */
static int wait32(unsigned u, uint32_t off, uint32_t mask, uint32_t want, const char *what)
{
	for (uint32_t i = 0; i < WAIT_POLLS; i++) {
		if ((rd32(u, off) & mask) == want)
			return 0;
		cpu_relax();
	}
	hv_log("iommu: VT-d unit %u: %s never completed", u, what);
	return -1;
}

static int wait64(unsigned u, uint32_t off, uint64_t mask, const char *what)
{
	for (uint32_t i = 0; i < WAIT_POLLS; i++) {
		if (!(rd64(u, off) & mask))
			return 0;
		cpu_relax();
	}
	hv_log("iommu: VT-d unit %u: %s never completed", u, what);
	return -1;
}

/* Sets the one-shot or persistent GCMD bit `cmd` (the persistent bits of
 * GSTS kept) and waits until GSTS's `status` bit reads `want`. */
static int gcmd(unsigned u, uint32_t cmd, uint32_t status, uint32_t want, const char *what)
{
	wr32(u, VTD_GCMD, (rd32(u, VTD_GSTS) & VTD_GSTS_PERSISTENT) | cmd);
	return wait32(u, VTD_GSTS, status, want, what);
}

static int iotlb_invalidate(unsigned u, uint64_t cmd)
{
	wr64(u, units[u].iotlb + 8, VTD_IOTLB_IVT | cmd | VTD_IOTLB_DR | VTD_IOTLB_DW);
	return wait64(u, units[u].iotlb + 8, VTD_IOTLB_IVT, "IOTLB invalidation");
}

void vtd_flush_domain(void)
{
	for (unsigned u = 0; u < n_units; u++)
		iotlb_invalidate(u, VTD_IOTLB_DOMAIN |
				    (uint64_t)VTD_ROOT_DOMAIN << VTD_IOTLB_DID_SHIFT);
}

static int enable_unit(unsigned u, uint64_t reg)
{
	units[u].regs = (volatile uint8_t *)(uintptr_t)reg;
	uint64_t cap = rd64(u, VTD_CAP), ecap = rd64(u, VTD_ECAP);
	uint32_t iotlb = VTD_ECAP_IRO(ecap), frcd = VTD_CAP_FRO(cap), nfr = VTD_CAP_NFR(cap);

	if (iotlb + 16 > VTD_REG_SIZE || frcd + 16ull * nfr > VTD_REG_SIZE) {
		hv_log("iommu: VT-d unit at 0x%llx: registers beyond its 4 KiB page (IOTLB 0x%x, "
		       "fault records 0x%x x %u); not used", (unsigned long long)reg, iotlb, frcd,
		       nfr);
		return -1;
	}
	int levels = (VTD_CAP_SAGAW(cap) & 4) ? 4 : (VTD_CAP_SAGAW(cap) & 2) ? 3 : 0;
	uint64_t top = levels ? vtd_pt_top(levels) : 0;
	if (!top) {
		hv_log("iommu: VT-d unit at 0x%llx: %s; not used", (unsigned long long)reg,
		       levels ? "no second-level table" : "neither 3- nor 4-level tables (SAGAW)");
		return -1;
	}
	units[u].iotlb = iotlb;
	units[u].frcd = frcd;
	units[u].nfr = nfr;
	/* One context table for every bus; every unit walks 4 levels, or the
	 * 3 under entry 0 (the entries are the same for all units: the first
	 * unit's level count is used when they differ, the others refused). */
	uint64_t want = top | VTD_PRESENT;
	if (ctx_table[0] && ctx_table[0] != want) {
		hv_log("iommu: VT-d unit at 0x%llx walks %d levels, unlike unit 0; not used",
		       (unsigned long long)reg, levels);
		return -1;
	}
	for (unsigned i = 0; i < 256; i++) {
		ctx_table[2 * i] = want; /* TT = 0: untranslated requests, second level */
		ctx_table[2 * i + 1] = (uint64_t)(levels - 2) << VTD_CTX_AW_SHIFT |
				       (uint64_t)VTD_ROOT_DOMAIN << VTD_CTX_DID_SHIFT;
		root_table[2 * i] = (uint64_t)(uintptr_t)ctx_table | VTD_PRESENT;
		root_table[2 * i + 1] = 0;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* WBFS reads 1 while the flush runs, 0 once it is done. */
	if ((cap & VTD_CAP_RWBF) && gcmd(u, VTD_GCMD_WBF, VTD_GSTS_WBFS, 0, "write-buffer flush"))
		return -1;
	wr64(u, VTD_RTADDR, (uint64_t)(uintptr_t)root_table); /* TTM = 0: legacy */
	if (gcmd(u, VTD_GCMD_SRTP, VTD_GSTS_RTPS, VTD_GSTS_RTPS, "root table pointer"))
		return -1;
	/* Drop whatever the unit cached from the firmware's use of it. */
	wr64(u, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_GLOBAL);
	if (wait64(u, VTD_CCMD, VTD_CCMD_ICC, "context-cache invalidation") ||
	    iotlb_invalidate(u, VTD_IOTLB_GLOBAL))
		return -1;
	wr32(u, VTD_FECTL, 1u << 31); /* IM: faults are polled, not signalled */
	if (gcmd(u, VTD_GCMD_TE, VTD_GSTS_TES, VTD_GSTS_TES, "translation enable"))
		return -1;
	hv_log("iommu: Intel VT-d unit at 0x%llx enabled: %d-level second-level tables%s, every "
	       "device in the root's DMA domain %u", (unsigned long long)reg, levels,
	       (cap & VTD_CAP_CM) ? " (caching mode)" : "", VTD_ROOT_DOMAIN);
	return 0;
}

bool vtd_units_2m(const struct vtd_units *v)
{
	for (unsigned i = 0; i < v->n; i++)
		if (!(*(volatile uint64_t *)(uintptr_t)(v->reg[i] + VTD_CAP) & VTD_CAP_SLLPS_2M))
			return false;
	return v->n > 0;
}

int vtd_enable(const struct vtd_units *v)
{
	if (!vtd_pt_top(4)) {
		hv_log("iommu: the root's DMA domain is empty; not enabled");
		return -1;
	}
	for (unsigned i = 0; i < v->n; i++) {
		if (enable_unit(n_units, v->reg[i])) {
			units[n_units].regs = NULL;
			return -1;
		}
		n_units++;
	}
	return 0;
}

static void log_fault(unsigned u, uint64_t lo, uint64_t hi)
{
	unsigned sid = (unsigned)(hi & 0xFFFF), reason = (unsigned)((hi >> 32) & 0xFF);

	hv_log("iommu: DMA fault device %02x:%02x.%x: VT-d unit %u, %s of address 0x%llx, "
	       "reason 0x%x", sid >> 8, (sid >> 3) & 31, sid & 7, u,
	       (hi >> 62) & 1 ? "read" : "write", (unsigned long long)(lo & ~0xFFFull), reason);
}

void vtd_poll_faults(void)
{
	if (!n_units || __atomic_exchange_n(&poll_busy, 1, __ATOMIC_ACQUIRE))
		return;
	for (unsigned u = 0; u < n_units; u++) {
		uint32_t fsts = rd32(u, VTD_FSTS);
		if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
			continue;
		for (uint32_t i = 0; i < units[u].nfr; i++) {
			uint32_t off = units[u].frcd + 16 * i;
			uint64_t hi = rd64(u, off + 8);
			if (!(hi & VTD_FRCD_F))
				continue;
			log_fault(u, rd64(u, off), hi);
			wr32(u, off + 12, (uint32_t)(VTD_FRCD_F >> 32)); /* write 1 to clear F */
		}
		if (fsts & VTD_FSTS_PFO) {
			if (!units[u].pfo_logged)
				hv_log("iommu: VT-d unit %u: its fault records overflowed: later "
				       "DMA faults may go unreported", u);
			units[u].pfo_logged = true;
			wr32(u, VTD_FSTS, VTD_FSTS_PFO);
		}
	}
	__atomic_store_n(&poll_busy, 0, __ATOMIC_RELEASE);
}
