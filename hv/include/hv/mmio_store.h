/*
 * A root VM's trapped 32-bit store to a device page it may read but not
 * write directly (the local APIC, the I/O APIC): the instruction fetched
 * through the root's page tables and decoded (mmio_store.c).
 */
#ifndef HV_MMIO_STORE_H
#define HV_MMIO_STORE_H

#include <hv/arch/exit.h>
#include <hv/types.h>

struct hv_pp;
struct hv_vm;
struct hv_vps;

/* Map the device page `spa` into the root VM read-only, uncached, never
 * executable, so that its stores trap (0 spa: no device, nothing mapped).
 * 0, or -1 out of table memory. */
int mmio_store_map_page(struct hv_vm *root, uint64_t spa);
/* Whether `gpa` lies in the device page `page` (0: none). */
bool mmio_store_in_page(uint64_t page, uint64_t gpa);

/* The value the store at exit->rip writes (*val) and its length (*len).
 * NULL, or why it is not emulated (logged with `dev`, the device's name):
 * the caller stops the root. */
const char *mmio_store_decode(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit,
			      const char *dev, uint32_t *val, uint8_t *len);

#endif /* HV_MMIO_STORE_H */
