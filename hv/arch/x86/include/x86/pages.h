/*
 * All-or-nothing allocation of the pool pages a backend object needs (a
 * VPS's state, VMCB or VMCS, virtual-APIC page; a VM's table root):
 * common/pages.c.
 */
#ifndef X86_PAGES_H
#define X86_PAGES_H

#include <hv/arch/core.h>

/* Allocates n pool pages (page_alloc zeroes them) into pa[0..n-1].  Returns 0, or -1 with
 * none allocated (pa[] then all 0). */
int x86_pages_alloc(uint64_t *pa, unsigned n);

/* Frees the pages of pa[0..n-1] that are not 0. */
void x86_pages_free(const uint64_t *pa, unsigned n);

#endif /* X86_PAGES_H */
