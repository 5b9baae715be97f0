/* The root VM's intercepted RDMSR/WRMSR (msr_root.c; the tables are declared
 * in hv/msr.h, where the backends see them). */
#ifndef HV_MSR_ROOT_H
#define HV_MSR_ROOT_H

#include <hv/arch/arch.h>

/*
 * Emulates the root's access to `msr` by its vendor's table: 0 when done
 * (a read's result is in EDX:EAX; the caller advances RIP), -1 when the
 * access raises #GP (nothing changed; the caller injects it, RIP stays).
 */
int msr_root_access(struct hv_vps *vps, uint32_t msr, bool write, uint64_t value);

#endif /* HV_MSR_ROOT_H */
