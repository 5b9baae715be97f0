/* Allocation in the fixed object tables (hv/table.h): vm.c, vp.c, vps.c. */
#include <hv/string.h>
#include <hv/table.h>

int table_claim(void *base, size_t size, uint16_t count, bool (*is_free)(const void *entry))
{
	for (uint16_t i = 0; i < count; i++) {
		uint8_t *entry = (uint8_t *)base + (size_t)i * size;
		if (!is_free(entry))
			continue;
		hv_memset(entry, 0, size);
		return i;
	}
	return -1;
}

void *table_result(enum hv_alloc_err *err, enum hv_alloc_err why, void *entry)
{
	if (err)
		*err = why;
	return entry;
}
