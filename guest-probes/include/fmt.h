/*
 * Minimal formatting and string helpers (no libc).  rt_vsnprintf supports
 * %s %c %d %u %x %lx %llx %lu %llu %ld %lld %%, a '0' flag and a width,
 * and always NUL-terminates.
 */
#ifndef PROBE_FMT_H
#define PROBE_FMT_H

#include <stdarg.h>
#include <stddef.h>

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t rt_strlen(const char *s);
int rt_strcmp(const char *a, const char *b);
int rt_strncmp(const char *a, const char *b, size_t n);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif /* PROBE_FMT_H */
