/* The MSRs a VPS has its own copy of (mv_vps_op_get/set_msr). */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <hv/types.h>

#define MSR_IA32_TSC 0x00000010u
#define MSR_IA32_SYSENTER_CS 0x00000174u
#define MSR_IA32_SYSENTER_ESP 0x00000175u
#define MSR_IA32_SYSENTER_EIP 0x00000176u
#define MSR_IA32_PAT 0x00000277u
#define MSR_EFER 0xC0000080u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_SFMASK 0xC0000084u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u

bool msr_supported(uint32_t msr);
/* The supported MSRs, in ascending order. */
uint32_t msr_supported_count(void);
uint32_t msr_supported_at(uint32_t i);
/* MSRs describing features of the hypervisor (none yet). */
uint32_t msr_feature_count(void);
uint32_t msr_feature_at(uint32_t i);

#endif /* HV_MSR_H */
