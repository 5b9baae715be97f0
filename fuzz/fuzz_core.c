/*
 * The libFuzzer front end of the core fuzz driver (hv/tests/fuzz_driver.h):
 * each input is a run of at most FUZZ_MAX_STEPS events (8 input bytes choose
 * one), checked after every step, then every guest is destroyed and nothing
 * may be left (the next input starts from the same booted machine).  A
 * failed invariant or an hv_panic prints the invariant and the event, then
 * aborts: libFuzzer prints the input's path ("Test unit written to ...", or
 * "Running: ..." when it replays files).  Built by fuzz/build.sh (make fuzz).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake_arch.h"
#include "fuzz_driver.h"

#define FUZZ_MAX_STEPS 4096

static void fail_now(void)
{
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_on_failure = fail_now;
	fake_halt_hook = fuzz_report_panic;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_use_input(data, len);
	fuzz_set_origin("the libFuzzer input (its path: libFuzzer's 'Test unit written to' or "
			"'Running:' line)");
	fuzz_begin();
	while (fuzz_iter < FUZZ_MAX_STEPS && fuzz_step())
		;
	fuzz_end();
	return 0;
}
