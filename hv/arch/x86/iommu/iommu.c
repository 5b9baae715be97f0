/*
 * DMA protection, the front of iommu/: finds the IOMMU in ACPI (IVRS ->
 * the AMD IOMMU driver; DMAR -> reported only), keeps its registers out of
 * the root's reach, mirrors the root VM's second-level map into the root's
 * DMA domain and enables translation once core_init has built that map.
 * Without an AMD IOMMU every hook is a no-op and the banner says
 * dma=unprotected.
 */
#include <x86/acpi.h>
#include <x86/iommu.h>

#include <microv/mv_abi.h>

#include "amdvi.h"
#include "dmar.h"

static struct amdvi_unit unit;
static bool have_amdvi;

const char *iommu_discover(struct hv_boot_info *bi)
{
	const void *ivrs = acpi_find_table("IVRS");
	const void *dmar = acpi_find_table("DMAR");

	if (dmar)
		dmar_report(dmar);
	if (!ivrs) {
		hv_log("iommu: no IVRS in ACPI: DMA from the root's devices is not restricted");
		return "unprotected";
	}
	if (ivrs_parse(ivrs, &unit))
		return "unprotected";
	if (bi->num_reserved >= HV_MAX_MEM_RANGES) {
		hv_log("iommu: no room to reserve the IOMMU's registers; not used");
		return "unprotected";
	}
	/* The registers are the hypervisor's: the root touching them is stopped. */
	bi->reserved[bi->num_reserved++] = (struct hv_mem_range){ unit.mmio, AMDVI_MMIO_SIZE };
	have_amdvi = true;
	return "protected(amd-iommu)";
}

int iommu_enable(void)
{
	return have_amdvi ? amdvi_enable(&unit) : 0;
}

int iommu_root_map(uint64_t gpa, uint64_t spa, uint64_t flags)
{
	if (!have_amdvi)
		return 0;
	return amdvi_pt_map(gpa, spa, flags & MV_GPA_FLAG_READ_ACCESS,
			    flags & MV_GPA_FLAG_WRITE_ACCESS);
}

void iommu_root_unmap(uint64_t gpa)
{
	if (have_amdvi)
		amdvi_pt_unmap(gpa);
}

void iommu_root_flush(void)
{
	if (have_amdvi)
		amdvi_flush_domain();
}

void iommu_poll(void)
{
	if (have_amdvi)
		amdvi_poll_events();
}
