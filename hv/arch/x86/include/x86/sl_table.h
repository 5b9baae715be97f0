/*
 * 4-level second-level page tables (AMD NPT, Intel EPT) built from pool
 * pages: the walk, allocation, freeing and flush generation both backends
 * share, and with them arch_vm_fini and arch_slpt_map/unmap/flush
 * (common/sl_table.c).  Only the entry format differs; the backend
 * describes it (struct sl_table_fmt), including how a leaf entry encodes
 * the permissions and memory type.  Leaves are 4 KiB, or 2 MiB for the
 * root's RAM and device memory (arch_slpt_map_2m), split into 512 4 KiB
 * leaves on the first change of a page inside (arch_slpt_split, or a
 * map/unmap of one page there).  A table whose last
 * entry is removed is freed (never the root), so that map/unmap cycles
 * leave the pool as they found it.
 */
#ifndef X86_SL_TABLE_H
#define X86_SL_TABLE_H

#include <hv/arch/core.h>

struct sl_table_fmt {
	uint64_t present;     /* an entry with any of these bits set is present */
	uint64_t table_flags; /* a non-leaf entry: table address | table_flags */
	uint64_t addr;        /* the address bits of an entry */
	/* The leaf entry mapping `spa` with MV_GPA_FLAG_* `flags`, at least one
	 * access flag among them (no access flag: the entry is 0). */
	uint64_t (*leaf)(uint64_t spa, uint64_t flags);
	/* The same as a 2 MiB leaf of a level-1 (page-directory) entry. */
	uint64_t (*leaf_2m)(uint64_t spa, uint64_t flags);
	/* The 4 KiB leaf of the page at byte offset `off` (< 2 MiB) inside
	 * the 2 MiB leaf `pde`: the same translation and attributes (a split). */
	uint64_t (*leaf_from_2m)(uint64_t pde, uint64_t off);
	uint64_t large;       /* the bit that makes a level-1 or -2 entry a leaf */
};

/*
 * A VM's second-level tables: the first member of both backends' struct
 * arch_vm (sl_table.c reaches it through hv_vm's arch pointer).
 */
struct sl_table {
	const struct sl_table_fmt *fmt;
	uint64_t root;              /* the PML4 (pool page) */
	uint64_t self;              /* the pool page holding the backend's struct arch_vm */
	uint32_t gen;               /* bumped by arch_slpt_flush */
	uint32_t flushed_gen[HV_MAX_PPS]; /* gen at the last flush on each PP */
};

/*
 * Allocates a (zeroed) page for the backend's struct arch_vm (at most a page,
 * starting with struct sl_table) and the root table, and fills the struct
 * sl_table.  Its generation starts at 1, so the first entry on every PP
 * flushes (an ASID or VPID may be stale).  Returns it, or NULL with nothing
 * allocated; the backend fills in the rest and sets the VM's arch pointer.
 */
struct sl_table *sl_table_create(const struct sl_table_fmt *fmt);

/* True when the tables changed (arch_slpt_flush) since the last flush on
 * `pp`; records that `pp` is flushed now. */
bool sl_table_flush_due(struct sl_table *t, uint16_t pp);

#endif /* X86_SL_TABLE_H */
