/* A page the backend cannot reach, for the unit tests linked with
 * --wrap=arch_spa_to_hva (fake_unreachable.c). */
#ifndef FAKE_UNREACHABLE_H
#define FAKE_UNREACHABLE_H

#include <stdint.h>

/* arch_spa_to_hva answers NULL for the page of this SPA (0: for none). */
extern uint64_t fake_unreachable_spa;

#endif /* FAKE_UNREACHABLE_H */
