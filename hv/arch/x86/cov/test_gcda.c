/*
 * CTest cov.gcda: gcda_write (the bare-metal image's serialiser) must produce
 * byte for byte the .gcda image libgcov's __gcov_info_to_gcda produces for
 * the same counters, before and after the instrumented code ran, and gcov
 * must read it (checked by the test's second step in coverage.cmake).
 * Usage: test-gcda [OUT.gcda]: also writes the image where gcov can read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcda.h"

extern const struct gcov_info *const __start_gcov_info[];
extern const struct gcov_info *const __stop_gcov_info[];

void __gcov_info_to_gcda(const struct gcov_info *gi, void (*filename_fn)(const char *, void *),
			 void (*dump_fn)(const void *, unsigned, void *),
			 void *(*allocate_fn)(unsigned, void *), void *arg);

int sample_classify(int x);
int sample_sum(int n);

struct buf {
	unsigned char data[1 << 16];
	size_t len;
	int overflow;
};

static void buf_put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > sizeof(b->data)) {
		b->overflow = 1;
		return;
	}
	memcpy(b->data + b->len, d, n);
	b->len += n;
}

static void ours_emit(void *ctx, const void *d, size_t n) { buf_put(ctx, d, n); }
static void gcc_dump(const void *d, unsigned n, void *ctx) { buf_put(ctx, d, n); }
static void gcc_filename(const char *f, void *ctx) { (void)f; (void)ctx; }
static void *gcc_alloc(unsigned n, void *ctx) { (void)ctx; return malloc(n); }

static int compare(const char *when, const char *out_path)
{
	int failures = 0, units = 0;

	for (const struct gcov_info *const *p = __start_gcov_info; p < __stop_gcov_info; p++) {
		static struct buf ours, theirs;
		ours.len = theirs.len = 0;
		size_t n = gcda_write(*p, ours_emit, &ours);
		__gcov_info_to_gcda(*p, gcc_filename, gcc_dump, gcc_alloc, &theirs);
		units++;
		if (ours.overflow || theirs.overflow || n != ours.len) {
			printf("FAIL %s: %s: buffer overflow or wrong size\n", when, (*p)->filename);
			failures++;
		} else if (ours.len != theirs.len || memcmp(ours.data, theirs.data, ours.len)) {
			size_t i = 0;
			while (i < ours.len && i < theirs.len && ours.data[i] == theirs.data[i])
				i++;
			printf("FAIL %s: %s: %zu bytes vs libgcov's %zu, first difference at %zu\n",
			       when, (*p)->filename, ours.len, theirs.len, i);
			failures++;
		} else {
			printf("ok   %s: %s: %zu bytes, identical to libgcov's\n", when,
			       (*p)->filename, ours.len);
		}
		if (out_path) {
			FILE *f = fopen(out_path, "wb");
			if (!f || fwrite(ours.data, 1, ours.len, f) != ours.len || fclose(f)) {
				printf("FAIL cannot write %s\n", out_path);
				failures++;
			}
		}
	}
	if (units != 1) {
		printf("FAIL %s: %d instrumented units registered in section gcov_info, expected 1\n",
		       when, units);
		failures++;
	}
	return failures;
}

int main(int argc, char **argv)
{
	int failures = compare("before", NULL);

	/* 2000 calls of sample_classify: counters beyond 16 bits, every branch
	 * but x > 1000 taken both ways; sample_unused stays all zeros. */
	volatile int sink = sample_sum(2000) + sample_classify(5000);
	(void)sink;
	failures += compare("after", argc > 1 ? argv[1] : NULL);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
