/*
 * core.fuzz: the fixed-seed front end of the core fuzz driver (fuzz_driver.h;
 * fuzz/fuzz_core.c is the libFuzzer one).
 *
 *   test_fuzz [--iterations N] [--seed S]      (defaults: 200000, 0x5EED...)
 *
 * A fixed xorshift64 stream drives N events, the invariants are checked after
 * each, then every guest object is destroyed and nothing may be left.  An
 * hv_panic (SIGABRT from arch_halt) is reported with the seed and the event.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_driver.h"

static uint64_t seed = 0x5EED0F00DBA5EBA1ull;

static void on_abort(int sig)
{
	(void)sig;
	fuzz_report_panic();
	fprintf(stderr, "rerun: test_fuzz --seed 0x%llx --iterations %lu\n",
		(unsigned long long)seed, fuzz_iter + 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	unsigned long iterations = 200000;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--iterations N] [--seed S]\n", argv[0]);
			return 2;
		}
	}
	if (!seed)
		seed = 1;
	printf("core.fuzz: seed 0x%llx, %lu iterations\n", (unsigned long long)seed, iterations);
	fflush(stdout);
	signal(SIGABRT, on_abort);

	fuzz_use_seed(seed);
	fuzz_begin();
	clock_t t0 = clock();
	while (fuzz_iter < iterations)
		fuzz_step();
	unsigned long failures = fuzz_end();
	if (getenv("FUZZ_STATS"))
		fuzz_print_stats();
	printf("core.fuzz: %lu events (%lu in guests), %.2f s, %s\n", iterations, fuzz_guest_events,
	       (double)(clock() - t0) / CLOCKS_PER_SEC, failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
