/*
 * The hypervisor page-pool pages that each VM and VPS holds on the x86
 * backends, taken by mvsim's arch_vm_init and arch_vps_init too (E-68), so
 * that the pool runs out at the same create_vm / create_vps as on the
 * hardware: FAILURE_UNKNOWN (E-30).  mvsim keeps its state in host memory;
 * these pages only stand for the backends' own (hv/arch/x86/common/
 * sl_table.c: a VM's struct arch_vm and second-level root; svm/svm.c: a
 * VPS's struct and VMCB; vmx/vmx.c: its struct, VMCS and virtual-APIC page).
 */
#include "ucsim.h"

unsigned poolpages_vps_count(void)
{
	return msr_root_vendor() == MSR_VENDOR_INTEL ? 3 : 2;
}

void poolpages_give(uint64_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (pa[i])
			page_free(pa[i]);
		pa[i] = 0;
	}
}

int poolpages_take(uint64_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!(pa[i] = page_alloc())) {
			poolpages_give(pa, i);
			return -1;
		}
	}
	return 0;
}
