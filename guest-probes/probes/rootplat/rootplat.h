/* The parts of the rootplat probe (one file each). */
#ifndef ROOTPLAT_H
#define ROOTPLAT_H

#include "probe.h"

void rootplat_cpuid(void);  /* cpuid_policy.c */
void rootplat_memmap(void); /* memmap.c */
void rootplat_hlt(void);    /* hlt.c */
void rootplat_xsetbv(void); /* xsetbv.c */
void rootplat_cr4(void);    /* cr4.c */

#endif /* ROOTPLAT_H */
