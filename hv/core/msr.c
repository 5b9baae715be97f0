/* The MSRs a VPS has its own copy of.  Every backend keeps exactly these
 * (arch_vps_get_msr/set_msr); EFER is also reachable as bf_reg_t_efer. */
#include <hv/msr.h>

static const uint32_t msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_PAT,
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_FS_BASE, MSR_GS_BASE,
	MSR_KERNEL_GS_BASE,
};

bool msr_supported(uint32_t msr)
{
	for (uint32_t i = 0; i < HV_ARRAY_SIZE(msr_list); i++)
		if (msr_list[i] == msr)
			return true;
	return false;
}

uint32_t msr_supported_count(void)
{
	return HV_ARRAY_SIZE(msr_list);
}

uint32_t msr_supported_at(uint32_t i)
{
	return i < HV_ARRAY_SIZE(msr_list) ? msr_list[i] : 0;
}

/* Feature MSRs (read-only descriptions of the virtual CPU, like KVM's
 * KVM_GET_MSR_FEATURE_INDEX_LIST) are not offered yet: the list is empty. */
uint32_t msr_feature_count(void)
{
	return 0;
}

uint32_t msr_feature_at(uint32_t i)
{
	(void)i;
	return 0;
}
