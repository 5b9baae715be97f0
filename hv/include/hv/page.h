/*
 * The hypervisor's page pool: 4 KiB pages of its own reserved memory, for
 * second-level tables and other backend structures.  The free count is what
 * the leak checks compare before and after a workload.
 */
#ifndef HV_PAGE_H
#define HV_PAGE_H

#include <hv/types.h>

#define HV_POOL_MAX_PAGES 65536u /* 256 MiB */

int page_pool_init(uint64_t spa, uint64_t len);
/* A zeroed page, or 0 when the pool is exhausted. */
uint64_t page_alloc(void);
void page_free(uint64_t spa);
uint64_t page_free_count(void);
uint64_t page_total_count(void);
/* The hypervisor's pointer to a pool page. */
void *page_hva(uint64_t spa);

#endif /* HV_PAGE_H */
