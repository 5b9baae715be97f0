/* The arch_spa_to_hva wrapper of the unit tests linked with
 * --wrap=arch_spa_to_hva: NULL for the page fake_unreachable_spa names,
 * every other page as the fake backend has it (fake_unreachable.h). */
#include <stddef.h>

#include "fake_unreachable.h"

uint64_t fake_unreachable_spa;

void *__real_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len);
void *__wrap_arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (fake_unreachable_spa && spa >> 12 == fake_unreachable_spa >> 12)
		return NULL;
	return __real_arch_spa_to_hva(spa, len);
}
