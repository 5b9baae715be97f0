/*
 * Basic types for the freestanding core.  Only the headers a freestanding C
 * implementation must provide are used (C11 4p6): no libc.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE 0x1000ull
#define HV_PAGE_MASK (~(HV_PAGE_SIZE - 1))

/* Why vm_alloc, vp_alloc or vps_alloc returned NULL (err may be NULL). */
enum hv_alloc_err {
	HV_ALLOC_OK = 0,
	HV_ALLOC_FULL,    /* the fixed table is full: INVALID_PERM_DENIED (E-15) */
	HV_ALLOC_PARENT,  /* the VM / VP it would belong to does not exist */
	HV_ALLOC_BACKEND, /* arch_vm_init / arch_vps_init failed: FAILURE_UNKNOWN (E-30) */
};

#define HV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define HV_NORETURN __attribute__((noreturn))
#define HV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define HV_UNUSED __attribute__((unused))
#else
#define HV_NORETURN
#define HV_PRINTF(f, a)
#define HV_UNUSED
#endif

#endif /* HV_TYPES_H */
