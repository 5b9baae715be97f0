/*
 * DMA protection, the front of iommu/: finds the IOMMU in ACPI (IVRS ->
 * the AMD IOMMU driver, amdvi*.c; else DMAR -> the Intel VT-d driver,
 * vtd*.c), keeps its registers out of the root's reach, mirrors the root
 * VM's second-level map into the root's DMA domain and enables translation
 * once core_init has built that map.  Without an IOMMU every hook is a
 * no-op and the banner says dma=unprotected.
 */
#include <x86/acpi.h>
#include <x86/iommu.h>

#include <microv/mv_abi.h>

#include "amdvi.h"
#include "io_pt.h"
#include "vtd.h"

static struct amdvi_unit unit;
static struct vtd_units vtd;
static enum { NONE, AMDVI, VTD } kind;

/* The registers are the hypervisor's: the root touching them is stopped. */
static bool reserve(struct hv_boot_info *bi, uint64_t base, uint64_t size)
{
	if (bi->num_reserved >= HV_MAX_MEM_RANGES) {
		hv_log("iommu: no room to reserve the IOMMU's registers; not used");
		return false;
	}
	bi->reserved[bi->num_reserved++] = (struct hv_mem_range){ base, size };
	return true;
}

static const char *discover_vtd(struct hv_boot_info *bi, const void *dmar)
{
	if (!dmar) {
		hv_log("iommu: no IVRS or DMAR in ACPI: DMA from the root's devices is not "
		       "restricted");
		return "unprotected";
	}
	if (dmar_parse(dmar, &vtd))
		return "unprotected";
	if (bi->num_reserved + vtd.n > HV_MAX_MEM_RANGES) {
		hv_log("iommu: no room to reserve the IOMMU's registers; not used");
		return "unprotected";
	}
	for (unsigned i = 0; i < vtd.n; i++)
		reserve(bi, vtd.reg[i], VTD_REG_SIZE);
	vtd_pt_set_2m(vtd_units_2m(&vtd));
	kind = VTD;
	return "protected(vt-d)";
}

const char *iommu_discover(struct hv_boot_info *bi)
{
	const void *ivrs = acpi_find_table("IVRS");

	if (!ivrs)
		return discover_vtd(bi, acpi_find_table("DMAR"));
	if (ivrs_parse(ivrs, &unit) || !reserve(bi, unit.mmio, AMDVI_MMIO_SIZE))
		return "unprotected";
	kind = AMDVI;
	return "protected(amd-iommu)";
}

/* The root's DMA domain; NULL without an IOMMU. */
static struct io_pt *domain(void)
{
	return kind == AMDVI ? amdvi_pt() : kind == VTD ? vtd_pt() : NULL;
}

int iommu_enable(void)
{
	struct io_pt *pt = domain();

	if (pt)
		hv_log("iommu: the root's DMA domain: %u 2 MiB leaves, %u 4 KiB leaves%s",
		       pt->leaves_2m, pt->leaves_4k, pt->use_2m ? "" : " (no 2 MiB pages)");
	return kind == AMDVI ? amdvi_enable(&unit) : kind == VTD ? vtd_enable(&vtd) : 0;
}

int iommu_root_map(uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct io_pt *pt = domain();

	return pt ? io_pt_map(pt, gpa, spa, flags & MV_GPA_FLAG_READ_ACCESS,
			      flags & MV_GPA_FLAG_WRITE_ACCESS) : 0;
}

int iommu_root_map_2m(uint64_t gpa, uint64_t spa, uint64_t flags)
{
	struct io_pt *pt = domain();

	return pt ? io_pt_map_2m(pt, gpa, spa, flags & MV_GPA_FLAG_READ_ACCESS,
				 flags & MV_GPA_FLAG_WRITE_ACCESS) : 0;
}

int iommu_root_split(uint64_t gpa)
{
	struct io_pt *pt = domain();

	return pt ? io_pt_split(pt, gpa) : 0;
}

void iommu_root_unmap(uint64_t gpa)
{
	struct io_pt *pt = domain();

	if (pt)
		io_pt_unmap(pt, gpa);
}

void iommu_root_flush(void)
{
	if (kind == AMDVI)
		amdvi_flush_domain();
	else if (kind == VTD)
		vtd_flush_domain();
}

void iommu_poll(void)
{
	if (kind == AMDVI)
		amdvi_poll_events();
	else if (kind == VTD)
		vtd_poll_faults();
}
