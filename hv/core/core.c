/*
 * The core's entry points for a backend's boot code and PP loop (hv/arch/core.h):
 * core_init (boot information, page pool, the root VM and its memory, the
 * root OS loaded from module 0), core_pp_init, core_pp_run and
 * core_handle_exit.  The per-PP table they fill is pp.c's.
 */
#include <microv/mv_abi.h>

#include <hv/apic.h>
#include <hv/ioapic.h>
#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/evq.h>
#include <hv/exit.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/multiboot.h>
#include <hv/occupancy.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/root_stop.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

static struct mb_entry root_entry;

static bool boot_info_valid(const struct hv_boot_info *bi)
{
	if (bi->num_pps == 0 || bi->num_pps > HV_MAX_PPS) {
		hv_log("boot: %u PPs (1..%u supported)", bi->num_pps, HV_MAX_PPS);
		return false;
	}
	if (bi->num_ram == 0 || bi->num_ram > HV_MAX_MEM_RANGES ||
	    bi->num_reserved > HV_MAX_MEM_RANGES || bi->num_modules > HV_MAX_MODULES) {
		hv_log("boot: boot information has bad range or module counts");
		return false;
	}
	if (bi->num_mmio > HV_MAX_MEM_RANGES || bi->num_firmware > HV_MAX_MEM_RANGES) {
		hv_log("boot: boot information has bad device memory range count");
		return false;
	}
	const struct hv_mem_range *ranges[] = { bi->ram, bi->reserved, &bi->pool, bi->mmio };
	const uint32_t counts[] = { bi->num_ram, bi->num_reserved, 1, bi->num_mmio };
	for (int k = 0; k < 4; k++) {
		for (uint32_t i = 0; i < counts[k]; i++) {
			if ((ranges[k][i].spa | ranges[k][i].len) & ~HV_PAGE_MASK) {
				hv_log("boot: memory range 0x%llx+0x%llx not page aligned",
				       (unsigned long long)ranges[k][i].spa,
				       (unsigned long long)ranges[k][i].len);
				return false;
			}
		}
	}
	for (uint32_t i = 0; i < bi->num_firmware; i++) {
		if ((bi->firmware[i].spa | bi->firmware[i].len) & ~HV_PAGE_MASK) {
			hv_log("boot: firmware range 0x%llx+0x%llx not page aligned",
			       (unsigned long long)bi->firmware[i].spa,
			       (unsigned long long)bi->firmware[i].len);
			return false;
		}
	}
	return true;
}

/* The root VM owns the machine: all RAM identity-mapped, except the
 * hypervisor's own memory.  The memory layer (hv/mm.h) tracks ownership. */
static int root_map_ram(struct hv_vm *root, const struct hv_boot_info *bi)
{
	uint64_t pages = 0;

	if (mm_root_map_ram(root, bi->ram, bi->num_ram, bi->reserved, bi->num_reserved, &pages))
		return -1;
	hv_log("boot: root VM owns %llu MiB of RAM", (unsigned long long)(pages >> 8));
	return 0;
}

static bool range_hits(const struct hv_mem_range *r, uint32_t n, uint64_t spa)
{
	for (uint32_t i = 0; i < n; i++)
		if (spa >= r[i].spa && spa - r[i].spa < r[i].len)
			return true;
	return false;
}

static bool range_overlaps(const struct hv_mem_range *r, uint32_t n, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (spa < r[i].spa + r[i].len && r[i].spa < spa + len)
			return true;
	return false;
}

/* A whole 2 MiB block of device or firmware memory that holds no RAM,
 * nothing of the hypervisor's (and with skip_mmio no device memory) is
 * mapped with one 2 MiB leaf. */
