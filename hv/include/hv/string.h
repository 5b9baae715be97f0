/* Memory and string helpers for the freestanding core (no libc). */
#ifndef HV_STRING_H
#define HV_STRING_H

#include <hv/types.h>

void hv_memset(void *dst, int c, size_t n);
void hv_memcpy(void *dst, const void *src, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);
size_t hv_strlen(const char *s);
size_t hv_strnlen(const char *s, size_t max);

#endif /* HV_STRING_H */
