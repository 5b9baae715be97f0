/*
 * The AMD IOMMU itself: the device table (every device ID in the root's
 * DMA domain, whose I/O page table amdvi_pt.c keeps), the command buffer
 * (IOTLB invalidation, then COMPLETION_WAIT storing to memory), the event
 * log (read after VM exits: one "[hv] iommu: ..." line per event), and the
 * enable sequence.  Completion is seen through the store of COMPLETION_WAIT
 * and new events by their non-zero contents (consumed entries are zeroed),
 * not through registers: QEMU 7.2's amd-iommu sets no status bit (its
 * internal register updates pass address and value swapped).  QEMU 7.2
 * never writes the event log at all (its overflow test ORs instead of
 * ANDs), but marks
 * each I/O page fault with "signalled target abort" in the IOMMU's PCI
 * status register: a set bit with no event logged is reported as a DMA
 * fault of an unknown device (docs/spec-errata.md).
 */
#include <x86/cpu.h>
#include <x86/pci.h>

#include "amdvi.h"

#define DEV_TABLE_ENTRIES 65536u /* every device ID of segment 0 */
#define RING_BYTES 4096u         /* command buffer and event log: 256 entries */
#define RING_LEN_LOG2 8ull
#define WAIT_POLLS 100000000u

#define CMD_COMPLETION_WAIT 0x1ull
#define CMD_INVALIDATE_DEVTAB_ENTRY 0x2ull
#define CMD_INVALIDATE_IOMMU_PAGES 0x3ull
#define CMD_INVALIDATE_IOMMU_ALL 0x8ull
#define AMDVI_EXT_FEATURES 0x0030
#define EFR_IA_SUP (1ull << 6) /* INVALIDATE_IOMMU_ALL supported */
#define INVALIDATE_ALL_PAGES 0x7FFFFFFFFFFFF000ull /* with S = 1: the whole domain */

#define EVT_IO_PAGE_FAULT 0x2u

/* Not zeroed at boot (boot/link.ld .bss.noinit: 2 MiB): amdvi_enable writes every entry. */
static uint64_t dev_table[DEV_TABLE_ENTRIES * 4]
	__attribute__((aligned(4096), section(".bss.noinit.amdvi_dev_table")));
static uint64_t cmd_buf[RING_BYTES / 8] __attribute__((aligned(4096)));
static uint64_t evt_log[RING_BYTES / 8] __attribute__((aligned(4096)));
static volatile uint64_t wait_word __attribute__((aligned(8)));

#define PCI_COMMAND_STATUS 0x04
#define PCI_STATUS_SIG_TARGET_ABORT (1u << (16 + 11))

static volatile uint8_t *regs;
static uint16_t iommu_bdf;
static uint32_t cmd_tail;  /* byte offset */
static uint32_t evt_head;  /* byte offset */
static uint64_t wait_seq;
static bool overflow_logged;
static uint32_t poll_busy;

static uint64_t rd(uint32_t off)
{
	return *(volatile uint64_t *)(regs + off);
}

static void wr(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(regs + off) = v;
}

static uint64_t pa_of(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p; /* the hypervisor is identity-mapped */
}

static void cmd_put(uint64_t q0, uint64_t q1)
{
	cmd_buf[cmd_tail / 8] = q0;
	cmd_buf[cmd_tail / 8 + 1] = q1;
	cmd_tail = (cmd_tail + 16) % RING_BYTES;
}

/* Hands the queued commands to the IOMMU, then COMPLETION_WAIT with a store
 * to wait_word; returns when the store arrived.  0, or -1 (logged). */
static int cmd_run_and_wait(void)
{
	uint64_t seq = ++wait_seq, pa = pa_of(&wait_word);

	cmd_put((pa & 0x000FFFFFFFFFFFF8ull) | 1 /* S: store */ | CMD_COMPLETION_WAIT << 60, seq);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(AMDVI_CMD_TAIL, cmd_tail);
	for (uint32_t i = 0; i < WAIT_POLLS; i++) {
		if (wait_word == seq)
			return 0;
		cpu_relax();
	}
	hv_log("iommu: COMPLETION_WAIT %llu never completed", (unsigned long long)seq);
	return -1;
}

void amdvi_flush_domain(void)
{
	if (!regs)
		return;
	cmd_put(CMD_INVALIDATE_IOMMU_PAGES << 60 | (uint64_t)AMDVI_ROOT_DOMAIN << 32,
		INVALIDATE_ALL_PAGES | 1 /* S */ | 2 /* PDE */);
	cmd_run_and_wait();
}

static int invalidate_dtes(uint32_t first, uint32_t last)
{
	for (uint32_t id = first; id <= last; id++) {
		cmd_put(CMD_INVALIDATE_DEVTAB_ENTRY << 60 | id, 0);
		/* leave room for the COMPLETION_WAIT */
		if (cmd_tail == RING_BYTES - 16 || id == last)
			if (cmd_run_and_wait())
				return -1;
	}
	return 0;
}