static bool root_block_2m(const struct hv_boot_info *bi, uint64_t a, uint64_t end, bool skip_mmio)
{
	/* The local and I/O APIC pages are mapped read-only on their own
	 * (apic_root_map, ioapic_root_map): never inside a 2 MiB leaf. */
	return !(skip_mmio && range_overlaps(bi->mmio, bi->num_mmio, a, HV_SLPT_2M)) &&
	       !(a & (HV_SLPT_2M - 1)) && end - a >= HV_SLPT_2M &&
	       !(bi->lapic && bi->lapic - a < HV_SLPT_2M) &&
	       !(bi->ioapic && bi->ioapic - a < HV_SLPT_2M) &&
	       !range_overlaps(bi->ram, bi->num_ram, a, HV_SLPT_2M) &&
	       !range_overlaps(bi->reserved, bi->num_reserved, a, HV_SLPT_2M);
}

/* Identity-map spa..spa+len into the root with `flags`, skipping RAM, the
 * hypervisor's memory and (with skip_mmio) device memory; counts the pages. */
static int root_map_identity(struct hv_vm *root, const struct hv_boot_info *bi, uint64_t spa,
			     uint64_t len, uint64_t flags, bool skip_mmio, uint64_t *pages)
{
	for (uint64_t off = 0; off < len; off += HV_PAGE_SIZE) {
		uint64_t a = spa + off;
		/* Part of the block mapped already (overlapping firmware
		 * ranges): page by page below, as the later range says. */
		if (root_block_2m(bi, a, spa + len, skip_mmio) && !arch_slpt_map_2m(root, a, a, flags)) {
			*pages += HV_SLPT_2M / HV_PAGE_SIZE;
			off += HV_SLPT_2M - HV_PAGE_SIZE;
			continue;
		}
		if (range_hits(bi->ram, bi->num_ram, a) ||
		    range_hits(bi->reserved, bi->num_reserved, a) ||
		    (skip_mmio && range_hits(bi->mmio, bi->num_mmio, a)))
			continue;
		if (arch_slpt_map(root, a, a, flags)) {
			hv_log("boot: out of memory mapping 0x%llx for the root VM",
			       (unsigned long long)a);
			return -1;
		}
		(*pages)++;
	}
	return 0;
}

/* Device memory passes through to the root VM (uncacheable, no execute);
 * so do the firmware's ranges below 4 GiB, never executable: ACPI
 * reclaimable and NVS (3, 4) are RAM, write-back; reserved (2) may be RAM
 * (SeaBIOS' ACPI tables) or a device (PCIe ECAM, flash), so uncacheable,
 * which is right for both. */
static int root_map_devices(struct hv_vm *root, const struct hv_boot_info *bi)
{
	/* Executable as on hardware: real-mode code calls the BIOS (0xF0000-
	 * 0xFFFFF, e.g. kvm-unit-tests' realmode test), option ROMs run from
	 * 0xC0000; the root owns this memory, execution gives it nothing more. */
	const uint64_t rw = MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS |
			    MV_GPA_FLAG_EXECUTE_ACCESS;
	uint64_t pages = 0, fw_pages = 0;

	mm_root_note_devices(bi->mmio, bi->num_mmio, bi->firmware, bi->num_firmware);
	for (uint32_t i = 0; i < bi->num_mmio; i++)
		if (root_map_identity(root, bi, bi->mmio[i].spa, bi->mmio[i].len,
				      rw | MV_GPA_FLAG_UNCACHEABLE, false, &pages))
			return -1;
	/* The PCI window likewise (not noted as devices: E-54). */
	for (uint32_t i = 0; i < bi->num_pci_window; i++)
		if (root_map_identity(root, bi, bi->pci_window[i].spa, bi->pci_window[i].len,
				      rw | MV_GPA_FLAG_UNCACHEABLE, false, &pages))
			return -1;
	for (uint32_t i = 0; i < bi->num_firmware; i++) {
		const struct hv_fw_range *f = &bi->firmware[i];
		if (f->type < 2 || f->type > 4 || f->spa >= 0x100000000ull ||
		    f->len > 0x100000000ull - f->spa)
			continue;
		uint64_t cache = f->type == 2 ? MV_GPA_FLAG_UNCACHEABLE : 0;
		if (root_map_identity(root, bi, f->spa, f->len, rw | cache, true, &fw_pages))
			return -1;
	}
	arch_slpt_flush(root);
	if (pages)
		hv_log("boot: %llu KiB of device memory pass through to the root VM",
		       (unsigned long long)(pages * 4));
	if (fw_pages)
		hv_log("boot: %llu KiB of firmware memory (reserved, ACPI) mapped for the root VM",
		       (unsigned long long)(fw_pages * 4));
	return 0;
}

