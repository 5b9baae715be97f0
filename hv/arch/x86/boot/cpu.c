/*
 * Host CPU services every PP uses, whichever backend runs: its control
 * register and PAT set-up (host_cpu_setup, on the BSP and each AP),
 * arch_halt() (the end of the machine: the coverage dump, then
 * isa-debug-exit) and arch_cpuid_native().
 */
#include <x86/boot.h>
#include <x86/cov.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>

/* isa-debug-exit (QEMU -device isa-debug-exit,iobase=0xf4): QEMU exits
 * with status (v << 1) | 1; on hardware the write is harmless. */
#define EXIT_HV_FAILED 0x7E    /* QEMU status 253: boot failure, panic, exception */

HV_NORETURN void arch_halt(void)
{
	x86_cov_dump("halt");
	outb(DEBUG_EXIT_PORT, EXIT_HV_FAILED);
	cpu_halt_forever();
}

void arch_cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	cpuid(leaf, subleaf, out);
}

void host_cpu_setup(void)
{
	uint64_t cr0 = read_cr0();

	cr0 = (cr0 | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS);
	write_cr0(cr0);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	wrmsr(MSR_PAT, HOST_PAT);
	__asm__ volatile("fninit" ::: "memory");
}