int amdvi_enable(const struct amdvi_unit *u)
{
	uint64_t root = amdvi_pt_root();

	if (!root) {
		hv_log("iommu: the root's DMA domain is empty; not enabled");
		return -1;
	}
	uint64_t q0 = AMDVI_DTE_V | AMDVI_DTE_TV | (uint64_t)AMDVI_LEVELS << AMDVI_DTE_MODE_SHIFT |
		      root | AMDVI_DTE_IR | AMDVI_DTE_IW;
	for (uint32_t id = 0; id < DEV_TABLE_ENTRIES; id++) {
		dev_table[id * 4] = q0;
		dev_table[id * 4 + 1] = AMDVI_ROOT_DOMAIN;
		dev_table[id * 4 + 2] = 0;
		dev_table[id * 4 + 3] = 0;
	}
	regs = (volatile uint8_t *)(uintptr_t)u->mmio;
	iommu_bdf = u->devid;
	wr(AMDVI_CONTROL, 0);
	wr(AMDVI_DEV_TABLE_BASE, pa_of(dev_table) | (sizeof(dev_table) / 4096 - 1));
	wr(AMDVI_CMD_BUF_BASE, pa_of(cmd_buf) | RING_LEN_LOG2 << 56);
	wr(AMDVI_CMD_HEAD, 0);
	wr(AMDVI_CMD_TAIL, 0);
	wr(AMDVI_EVT_LOG_BASE, pa_of(evt_log) | RING_LEN_LOG2 << 56);
	wr(AMDVI_EVT_HEAD, 0);
	wr(AMDVI_EVT_TAIL, 0);
	cmd_tail = evt_head = 0;
	wr(AMDVI_CONTROL, AMDVI_CTRL_EN | AMDVI_CTRL_EVT_LOG_EN | AMDVI_CTRL_CMD_BUF_EN);
	/* Drop whatever the IOMMU cached from the firmware's use of it. */
	int err;
	if (rd(AMDVI_EXT_FEATURES) & EFR_IA_SUP) {
		cmd_put(CMD_INVALIDATE_IOMMU_ALL << 60, 0);
		err = cmd_run_and_wait();
	} else {
		err = invalidate_dtes(u->first_devid, u->last_devid);
	}
	if (err) {
		regs = NULL;
		return -1;
	}
	amdvi_flush_domain();
	hv_log("iommu: AMD IOMMU at 0x%llx (device %02x:%02x.%x) enabled: devices %02x:%02x.%x-"
	       "%02x:%02x.%x in the root's DMA domain %u",
	       (unsigned long long)u->mmio, u->devid >> 8, (u->devid >> 3) & 31, u->devid & 7,
	       u->first_devid >> 8, (u->first_devid >> 3) & 31, u->first_devid & 7,
	       u->last_devid >> 8, (u->last_devid >> 3) & 31, u->last_devid & 7,
	       AMDVI_ROOT_DOMAIN);
	return 0;
}

static const char *event_name(unsigned code)
{
	static const char *const names[] = {
		"event code 0", "ILLEGAL_DEV_TABLE_ENTRY", "IO_PAGE_FAULT",
		"DEV_TAB_HARDWARE_ERROR", "PAGE_TAB_HARDWARE_ERROR", "ILLEGAL_COMMAND_ERROR",
		"COMMAND_HARDWARE_ERROR", "IOTLB_INV_TIMEOUT", "INVALID_DEVICE_REQUEST",
	};
	return code < HV_ARRAY_SIZE(names) ? names[code] : "unknown event";
}

static void log_event(uint64_t q0, uint64_t q1)
{
	unsigned code = (unsigned)(q0 >> 60), dev = (unsigned)(q0 & 0xFFFF);

	/* Code 0 is reserved; QEMU < 8.0 writes it for every I/O page fault
	 * (docs/spec-errata.md), so it is reported as a DMA fault too. */
	if (code == EVT_IO_PAGE_FAULT)
		hv_log("iommu: DMA fault device %02x:%02x.%x: IO_PAGE_FAULT domain %u address "
		       "0x%llx flags 0x%x", dev >> 8, (dev >> 3) & 31, dev & 7,
		       (unsigned)((q0 >> 32) & 0xFFFF), (unsigned long long)q1,
		       (unsigned)((q0 >> 48) & 0xFFF));
	else if (code == 0)
		hv_log("iommu: DMA fault device %02x:%02x.%x: event code 0 (an I/O page fault as "
		       "QEMU < 8.0 encodes it), raw 0x%llx 0x%llx", dev >> 8, (dev >> 3) & 31,
		       dev & 7, (unsigned long long)q0, (unsigned long long)q1);
	else
		hv_log("iommu: event %s device %02x:%02x.%x, raw 0x%llx 0x%llx", event_name(code),
		       dev >> 8, (dev >> 3) & 31, dev & 7, (unsigned long long)q0,
		       (unsigned long long)q1);
}

void amdvi_poll_events(void)
{
	if (!regs || __atomic_exchange_n(&poll_busy, 1, __ATOMIC_ACQUIRE))
		return;
	bool moved = false;
	for (;;) {
		volatile uint64_t *e = &evt_log[evt_head / 8];
		uint64_t q0 = e[0], q1 = e[1];
		if (!q0 && !q1)
			break;
		log_event(q0, q1);
		e[0] = e[1] = 0;
		evt_head = (evt_head + 16) % RING_BYTES;
		moved = true;
	}
	if (moved)
		wr(AMDVI_EVT_HEAD, evt_head);
	/* Write-1-to-clear the abort bit, keeping the command register. */
	uint32_t cs = pci_cfg_read32(iommu_bdf, PCI_COMMAND_STATUS);
	if (cs != 0xFFFFFFFFu && (cs & PCI_STATUS_SIG_TARGET_ABORT)) {
		pci_cfg_write32(iommu_bdf, PCI_COMMAND_STATUS,
				(cs & 0xFFFFu) | PCI_STATUS_SIG_TARGET_ABORT);
		if (!moved)
			hv_log("iommu: DMA fault device unknown: the IOMMU signalled a target abort "
			       "but logged no event");
	}
	if ((rd(AMDVI_STATUS) & AMDVI_STATUS_EVT_OVF) && !overflow_logged) {
		hv_log("iommu: the event log overflowed: later DMA faults may go unreported");
		overflow_logged = true;
	}
	__atomic_store_n(&poll_busy, 0, __ATOMIC_RELEASE);
}