static int root_create_vps(uint16_t ppid)
{
	struct hv_vp *vp = vp_alloc(MV_ROOT_VMID, NULL);
	struct hv_vps *vps = vp ? vps_alloc(vp->id, NULL) : NULL;

	if (!vps) {
		hv_log("boot: cannot create the root VP/VPS of PP %u", ppid);
		return -1;
	}
	struct hv_pp *pp = pp_get(ppid);
	vp->ppid = ppid;
	pp->root_vp = vp;
	pp->root_vps = vps;
	pp->current = vps;
	return 0;
}

int core_init(const struct hv_boot_info *bi)
{
	hv_log("microv-harness hypervisor backend=%s spec=Mv#1 release=%04u-%02u build=%u pps=%u "
	       "dma=%s",
	       bi->backend ? bi->backend : "?", (unsigned)MV_VER_YEAR, (unsigned)MV_VER_MONTH,
	       (unsigned)MV_BUILD_NUM, (unsigned)bi->num_pps, bi->dma ? bi->dma : "unprotected");
	if (!boot_info_valid(bi))
		return -1;
	if (page_pool_init(bi->pool.spa, bi->pool.len)) {
		hv_log("boot: page pool 0x%llx+0x%llx unusable", (unsigned long long)bi->pool.spa,
		       (unsigned long long)bi->pool.len);
		return -1;
	}
	pp_table_init(bi->num_pps);
	root_stop_configure(bi->root_cmdline);

	struct hv_vm *root = vm_alloc(NULL);
	if (!root || root->id != MV_ROOT_VMID) {
		hv_log("boot: cannot create the root VM");
		return -1;
	}
	if (root_map_ram(root, bi) || root_map_devices(root, bi) || apic_root_map(root, bi->lapic) ||
	    ioapic_root_map(root, bi->ioapic))
		return -1;
	/* Root VPs and VPSs first, so that root VPID == VPSID == PPID. */
	for (uint16_t i = 0; i < bi->num_pps; i++)
		if (root_create_vps(i))
			return -1;
	return mb_load_root(bi, &root_entry);
}

