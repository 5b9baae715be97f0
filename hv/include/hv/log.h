/* The hypervisor console: formatted output through arch_console_write. */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdarg.h>
#include <hv/types.h>

/*
 * A small vsnprintf: %s %c %d %i %u %x %X %p %%, flags '0' and '-', a field
 * width, and the length modifiers l, ll, z.  Always NUL-terminates; returns
 * the length it would have written.
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) HV_PRINTF(3, 4);

/* One console line, prefixed "[hv] " and terminated by a newline. */
void hv_log(const char *fmt, ...) HV_PRINTF(1, 2);

/* A broken internal invariant (never guest input): log and halt this PP. */
HV_NORETURN void hv_panic(const char *fmt, ...) HV_PRINTF(1, 2);

#define HV_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			hv_panic("assertion failed: %s (%s:%d)", #cond,        \
				 __FILE__, __LINE__);                          \
	} while (0)

#endif /* HV_LOG_H */
