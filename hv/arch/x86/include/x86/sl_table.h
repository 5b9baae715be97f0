/*
 * 4-level second-level page tables (AMD NPT, Intel EPT) built from pool
 * pages: the walk, allocation and freeing both backends share.  Only the
 * entry format differs; the backend describes it (struct sl_table_fmt) and
 * builds its own leaf entries (permissions, memory type).  Leaves are 4 KiB.
 * A table whose last entry is removed is freed (never the root), so that
 * map/unmap cycles leave the pool as they found it.
 */
#ifndef X86_SL_TABLE_H
#define X86_SL_TABLE_H

#include <hv/arch/core.h>

struct sl_table_fmt {
	uint64_t present;     /* an entry with any of these bits set is present */
	uint64_t table_flags; /* a non-leaf entry: table address | table_flags */
	uint64_t addr;        /* the address bits of an entry */
};

/* Allocates the page for the backend's struct arch_vm (*self) and the
 * root table (*root).  Returns 0, or -1 with nothing allocated. */
int sl_table_alloc(uint64_t *self, uint64_t *root);

/* Frees every table under `root`, `root` itself, and `self`. */
void sl_table_release(const struct sl_table_fmt *fmt, uint64_t root, uint64_t self);

/* Stores `leaf` (0: not present) as gpa's 4 KiB entry, allocating the
 * tables on the way.  Returns 0, or -1 when the pool is exhausted. */
int sl_table_map(const struct sl_table_fmt *fmt, uint64_t root, uint64_t gpa, uint64_t leaf);

/* Clears gpa's entry (nothing when its tables are absent) and frees the
 * tables that leaves empty. */
void sl_table_unmap(const struct sl_table_fmt *fmt, uint64_t root, uint64_t gpa);

#endif /* X86_SL_TABLE_H */