/* The machine state a multiboot (v1) kernel is entered in. */
static void root_set_multiboot_state(struct hv_vps *vps)
{
	static const struct { enum bf_reg_t reg; uint64_t val; } state[] = {
		{ bf_reg_t_cr0, 0x11 }, /* PE | ET, paging off */
		{ bf_reg_t_cr3, 0 },
		{ bf_reg_t_cr4, 0 },
		{ bf_reg_t_efer, 0 },
		{ bf_reg_t_rflags, 0x2 },
		{ bf_reg_t_cs, 0x10 }, { bf_reg_t_cs_base, 0 },
		{ bf_reg_t_cs_limit, 0xFFFFFFFF }, { bf_reg_t_cs_attrib, 0xC09B },
		{ bf_reg_t_ds, 0x18 }, { bf_reg_t_ds_base, 0 },
		{ bf_reg_t_ds_limit, 0xFFFFFFFF }, { bf_reg_t_ds_attrib, 0xC093 },
		{ bf_reg_t_es, 0x18 }, { bf_reg_t_es_base, 0 },
		{ bf_reg_t_es_limit, 0xFFFFFFFF }, { bf_reg_t_es_attrib, 0xC093 },
		{ bf_reg_t_ss, 0x18 }, { bf_reg_t_ss_base, 0 },
		{ bf_reg_t_ss_limit, 0xFFFFFFFF }, { bf_reg_t_ss_attrib, 0xC093 },
		{ bf_reg_t_fs, 0x18 }, { bf_reg_t_fs_base, 0 },
		{ bf_reg_t_fs_limit, 0xFFFFFFFF }, { bf_reg_t_fs_attrib, 0xC093 },
		{ bf_reg_t_gs, 0x18 }, { bf_reg_t_gs_base, 0 },
		{ bf_reg_t_gs_limit, 0xFFFFFFFF }, { bf_reg_t_gs_attrib, 0xC093 },
		{ bf_reg_t_tr, 0 }, { bf_reg_t_tr_base, 0 },
		{ bf_reg_t_tr_limit, 0xFFFF }, { bf_reg_t_tr_attrib, 0x8B },
		{ bf_reg_t_ldtr, 0 }, { bf_reg_t_ldtr_attrib, MV_SEG_ATTRIB_UNUSABLE },
		{ bf_reg_t_gdtr_base, 0 }, { bf_reg_t_gdtr_limit, 0xFFFF },
		{ bf_reg_t_idtr_base, 0 }, { bf_reg_t_idtr_limit, 0xFFFF },
	};

	for (size_t i = 0; i < HV_ARRAY_SIZE(state); i++)
		arch_vps_set_reg(vps, state[i].reg, state[i].val);
	arch_vps_set_reg(vps, bf_reg_t_rax, MB_BOOT_MAGIC);
	arch_vps_set_reg(vps, bf_reg_t_rbx, root_entry.mbi);
	arch_vps_set_reg(vps, bf_reg_t_rip, root_entry.entry);
}

int core_pp_init(uint16_t ppid)
{
	struct hv_pp *pp = pp_get(ppid);

	if (!pp || !pp->root_vps)
		return -1;
	if (ppid == MV_BS_PPID) {
		root_set_multiboot_state(pp->root_vps);
		pp->online = true;
	}
	/* Application processors wait for the root OS to start them: their
	 * root VPs wait for a SIPI (apic.c). */
	return 0;
}

enum hv_stop_reason core_pp_run(void)
{
	struct hv_pp *pp = pp_this();
	struct hv_exit exit;

	if (root_stop_pending()) /* the root died on another PP (root_stop.c) */
		return root_stop_join(pp);
	if (!__atomic_load_n(&pp->online, __ATOMIC_ACQUIRE)) {
		if (!apic_pp_take_sipi(pp))
			return HV_STOP_PARKED;
		/* online is set: the root_stop check below must not pass before
		 * it (the dying PP reads online after it raised the flag). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	for (;;) {
		if (root_stop_pending())
			return root_stop_join(pp);
		/* Occupancy first: an event queued for the VPS by another PP
		 * before it was visible here is handed over now, one queued later
		 * kicks this PP (occupancy.c). */
		occupancy_enter(pp->id, pp->current);
		if (!evq_empty(&pp->current->evq))
			evq_deliver(pp->current);
		arch_vps_run(pp->current, &exit);
		occupancy_leave(pp->id);
		if (core_handle_exit(pp->current, &exit) == HV_ACTION_STOP)
			return pp->stop;
		if (apic_pp_take_init(pp))
			return HV_STOP_PARKED;
	}
}

enum hv_exit_action core_handle_exit(struct hv_vps *vps, const struct hv_exit *exit)
{
	struct hv_pp *pp = pp_this();
	enum hv_exit_action act = exit_handle(pp, vps, exit);

	/* The next entry on this PP: hand its VPS its highest pending event. */
	if (act != HV_ACTION_STOP && pp->current && evq_maybe(&pp->current->evq))
		evq_deliver(pp->current);
	return act;
}
