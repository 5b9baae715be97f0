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
struct hv_vps;

/* The value the store at exit->rip writes (*val) and its length (*len).
 * NULL, or why it is not emulated (logged with `dev`, the device's name):
 * the caller stops the root. */
const char *mmio_store_decode(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit,
			      const char *dev, uint32_t *val, uint8_t *len);

#endif /* HV_MMIO_STORE_H */
