/*
 * A smaller first translation-block hash table for each engine of the
 * statically linked Unicorn 2.0.1 (docs/performance.md "mvsim, stop 13").
 *
 * tb_htable_init (qemu/accel/tcg/translate-all.c) sizes every engine's
 * table of translated blocks for CODE_GEN_HTABLE_SIZE (1 << 15) blocks:
 * qht_init (qemu/util/qht.c) allocates 8,192 buckets of 64 bytes and
 * initialises each, 512 KiB the kernel must fault in and zero, about 40% of
 * an empty mvsim run's page faults with its three engines (two calibration
 * engines and the root's; the vps probe opens dozens).  A probe's run
 * translates a few thousand blocks at most.  The table is created with
 * QHT_MODE_AUTO_RESIZE, so it doubles as blocks are added (qht_grow_maybe),
 * and a lookup finds the same block whatever the table's size: only the
 * first size changes.  mvsim links with -Wl,--wrap=qht_init
 * (unicorn/CMakeLists.txt): tb_htable_init is qht_init's only caller.
 */
#include <stdbool.h>
#include <stddef.h>

#define TBHASH_FIRST_ELEMS 1024u /* 256 buckets, 16 KiB */

struct qht;
struct uc_struct;
typedef bool (*qht_cmp_func_t)(struct uc_struct *uc, const void *a, const void *b);

void __real_qht_init(struct qht *ht, qht_cmp_func_t cmp, size_t n_elems, unsigned int mode);
void __wrap_qht_init(struct qht *ht, qht_cmp_func_t cmp, size_t n_elems, unsigned int mode);

void __wrap_qht_init(struct qht *ht, qht_cmp_func_t cmp, size_t n_elems, unsigned int mode)
{
	__real_qht_init(ht, cmp, n_elems < TBHASH_FIRST_ELEMS ? n_elems : TBHASH_FIRST_ELEMS, mode);
}
