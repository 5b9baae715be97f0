/*
 * The root VM's I/O APIC (ioapic.c, docs/root-vm.md "Local APIC", known
 * gaps closed): its page is mapped read-only; stores are emulated, except a
 * redirection entry programmed to deliver SMI or INIT.
 */
#ifndef HV_IOAPIC_H
#define HV_IOAPIC_H

#include <hv/arch/exit.h>
#include <hv/types.h>

struct hv_pp;
struct hv_vm;
struct hv_vps;

/* core_init: map the I/O APIC page `spa` (0: none) read-only, uncached,
 * never executable into the root VM.  0, or -1 out of table memory. */
int ioapic_root_map(struct hv_vm *root, uint64_t spa);
bool ioapic_is_root_page(uint64_t gpa);
/* A root store to the page trapped: NULL when done (RIP advanced), else why
 * the root must be stopped. */
const char *ioapic_root_store(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit);

#endif /* HV_IOAPIC_H */
