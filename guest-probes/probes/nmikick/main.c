/*
 * nmikick: an NMI IPI reaches an AP that runs without exits (docs/root-vm.md
 * "Local APIC").  The hypervisor never sends the root's NMI to the hardware:
 * it queues it to the target PP's root VP (hv/core/apic.c apic_root_nmi) and
 * kicks that PP (hv/core/occupancy.c occupancy_kick), whose next entry
 * delivers it.  The root starts its APs (smproot's trampoline); the first AP
 * loads the BSP's GDT and IDT and waits in a one-instruction loop (a jump to itself,
 * which makes no exit), with the NMI expected at that instruction.  The BSP
 * sends an NMI to the AP's APIC ID: the AP must take it there, and leave the
 * loop.  Without the kick the AP would take it only at its next exit, which
 * a loop like this never makes on hardware.
 *
 * No ABI item names the root's platform: every check is items=none.
 */
#include "../smproot/ap_start.h"

PROBE_TITLE("root VM NMI IPI to an AP that makes no exit: the hypervisor kicks it");

#define ICR_NMI 0x00004400u /* delivery mode NMI, assert, physical */
#define VECTOR_NMI 2

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void nk_load_tables(const struct table_ptr *gdtr, const struct table_ptr *idtr);
void nk_wait_nmi(volatile uint32_t *ready);
extern char nk_spin[], nk_after[];

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static struct table_ptr bsp_gdt, bsp_idt;
static volatile uint32_t ap_ready, ap_took;

/* The first AP: the BSP's GDT and IDT, the NMI expected at nk_spin, then
 * the wait. */
static void ap_main(uint32_t slot)
{
	(void)slot;
	nk_load_tables(&bsp_gdt, &bsp_idt);
	rt_expect(VECTOR_NMI, (uintptr_t)nk_spin, (uintptr_t)nk_after);
	nk_wait_nmi(&ap_ready);
	__atomic_store_n(&ap_took, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("pause");
}

void probe_main(void)
{
	__asm__ volatile("sgdt %0" : "=m"(bsp_gdt));
	__asm__ volatile("sidt %0" : "=m"(bsp_idt));
	uint32_t n = start_aps(ap_main, ap_stack + sizeof(ap_stack));
	if (n == 0)
		probe_error("no AP reached long mode (INIT-SIPI-SIPI: see the smproot probe)");
	for (uint64_t t0 = tsc(); !ap_ready && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	if (!ap_ready)
		probe_error("the first AP did not reach its wait loop");
	uint32_t apic_id = ((volatile uint32_t *)tramp(tr_page_id))[0];
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)LAPIC;

	apic[REG_ICR_HI / 4] = apic_id << 24;
	apic[REG_ICR_LO / 4] = ICR_NMI;
	apic[REG_ICR_HI / 4] = 0;
	for (uint64_t t0 = tsc(); !ap_took && tsc() - t0 < WAIT_TICKS;)
		__asm__ volatile("pause");
	check_tok("nmi-to-spinning-ap", "none", "taken", ap_took ? "taken" : "not-taken", ap_took,
		  "an NMI through the xAPIC ICR to the AP with APIC ID 0x%x, which waits in a jump "
		  "to itself (no exit of its own), is taken at that instruction", apic_id);
}
