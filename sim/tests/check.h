/*
 * The CHECK macro of mvsim's C unit tests (sim.x86_decode, sim.guest_vm_exits,
 * sim.loader_modes, sim.gprs): counts the checks, prints each failure with its
 * function and line, and counts the failures; main returns failures != 0.
 */
#ifndef MVSIM_TESTS_CHECK_H
#define MVSIM_TESTS_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		checks++;                                             \
		if (!(cond)) {                                        \
			printf("FAIL %s:%d: ", __func__, __LINE__);   \
			printf(__VA_ARGS__);                          \
			printf("\n");                                 \
			failures++;                                   \
		}                                                     \
	} while (0)

#endif /* MVSIM_TESTS_CHECK_H */
