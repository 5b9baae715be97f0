/*
 * gcc 12's gcov_info records (what -fprofile-arcs emits per translation
 * unit) and their serialisation as a .gcda image, byte for byte what
 * libgcov writes.  Freestanding: used by the bare-metal image (gcov.c) and
 * by the host unit test that compares it with libgcov (tests/test_gcda.c).
 *
 * Layout: gcc/gcov-io.h and libgcc/libgcov.h of GCC 12 (since 12.1 the
 * record lengths are in bytes and gcov_info has a checksum field).
 */
#ifndef X86_COV_GCDA_H
#define X86_COV_GCDA_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__GNUC__) || __GNUC__ != 12
#error "gcda.h follows GCC 12's gcov_info layout; check gcov-io.h before using another GCC"
#endif

#define GCOV_COUNTERS 8 /* arcs interval pow2 topn indirect_call average ior time_profiler */

typedef int64_t gcov_type;
typedef void (*gcov_merge_fn)(gcov_type *, unsigned int);

struct gcov_ctr_info {
	unsigned int num;  /* number of counters */
	gcov_type *values; /* their values */
};

struct gcov_info;

struct gcov_fn_info {
	const struct gcov_info *key; /* the unit that owns it (COMDAT copies differ) */
	unsigned int ident;
	unsigned int lineno_checksum;
	unsigned int cfg_checksum;
	struct gcov_ctr_info ctrs[]; /* one per active counter kind (merge != NULL) */
};

struct gcov_info {
	unsigned int version;
	struct gcov_info *next;
	unsigned int stamp;
	unsigned int checksum;
	const char *filename; /* the .gcda path the compiler chose (absolute) */
	gcov_merge_fn merge[GCOV_COUNTERS];
	unsigned int n_functions;
	const struct gcov_fn_info *const *functions;
};

/* Receives the image in pieces, in order. */
typedef void (*gcda_emit_fn)(void *ctx, const void *data, size_t len);

/* Serialises info as a .gcda image through emit; returns its size in bytes. */
size_t gcda_write(const struct gcov_info *info, gcda_emit_fn emit, void *ctx);

#endif
