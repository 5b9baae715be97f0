/*
 * The .gcda image of one gcov_info (gcda.h), as libgcov 12's
 * __gcov_info_to_gcda writes it: the header, per function its record and,
 * per active counter kind, the counters (an all-zero set as a negative
 * length without values), then a zero word.  No object summary (gcov reads
 * the file without one).  No allocation: the image goes out through the
 * callback.
 */
#include "gcda.h"

#define GCOV_DATA_MAGIC 0x67636461u /* "gcda" */
#define GCOV_TAG_FUNCTION 0x01000000u
#define GCOV_TAG_FUNCTION_LENGTH (3 * 4)
#define GCOV_TAG_COUNTER_BASE 0x01a10000u
#define GCOV_TAG_FOR_COUNTER(c) (GCOV_TAG_COUNTER_BASE + ((uint32_t)(c) << 17))

struct out {
	gcda_emit_fn emit;
	void *ctx;
	size_t size;
};

static void put32(struct out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	o->emit(o->ctx, b, sizeof(b));
	o->size += sizeof(b);
}

static void put64(struct out *o, uint64_t v)
{
	put32(o, (uint32_t)v);
	put32(o, (uint32_t)(v >> 32));
}

static int all_zero(const struct gcov_ctr_info *c)
{
	for (unsigned int i = 0; i < c->num; i++)
		if (c->values[i])
			return 0;
	return 1;
}

size_t gcda_write(const struct gcov_info *info, gcda_emit_fn emit, void *ctx)
{
	struct out o = { emit, ctx, 0 };

	put32(&o, GCOV_DATA_MAGIC);
	put32(&o, info->version);
	put32(&o, info->stamp);
	put32(&o, info->checksum);
	for (unsigned int f = 0; f < info->n_functions; f++) {
		const struct gcov_fn_info *fn = info->functions[f];

		put32(&o, GCOV_TAG_FUNCTION);
		if (!fn || fn->key != info) {
			put32(&o, 0); /* another unit's copy: an empty record */
			continue;
		}
		put32(&o, GCOV_TAG_FUNCTION_LENGTH);
		put32(&o, fn->ident);
		put32(&o, fn->lineno_checksum);
		put32(&o, fn->cfg_checksum);
		const struct gcov_ctr_info *c = fn->ctrs;
		for (unsigned int k = 0; k < GCOV_COUNTERS; k++) {
			if (!info->merge[k])
				continue;
			put32(&o, GCOV_TAG_FOR_COUNTER(k));
			if (all_zero(c)) {
				put32(&o, (uint32_t)(-(int32_t)(c->num * 2 * 4)));
			} else {
				put32(&o, c->num * 2 * 4);
				for (unsigned int i = 0; i < c->num; i++)
					put64(&o, (uint64_t)c->values[i]);
			}
			c++;
		}
	}
	put32(&o, 0);
	return o.size;
}
