/*
 * mbcraft's own small library, a leaf that main.c (the loader) and acpi.c
 * (the ACPI scenarios) both use: memcpy/memset, the serial console, the
 * error exit, and the scenario-name compare.
 */
#include "mbcraft.h"

#define EXIT_PORT 0xF4
#define EXIT_ERROR 4 /* run-hv-qemu: 4 */

/* gcc may call these for structure copies even when freestanding. */
void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void put_str(const char *s)
{
	while (*s)
		outb(0x3F8, (uint8_t)*s++);
}

void put_hex(uint32_t v)
{
	put_str("0x");
	for (int i = 28; i >= 0; i -= 4)
		outb(0x3F8, (uint8_t)"0123456789abcdef"[(v >> i) & 0xF]);
}

void fail(const char *why)
{
	put_str("mbcraft: error: ");
	put_str(why);
	put_str("\n");
	outb(EXIT_PORT, EXIT_ERROR);
	for (;;)
		__asm__ volatile("cli; hlt");
}


int is(const char *value, const char *name)
{
	while (*name)
		if (*value++ != *name++)
			return 0;
	return *value == '\0' || *value == ' ';
}
