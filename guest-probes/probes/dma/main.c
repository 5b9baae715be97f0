/*
 * dma: a bus-master device the root owns cannot reach the hypervisor's
 * memory, nor memory the root donated to a guest VM (issue "Isolation holds
 * against a hostile root", item 3; docs/security.md "DMA").
 *
 * The probe finds QEMU's edu device (PCI 1234:11e8) by scanning PCI
 * configuration space (ports 0xCF8/0xCFC), enables its memory decoding and
 * bus mastering, and uses its DMA engine (BAR0: source 0x80, destination
 * 0x88, count 0x90, command 0x98; a 4 KiB buffer at device address
 * 0x40000):
 *
 *  dma-works            root page -> buffer -> another root page: the copy
 *                       arrives (without it every other check is vacuous)
 *  hv-read-blocked      the hypervisor's first page (the first reserved
 *                       range of the memory map) -> buffer -> root page:
 *                       none of it arrives (its multiboot header's magic)
 *  donated-read-blocked a page donated to a guest VM -> buffer -> root page:
 *                       none of its (known) contents arrive (the device
 *                       read the page before the donation, so a missing
 *                       IOTLB invalidation would show here)
 *  neighbours-dma-works root page -> buffer -> root page while the page
 *                       next to them is donated: the copy arrives (the
 *                       donation unmapped exactly its 4 KiB, splitting the
 *                       IOMMU's 2 MiB leaf around it)
 *  hv-write-blocked     buffer -> the hypervisor's first page: the
 *                       hypervisor still answers (a hypercall succeeds)
 *  donated-write-blocked buffer -> the donated page; the page, given back
 *                       by destroying the VM, still holds its contents
 *  given-back-dma-works the given-back page -> buffer -> root page: the
 *                       root's devices reach it again
 *
 * Each blocked copy promises one hypervisor console line starting
 * "[hv] iommu: DMA fault" (the suite counts them,
 * conformance/mvconf/crosschecks.py; QEMU 7.2 logs no IOMMU events, so the
 * line cannot name the device there: docs/spec-errata.md).  A refused
 * read delivers zeros or ones to the device, not the old buffer.  No ABI item names DMA isolation:
 * items=none, except the donation (mv_vm_op_map_mdl).
 */
#include "pci.h"
#include "probe.h"
#include "vmm.h"

PROBE_TITLE("DMA: a device of the root cannot read or write the hypervisor's or donated memory");

#define PAGE 0x1000ull
#define EDU_ID 0x11E81234u
#define EDU_BUF 0x40000ull
/* QEMU 7.2's edu refuses (aborting QEMU) a copy that ends at its buffer's
 * end; half a page is checked. */
#define COPY 0x800ull
#define EDU_SRC 0x80
#define EDU_DST 0x88
#define EDU_CNT 0x90
#define EDU_CMD 0x98
#define EDU_CMD_RUN 1u
#define EDU_CMD_TO_RAM 2u
#define PATTERN_A 0xA5A5000000000000ull
#define PATTERN_B 0xB0B0000000000000ull
#define PATTERN_C 0xC3C3000000000000ull
#define DONATED_GPA 0x100000ull

#define MB_HEADER_MAGIC 0x1BADB002u
/* What the hypervisor prints for each refused DMA (the suite counts them). */
#define FAULT_LINE "[hv] iommu: DMA fault"

static volatile uint8_t *edu;

static void fill(uint64_t gpa, uint64_t pattern)
{
	for (unsigned i = 0; i < PAGE / 8; i++)
		((volatile uint64_t *)vmm_gpa_ptr(gpa))[i] = pattern | i;
}

/* The number of qwords of the copied part of the page that do not hold `pattern`. */
static unsigned differ(uint64_t gpa, uint64_t pattern)
{
	unsigned n = 0;

	for (unsigned i = 0; i < COPY / 8; i++)
		n += ((volatile uint64_t *)vmm_gpa_ptr(gpa))[i] != (pattern | i);
	return n;
}

static void edu_w64(unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(edu + off) = v;
}

/* How many dwords of the copied part of the page are `v`. */
static unsigned count32(uint64_t gpa, uint32_t v)
{
	unsigned n = 0;

	for (unsigned i = 0; i < COPY / 4; i++)
		n += ((volatile uint32_t *)vmm_gpa_ptr(gpa))[i] == v;
	return n;
}

/* How many qwords of the copied part of the page still hold `pattern`. */
static unsigned same(uint64_t gpa, uint64_t pattern)
{
	return (unsigned)(COPY / 8) - differ(gpa, pattern);
}

