/*
 * Internals of the memory layer (mm_*.c, mdl_*.c, api_vm.c): the per-VM
 * radix tree, the packed page entries, and the operations the MDL
 * hypercalls are built from.  Everything here runs under hc_lock.
 */
#ifndef HV_MM_INT_H
#define HV_MM_INT_H

#include <microv/mv_abi.h>

#include <hv/mm.h>
#include <hv/types.h>

struct hv_vm;

/* ---- mm_tree.c: GFN -> 16-byte slot, built from pool pages ------------ *
 * Four levels: top, L2, L1 (512 pointers each), leaf (256 slots of 16 bytes).
 * A pointer entry is child SPA | number of non-empty slots in the child, so
 * empty nodes can be freed (pruned) at once: between hypercalls no empty
 * node exists, and an empty tree holds no page at all. */
#define MM_GFN_BITS 35
#define MM_GFN_LIMIT (1ull << MM_GFN_BITS)

struct mm_slot {
	uint64_t w0, w1;
};

struct mm_tree {
	uint64_t top;   /* SPA of the top node, 0 when the tree is empty */
	uint64_t count; /* non-empty slots of the top node */
};

/* The slot of `gfn`, or NULL when the path to its leaf does not exist. */
struct mm_slot *mm_tree_find(const struct mm_tree *t, uint64_t gfn);
/* Allocate the path to `gfn`'s leaf: 0, or -1 when the pool ran out
 * (nodes allocated so far stay; mm_tree_prune frees them). */
int mm_tree_reserve(struct mm_tree *t, uint64_t gfn);
/* Store `s` in the slot of `gfn` (the path must exist; hv_panic otherwise).
 * An all-zero slot is empty. */
void mm_tree_set(struct mm_tree *t, uint64_t gfn, struct mm_slot s);
/* Free the nodes on `gfn`'s path that are empty. */
void mm_tree_prune(struct mm_tree *t, uint64_t gfn);
/* The first non-empty slot at a GFN >= `from`: true and *gfn, or false. */
bool mm_tree_next(const struct mm_tree *t, uint64_t from, uint64_t *gfn);
/* Number of pool pages the tree uses (tests, leak hunting). */
uint64_t mm_tree_pages(const struct mm_tree *t);

/* ---- mm.c: entries and per-VM state ----------------------------------- */

enum mm_kind {
	MM_NONE = 0,  /* nothing at this GPA */
	MM_OWN,       /* the VM's own page (the root's boot RAM) */
	MM_LENT,      /* own page donated away: GPA kept free for its return, unmapped */
	MM_DONATED,   /* donated in (owned now) from src_vmid at src_gfn */
	MM_SHARED,    /* shared in (borrowed) from src_vmid at src_gfn */
};

#define MM_MAX_SHARES 4095u /* shared-out count of one page (12 bits) */

struct mm_ent {
	enum mm_kind kind;
	uint64_t flags;    /* MV_GPA_FLAG_*: access bits and one cache flag */
	uint64_t spa;
	bool zombie;       /* MM_SHARED: the share was made with MV_GPA_FLAG_ZOMBIE */
	uint32_t shares;   /* MM_OWN / MM_DONATED: how many shared-in mappings use it */
	uint16_t src_vmid; /* MM_DONATED / MM_SHARED */
	uint64_t src_gfn;
};

struct mm_vm {
	struct mm_tree tree;
	uint64_t pages;         /* mapped (present) pages */
	uint64_t shares_out;    /* shared-in mappings of this VM's pages in other VMs */
	uint64_t shares_strict; /* ... of those, made without ZOMBIE to a guest VM */
	uint64_t destroy_next;  /* HV_VM_DYING: the GFN the next destroy call starts at */
};

#define MM_FLAGS_RWX_WB                                                        \
	(MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS |                  \
	 MV_GPA_FLAG_EXECUTE_ACCESS | MV_GPA_FLAG_WRITE_BACK)

struct mm_vm *mm_vm_of(const struct hv_vm *vm);
static inline bool mm_present(enum mm_kind k) { return k == MM_OWN || k == MM_DONATED || k == MM_SHARED; }
static inline bool mm_owned(enum mm_kind k) { return k == MM_OWN || k == MM_DONATED; }
/* The entry of `gfn` (< MM_GFN_LIMIT) in `vm`. */
struct mm_ent mm_get(const struct hv_vm *vm, uint64_t gfn);
/* Replace it.  A new entry that needs a slot needs mm_reserve first; an
 * entry that becomes empty (or the root's boot default) frees its slot and
 * prunes.  Keeps the page count. */
void mm_put(struct hv_vm *vm, uint64_t gfn, const struct mm_ent *e);
int mm_reserve(struct hv_vm *vm, uint64_t gfn);
void mm_prune(struct hv_vm *vm, uint64_t gfn);
/* The root's own page at boot (the entry it has when nothing happened). */
bool mm_root_default(uint64_t gfn, struct mm_ent *e);

/* Backend mirror.  mm_arch_map may fail (-1: out of table memory);
 * mm_arch_remap is for a GPA that was mapped in that VM before and panics if
 * the backend breaks its contract to never fail there.  mm_flush flushes
 * every VM changed since the last flush. */
int mm_arch_map(struct hv_vm *vm, uint64_t gfn, uint64_t spa, uint64_t flags);
/* The root's boot RAM: identity, RWX WB, one 2 MiB leaf at 2 MiB-aligned spa. */
int mm_arch_map_2m(struct hv_vm *root, uint64_t spa);
/* Hold gfn in a 4 KiB leaf of the backend (a 2 MiB leaf around it split):
 * 0, or -1 with nothing changed (no table memory).  Before committing to an
 * mm_arch_unmap of a page of the root's boot RAM. */
int mm_arch_split(struct hv_vm *vm, uint64_t gfn);
void mm_arch_remap(struct hv_vm *vm, uint64_t gfn, uint64_t spa, uint64_t flags);
void mm_arch_unmap(struct hv_vm *vm, uint64_t gfn);
void mm_flush(void);
void mm_forget(struct hv_vm *vm); /* before vm_free: no flush for it */

/* ---- mm_vm.c: lifecycle ------------------------------------------------ */

/* A shared-in mapping of (src, src_gfn) went away; strict: it counted in
 * shares_strict.  A dying or zombie source gives the page back as soon as
 * nobody borrows it; a zombie is freed when nothing of it is borrowed. */
void mm_share_dropped(struct hv_vm *src, uint64_t src_gfn, bool strict);
/* Give the donated-in page at `gfn` of `holder` back to its source. */
void mm_return_donated(struct hv_vm *holder, uint64_t gfn);

#endif /* HV_MM_INT_H */
