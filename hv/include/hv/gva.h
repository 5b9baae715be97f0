/* A VPS's linear addresses through its own page tables (gva.c). */
#ifndef HV_GVA_H
#define HV_GVA_H

#include <hv/types.h>

struct hv_vps;

/* 0 and *gpa, or -1 when the linear address is not mapped (or a table is
 * not memory of the VPS's VM). */
int gva_translate(struct hv_vps *vps, uint64_t gva, uint64_t *gpa);

/* Copy `len` bytes at linear address `gva` (any page crossing); 0, or -1
 * when a byte is not mapped or not the VM's memory. */
int gva_read(struct hv_vps *vps, uint64_t gva, void *buf, size_t len);

#endif /* HV_GVA_H */
