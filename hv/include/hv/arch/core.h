/*
 * The core services a backend may call (with arch.h and exit.h, the whole
 * arch interface; docs/architecture.md): the entry points its boot code and
 * PP loop call, the few facts about a VM / VPS it needs, and the core's leaf
 * services re-exported below (console log, string helpers, page pool, the
 * per-VPS MSR list).  A backend includes no other core header; the layering
 * check (scripts/check-layering, ctest layering) enforces it.
 *
 * Boot sequence (identical for SVM, VMX and the simulator):
 *
 *   core_init(&boot_info)        once, on the bootstrap PP: page pool, the
 *                                root VM (VMID 0) with all RAM but the
 *                                hypervisor's identity-mapped into it, and the
 *                                root OS loaded from module 0 as a multiboot
 *                                (v1) loader would.
 *   core_pp_init(ppid)           on every PP: its root VP and root VPS.  The
 *                                bootstrap PP's root VPS starts at the root
 *                                OS's multiboot entry; the others wait.
 *   core_pp_run()                on every PP: run the current VPS, hand each
 *                                exit to core_handle_exit(), repeat.
 */
#ifndef HV_ARCH_CORE_H
#define HV_ARCH_CORE_H

#include <hv/arch/exit.h>
#include <hv/log.h>
#include <hv/msr.h>
#include <hv/page.h>
#include <hv/string.h>
#include <hv/types.h>

#define HV_MAX_PPS 8
#define HV_MAX_MODULES 16

/* A boot module: a file the boot loader placed in system memory. */
struct hv_module {
	uint64_t spa;
	uint64_t len;
	const char *cmdline; /* hypervisor pointer, may be NULL */
};

/* A range of system-physical memory. */
struct hv_mem_range {
	uint64_t spa;
	uint64_t len;
};

#define HV_MAX_MEM_RANGES 16

/* A range the firmware reported that is not RAM, with its multiboot /
 * E820 memory-map type (2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, ...). */
struct hv_fw_range {
	uint64_t spa;
	uint64_t len;
	uint32_t type;
};

struct hv_boot_info {
	uint16_t num_pps;
	/* RAM the machine has (the root VM gets all of it but `reserved`). */
	struct hv_mem_range ram[HV_MAX_MEM_RANGES];
	uint32_t num_ram;
	/* Memory the hypervisor itself occupies: never mapped into any VM. */
	struct hv_mem_range reserved[HV_MAX_MEM_RANGES];
	uint32_t num_reserved;
	/* Device memory (MMIO) the root VM reaches as it would without the
	 * hypervisor: identity-mapped read/write, uncacheable, never
	 * executable; never RAM and never donatable.  Parts that overlap RAM
	 * or `reserved` are skipped. */
	struct hv_mem_range mmio[HV_MAX_MEM_RANGES];
	uint32_t num_mmio;
	/* The PCI MMIO window below 4 GiB (page-aligned pieces, no firmware
	 * range, no APIC page in them): mapped like `mmio`, but not device
	 * memory to map_mdl, whose mappings may replace its pages (E-54). */
	struct hv_mem_range pci_window[HV_MAX_MEM_RANGES];
	uint32_t num_pci_window;
	/* Everything else the firmware reported, page-aligned outwards: in the
	 * root's memory map with its type; types 2-4 below 4 GiB are
	 * identity-mapped read/write (type 2 uncacheable, 3 and 4 write-back),
	 * never executable, never donatable (pages of RAM, `reserved` or `mmio`
	 * are skipped).
	 * docs/root-vm.md "Memory". */
	struct hv_fw_range firmware[HV_MAX_MEM_RANGES];
	uint32_t num_firmware;
	/* Page pool for the hypervisor's own allocations (second-level
	 * tables, ...); must lie inside a `reserved` range. */
	struct hv_mem_range pool;
	/* The local APIC's page (xAPIC MMIO, the same on every PP), mapped
	 * read-only into the root VM; its writes trap and are emulated
	 * (hv/core/apic.c, docs/root-vm.md).  0: the machine has none. */
	uint64_t lapic;
	/* The I/O APIC's page, mapped read-only into the root VM; its stores
	 * are emulated (hv/core/ioapic.c).  0: none. */
	uint64_t ioapic;
	/* modules[0] is the root VM's OS; the rest are handed to it. */
	struct hv_module modules[HV_MAX_MODULES];
	uint32_t num_modules;
	/* The root OS's command line (multiboot cmdline). */
	const char *root_cmdline;
	/* Name of the backend, printed in the banner ("sim-intel", "svm"). */
	const char *backend;
	/* DMA protection, printed in the banner: "protected(amd-iommu)", or
	 * "unprotected" (also when NULL). */
	const char *dma;
};

/* Why core_pp_run() returned. */
enum hv_stop_reason {
	HV_STOP_HOST = 0,     /* the platform asked (HV_EXIT_HOST_STOP) */
	HV_STOP_ROOT_DEAD,    /* the root VM crashed, faulted or was killed */
	HV_STOP_PARKED,       /* this PP's root VP waits for a SIPI (INIT, or never
				 started): call core_pp_run again later */
	HV_STOP_ROOT_ELSEWHERE, /* the root VM died on another PP, which reports and
				   ends the run: this PP stays stopped (halt) */
};

int core_init(const struct hv_boot_info *info);
int core_pp_init(uint16_t ppid);
enum hv_stop_reason core_pp_run(void);

/*
 * Handle one exit of `vps` (the VPS running on this PP).  This is the
 * core's exit dispatcher: a table indexed by exit type.  Set a breakpoint
 * here to see every exit (`make debug-sim` does).
 */
enum hv_exit_action {
	HV_ACTION_RESUME = 0, /* re-enter the same VPS */
	HV_ACTION_SWITCH,     /* the PP's current VPS changed (run_vp, return) */
	HV_ACTION_STOP,       /* stop the PP loop */
};
struct hv_vps;
enum hv_exit_action core_handle_exit(struct hv_vps *vps, const struct hv_exit *exit);

/*
 * What a backend may know of the core's objects (struct hv_vm and struct
 * hv_vps are the core's; a backend holds pointers to them and asks).  The
 * backend's own state hangs off each object: set it in arch_vm_init /
 * arch_vps_init, clear it in the _fini calls.
 */
struct hv_vm;
struct arch_vm;
struct arch_vps;

uint16_t vm_id(const struct hv_vm *vm);                 /* VMID; 0 is the root VM */
struct arch_vm *vm_arch(const struct hv_vm *vm);
void vm_set_arch(struct hv_vm *vm, struct arch_vm *arch);

uint16_t vps_id(const struct hv_vps *vps);              /* VPSID */
uint16_t vps_vmid(const struct hv_vps *vps);            /* the VM it belongs to */
uint16_t vps_vpid(const struct hv_vps *vps);            /* the VP it belongs to */
struct hv_vm *vps_vm(const struct hv_vps *vps);
struct arch_vps *vps_arch(const struct hv_vps *vps);
void vps_set_arch(struct hv_vps *vps, struct arch_vps *arch);

/* The root VPS of PP `ppid` (whose RFLAGS.IF decides how a guest's time
 * slice ends), or NULL before core_init set it up. */
struct hv_vps *pp_root_vps(uint16_t ppid);

/* Deliver an NMI to `vps` (hv/core/evq.c): queued in its pending events and
 * handed over at its next entry; the PP that runs it now, if another, is
 * kicked.  Backends call it for a platform NMI the root must see (boot/kick.c);
 * the root's emulated local APIC for the NMI IPIs the root sends. */
void evq_nmi(struct hv_vps *vps);

#endif /* HV_ARCH_CORE_H */
