/*
 * Memory and string helpers of the freestanding core (no libc).
 *
 * hv_memset and hv_memcpy move eight bytes at a time: `rep stosq` /
 * `rep movsq` on x86-64, then the last 0..7 bytes with `rep stosb` /
 * `rep movsb`; any alignment and size is correct (unaligned words are
 * merely slower).  The direction flag is clear on entry, as the SysV ABI
 * guarantees at every call (VM exits and the boot code leave it clear).
 *
 * Why asm and not a C loop: GCC (-ftree-loop-distribute-patterns, on at -O2)
 * and clang (loop idiom recognition) turn a fill or copy loop into a call
 * to memset/memcpy even under -ffreestanding -fno-builtin: here that would
 * be a call to a libc the image does not have, or to itself.  The former
 * byte loop stopped that with a volatile pointer, at one store per byte
 * (20,800 instructions to zero a page).  An asm statement is never
 * rewritten.  Elsewhere (the core has no other target today) a byte loop
 * stands in, kept a loop by an empty asm naming its pointer.
 */
#include <hv/string.h>

#if !defined(__x86_64__)
/* An empty asm that "uses" p: the loop it sits in stays a loop. */
#define STRING_OPAQUE(p) __asm__ volatile("" : "+r"(p) : : "memory")
#endif

void hv_memset(void *dst, int c, size_t n)
{
#if defined(__x86_64__)
	uint64_t v = 0x0101010101010101ull * (unsigned char)c;
	size_t words = n / 8, bytes = n % 8;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(bytes) : "a"(v) : "memory");
#else
	unsigned char *d = dst;

	for (; n; n--, d++) {
		*d = (unsigned char)c;
		STRING_OPAQUE(d);
	}
#endif
}

void hv_memcpy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
	size_t words = n / 8, bytes = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
#else
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n; n--, d++, s++) {
		*d = *s;
		STRING_OPAQUE(d);
	}
#endif
}

int hv_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t hv_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t hv_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}
