/*
 * The counters of the code that ran at the load address (coverage builds
 * only; coverage/README.md "Image relocation").  boot_relocate (boot/
 * relocate.c) and everything it calls run in the image where the loader put
 * it; gcc keeps the counters in .bss, and the copy at the top of RAM starts
 * with its own .bss zeroed, so what the loaded image counted stays behind in
 * the load region.  x86_cov_adopt_loaded(), first thing in the copy (before
 * the load region is reused: mb.c may move modules into it), adds every arc
 * counter of the loaded image to the copy's own.  The loaded image's
 * gcov_info records are its own unrelocated bytes; the copy's pointers to
 * its counters are the loaded image's plus the distance, so each old
 * counter lies exactly that far below the copy's.
 */
#include <x86/boot.h>
#include <x86/cov.h>

#include "gcda.h"

#define GCOV_COUNTER_ARCS 0 /* gcov-counter.def: the only kind merged by adding */

extern const struct gcov_info *const __start_gcov_info[];
extern const struct gcov_info *const __stop_gcov_info[];

static void adopt_unit(const struct gcov_info *info, uintptr_t delta)
{
	for (unsigned int f = 0; f < info->n_functions; f++) {
		const struct gcov_fn_info *fn = info->functions[f];
		if (!fn || fn->key != info)
			continue; /* another unit's copy */
		const struct gcov_ctr_info *c = fn->ctrs;
		for (unsigned int k = 0; k < GCOV_COUNTERS; k++) {
			if (!info->merge[k])
				continue;
			if (k == GCOV_COUNTER_ARCS) {
				const gcov_type *old = (const gcov_type *)((uintptr_t)c->values - delta);
				for (unsigned int i = 0; i < c->num; i++)
					c->values[i] += old[i];
			}
			c++;
		}
	}
}

unsigned int x86_cov_adopt_loaded(void)
{
	uintptr_t here = (uintptr_t)__image_start;

	if (!boot_load_spa || boot_load_spa == here)
		return 0; /* the image did not move: its counters are these */
	for (const struct gcov_info *const *p = __start_gcov_info; p < __stop_gcov_info; p++)
		adopt_unit(*p, here - (uintptr_t)boot_load_spa);
	return (unsigned int)(__stop_gcov_info - __start_gcov_info);
}
