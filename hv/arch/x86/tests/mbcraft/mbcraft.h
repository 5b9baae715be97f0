/* mbcraft's shared declarations (main.c: the loader; acpi.c: the ACPI
 * scenarios; lib.c: what both use). */
#ifndef MBCRAFT_H
#define MBCRAFT_H

#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
/* lib.c: the serial console (COM1). */
void put_str(const char *s);
void put_hex(uint32_t v);
/* Prints "mbcraft: error: <why>" and ends the run (isa-debug-exit 4). */
__attribute__((noreturn)) void fail(const char *why);
/* The scenario `value` (the text after "scenario=") is `name`. */
int is(const char *value, const char *name);
/* Applies an ACPI scenario (acpi.c); 0 if `sc` is none of them. */
int acpi_scenario(const char *sc);

#endif
