/*
 * All-or-nothing allocation of a backend object's pool pages (x86/pages.h),
 * used by svm_vps_init, vmx_vps_init and sl_table_create.
 */
#include <hv/arch/core.h>

#include <x86/pages.h>

int x86_pages_alloc(uint64_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pa[i] = 0;
	for (unsigned i = 0; i < n; i++) {
		pa[i] = page_alloc();
		if (!pa[i]) {
			x86_pages_free(pa, i);
			for (unsigned j = 0; j < i; j++)
				pa[j] = 0;
			return -1;
		}
	}
	return 0;
}

void x86_pages_free(const uint64_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pa[i])
			page_free(pa[i]);
}
