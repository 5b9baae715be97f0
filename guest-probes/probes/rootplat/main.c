/*
 * rootplat: the root VM's platform behaves like the machine (issue "The root
 * VM is a real machine", docs/root-vm.md "CPUID policy", "Memory", "HLT"):
 *
 *  1. CPUID policy (cpuid_policy.c): VMX, SVM (and its leaf 0x8000000A) and
 *     x2APIC are hidden; OSXSAVE and OSPKE follow the root's own CR4.
 *  2. Memory (memmap.c): the multiboot information lies outside the kernel's
 *     image; the map is sorted and disjoint; the firmware's ACPI ranges are
 *     in it with their type and readable; the ACPI tables are readable.
 *  3. HLT (hlt.c): with IF=1 the root's HLT returns only after an interrupt
 *     (PIT channel 0 through the PIC), one-shot and periodic.
 *  4. XSETBV (xsetbv.c): a valid XCR0 is loaded, the invalid ones raise
 *     #GP(0) and change nothing.
 *  5. CR4 (cr4.c): MOV to CR4 of a bit CPUID does not offer raises #GP(0)
 *     and changes nothing.
 *  6. The local APIC (apic.c): its timer, IPIs, TPR, logical destination
 *     and software disable, as the machine's.
 *
 * The root's platform is not an ABI item of the catalogue, so the checks are
 * items=none and their ids say what they show.
 */
#include "rootplat.h"

PROBE_TITLE("root VM platform: CPUID policy, memory map, multiboot placement, HLT waits, XSETBV, CR4, local APIC");

void probe_main(void)
{
	rootplat_cpuid();
	rootplat_memmap();
	rootplat_hlt();
	rootplat_xsetbv();
	rootplat_cr4();
	rootplat_apic();
}
