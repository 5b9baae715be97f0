/* mvsim-asan's sanitizer defaults (sim/CMakeLists.txt; sim/README.md
 * "mvsim-asan"): a report ends the run with exit status 86, a value no probe
 * writes to port 0xF4 and mvsim never exits with, so the conformance harness
 * judges the run failed whatever the probe printed; the leak check is off,
 * because the hypervisor core allocates nothing from the host heap and
 * mvsim's own engines live until the process exits.  ASAN_OPTIONS and
 * UBSAN_OPTIONS still override these. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=86:detect_leaks=0:abort_on_error=0";
}

const char *__ubsan_default_options(void)
{
	return "exitcode=86:print_stacktrace=1:halt_on_error=1";
}