/* One DMA of COPY bytes; false when the engine never finished. */
static bool dma(uint64_t src, uint64_t dst, bool to_ram)
{
	edu_w64(EDU_SRC, src);
	edu_w64(EDU_DST, dst);
	edu_w64(EDU_CNT, COPY);
	edu_w64(EDU_CMD, EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (uint64_t i = 0; i < 2000000000ull; i++) {
		if (!(*(volatile uint64_t *)(edu + EDU_CMD) & EDU_CMD_RUN)) {
			/* Any VM exit lets the hypervisor read the IOMMU's event log. */
			cpuid1(0);
			return true;
		}
	}
	return false;
}

static void dma_or_error(uint64_t src, uint64_t dst, bool to_ram)
{
	if (!dma(src, dst, to_ram))
		probe_error("the edu DMA engine did not finish a copy 0x%llx -> 0x%llx",
			    (unsigned long long)src, (unsigned long long)dst);
}

/* `src` -> the edu buffer -> the root page `dst` (first filled with B). */
static void copy_through_edu(uint64_t src, uint64_t dst)
{
	fill(dst, PATTERN_B);
	dma_or_error(src, EDU_BUF, false);
	dma_or_error(EDU_BUF, dst, true);
}

void probe_main(void)
{
	vmm_init(false);
	int bdf = pci_find(EDU_ID);
	if (bdf < 0)
		probe_error("no edu device (PCI 1234:11e8) found by the PCI configuration scan");
	uint32_t bar = pci_read((unsigned)bdf, 0x10);
	pci_write((unsigned)bdf, 0x04, pci_read((unsigned)bdf, 0x04) | 0x6); /* memory, bus master */
	edu = (volatile uint8_t *)(uintptr_t)(bar & ~0xFu);
	rt_log("edu at %02x:%02x.%x, BAR0 0x%x", bdf >> 8, (bdf >> 3) & 31, bdf & 7, bar);

	uint64_t S = vmm_alloc(1), D = vmm_alloc(1), G = vmm_alloc(1);
	uint64_t hv = vmm_not_owned_gpa();

	/* the control: root -> buffer -> root */
	fill(S, PATTERN_A);
	copy_through_edu(S, D);
	unsigned n = differ(D, PATTERN_A);
	check_eq("dma-works", "none", 0, n,
		 "edu copies a root page through its buffer into another root page (%u qwords "
		 "differ): DMA to the root's own memory works", n);

	/* (a) the hypervisor's memory -> the root.  Its image starts with its
	 * multiboot header (boot/link.ld), whose magic a successful copy brings. */
	copy_through_edu(hv, D);
	n = count32(D, MB_HEADER_MAGIC);
	check_eq("hv-read-blocked", "none", 0, n,
		 "edu copying the hypervisor's first page 0x%llx into the root brings none of it "
		 "(%u copies of its multiboot magic 0x%x arrived); console: %s",
		 (unsigned long long)hv, n, MB_HEADER_MAGIC, FAULT_LINE);

	/* (b) a page donated to a guest VM -> the root */
	uint64_t vmid;
	if (vmm_vm_create(&vmid) != EXP_STATUS_SUCCESS)
		probe_error("mv_vm_op_create_vm failed");
	fill(G, PATTERN_C);
	/* The device reads G while it is still the root's: the IOMMU may now
	 * cache G's translation, which the donation must invalidate (without
	 * the IOTLB invalidation the copies below would get through). */
	dma_or_error(G, EDU_BUF, false);
	uint64_t st = vmm_map_range(vmid, G, DONATED_GPA, PAGE, EXP_GPA_RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st,
		     "the root donates page 0x%llx to VM %llu", (unsigned long long)G,
		     (unsigned long long)vmid);
	copy_through_edu(G, D);
	n = same(D, PATTERN_C);
	check_eq("donated-read-blocked", "mv_vm_op_map_mdl", 0, n,
		 "edu copying the donated page 0x%llx into the root brings none of it (%u of its "
		 "qwords arrived); console: %s", (unsigned long long)G, n, FAULT_LINE);

	/* S, D and G are neighbours (vmm_alloc: at 2 MiB or above), in one 2 MiB
	 * leaf of the root's map where the root's RAM there is whole: the
	 * donation split it in the IOMMU's table too, and unmapped G alone. */
	fill(S, PATTERN_A);
	copy_through_edu(S, D);
	n = differ(D, PATTERN_A);
	check_eq("neighbours-dma-works", "mv_vm_op_map_mdl", 0, n,
		 "with page 0x%llx donated, edu still copies its neighbour 0x%llx into 0x%llx "
		 "(%u qwords differ): the donation unmapped that page only",
		 (unsigned long long)G, (unsigned long long)S, (unsigned long long)D, n);

	/* (c) the reverse: the root's data (A) into them */
	dma_or_error(S, EDU_BUF, false);
	dma_or_error(EDU_BUF, G, true);
	dma_or_error(EDU_BUF, hv, true);
	st = vmm_vm_destroy(vmid);
	check_eq("hv-write-blocked", "none", EXP_STATUS_SUCCESS, st,
		 "after edu wrote into the hypervisor's page 0x%llx the hypervisor still answers "
		 "(mv_vm_op_destroy_vm succeeds); console: %s", (unsigned long long)hv, FAULT_LINE);
	n = differ(G, PATTERN_C);
	check_eq("donated-write-blocked", "mv_vm_op_map_mdl", 0, n,
		 "edu writing into the donated page 0x%llx changed nothing: given back by "
		 "destroying the VM, it still holds what the root wrote before (%u qwords differ); "
		 "console: %s", (unsigned long long)G, n, FAULT_LINE);

	/* given back, the page is the root's devices' again */
	copy_through_edu(G, D);
	n = differ(D, PATTERN_C);
	check_eq("given-back-dma-works", "mv_vm_op_destroy_vm", 0, n,
		 "edu copies the page 0x%llx again once the VM's destruction gave it back to the "
		 "root (%u qwords differ)", (unsigned long long)G, n);
}
