/*
 * What a backend may read or set of a VPS (hv/arch/core.h): its IDs and its
 * backend state.  Apart from vps.c so that a backend's code links against
 * these alone (sim/tests).
 */
#include <hv/vps.h>

uint16_t vps_id(const struct hv_vps *vps)
{
	return vps->id;
}

uint16_t vps_vmid(const struct hv_vps *vps)
{
	return vps->vmid;
}

uint16_t vps_vpid(const struct hv_vps *vps)
{
	return vps->vpid;
}

struct arch_vps *vps_arch(const struct hv_vps *vps)
{
	return vps->arch;
}

void vps_set_arch(struct hv_vps *vps, struct arch_vps *arch)
{
	vps->arch = arch;
}
