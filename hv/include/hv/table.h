/*
 * The fixed object tables (VMs, VPs, VPSs: vm.c, vp.c, vps.c) share one
 * allocation rule: the lowest free index wins, its entry is zeroed, its ID
 * is its index; a full table is HV_ALLOC_FULL (E-15).
 */
#ifndef HV_TABLE_H
#define HV_TABLE_H

#include <hv/types.h>

/*
 * Claim the lowest entry of the table `base` (`count` entries of `size`
 * bytes) for which is_free(entry) holds: zero it and return its index, or
 * -1 when none is free.
 */
int table_claim(void *base, size_t size, uint16_t count, bool (*is_free)(const void *entry));

/* Report `why` through err (which may be NULL) and return `entry`: the
 * last statement of every *_alloc, successful or not. */
void *table_result(enum hv_alloc_err *err, enum hv_alloc_err why, void *entry);

#endif /* HV_TABLE_H */
