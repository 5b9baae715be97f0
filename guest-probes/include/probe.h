/*
 * What a probe includes.  A probe is probes/<name>/main.c with
 *     PROBE_TITLE("what it checks");
 *     void probe_main(void) { ... }
 * The runtime boots, prints BEGIN, calls probe_main, prints END.
 * PROBE_NAME comes from the build (guest-probes/CMakeLists.txt).
 */
#ifndef PROBE_PROBE_H
#define PROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "exception.h"
#include "expect.h"
#include "fmt.h"
#include "hypercall.h"
#include "multiboot.h"
#include "report.h"
#include "serial.h"
#include "stop_access.h"

extern const char probe_name[];
extern const char probe_title[];
void probe_main(void);

#define PROBE_TITLE(t)                                                         \
	const char probe_name[] = PROBE_NAME;                                  \
	const char probe_title[] = t

#endif /* PROBE_PROBE_H */
