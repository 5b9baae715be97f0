/*
 * bsp_main: the hypervisor's C entry on the bootstrap processor, and
 * arch_spa_to_hva() over the memory map it reads (the other host services
 * of arch.h that are not SVM/VMX-specific are in cpu.c).
 */
#include <x86/backend.h>
#include <x86/boot.h>
#include <x86/cov.h>
#include <x86/cpu.h>
#include <x86/iommu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

static struct hv_boot_info boot_info;
static bool boot_info_ready;

void bsp_main(uint32_t magic, uint32_t mbi);

/* Identity map: any RAM range of the boot memory map below 4 GiB. */
void *arch_spa_to_hva(uint64_t spa, size_t len)
{
	uint64_t end = spa + len;

	if (end < spa || end > HOST_MAP_LIMIT || !boot_info_ready)
		return NULL;
	for (uint32_t i = 0; i < boot_info.num_ram; i++) {
		const struct hv_mem_range *r = &boot_info.ram[i];
		if (spa >= r->spa && end <= r->spa + r->len)
			return (void *)(uintptr_t)spa;
	}
	return NULL;
}

HV_NORETURN static void boot_failed(const char *what)
{
	hv_log("boot failed: %s; halted", what);
	arch_halt();
}

void bsp_main(uint32_t magic, uint32_t mbi)
{
	boottime_mark("entry");
	/* First: mb.c may move modules into the load region. */
	unsigned int adopted = x86_cov_adopt_loaded();

	serial_init();
	if (adopted)
		hv_log("coverage: %u units' counters of the code run at the load address added", adopted);
	idt_init();
	idt_load();
	host_cpu_setup();
	smp_register_bsp();
	/* The TSC and the APIC timer are calibrated over the steps up to
	 * tsc_calibrate, not in a wait of their own (tsc.c, preempt.c). */
	tsc_cal_start();
	preempt_cal_start();

	if (x86_backend_select())
		boot_failed("no virtualization backend for this CPU");
	if (mb_fill_boot_info(magic, mbi, &boot_info))
		boot_failed("bad multiboot information");
	boot_info.backend = x86_be->name;
	boot_info.dma = iommu_discover(&boot_info);
	boot_info_ready = true;
	if (x86_be->pp_enable(0))
		boot_failed(x86_be == NULL ? "no backend" : "the virtualization backend cannot be enabled");
	boottime_mark("enable");
	tsc_calibrate();
	boottime_mark("tsc");
	preempt_calibrate(); /* before the APs start: they nap on the timer */
	boottime_mark("timer");
	smp_start_aps();
	boot_info.num_pps = smp_wait_aps();
	boottime_mark("aps");

	if (core_init(&boot_info))
		boot_failed("core_init");
	boottime_mark("core_init");
	if (iommu_enable())
		boot_failed("the IOMMU cannot be enabled");
	boottime_mark("iommu");
	if (core_pp_init(0))
		boot_failed("core_pp_init(0)");
	smp_release_aps();
	boottime_mark("aps_released");
	boottime_log();

	enum hv_stop_reason why;
	while ((why = core_pp_run()) == HV_STOP_PARKED) /* an INIT from an AP (smp.c) */
		kick_nap(0, 1000);
	if (why == HV_STOP_ROOT_ELSEWHERE) /* the PP where it died reports and ends the run */
		cpu_halt_forever();
	hv_log("pp 0 stopped (%s): exiting through isa-debug-exit 0x%x",
	       why == HV_STOP_ROOT_DEAD ? "the root VM is dead" : "host stop",
	       EXIT_ROOT_STOPPED);
	x86_cov_dump("root-stopped");
	outb(DEBUG_EXIT_PORT, EXIT_ROOT_STOPPED);
	cpu_halt_forever();
}
