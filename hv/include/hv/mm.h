/*
 * Guest memory (spec 1.6.4, 1.6.5, 6.10.4-6.10.6): who owns which page, and
 * each VM's GPA map.
 *
 * Every RAM page the machine has, except the hypervisor's reserved memory,
 * starts out owned by the root VM, identity-mapped (GPA == SPA) RWX WB.
 * Guests start with nothing; they receive pages from the root with
 * mv_vm_op_map_mdl (donated: ownership moves; shared: borrowed).  Every
 * change is mirrored into the backend with arch_slpt_map/unmap.
 *
 * Limits (docs/limits.md): guest-physical addresses below MM_GPA_LIMIT.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/arch/core.h>
#include <hv/types.h>

struct hv_vm;

/* GPAs a VM can use: [0, MM_GPA_LIMIT) (the lower half of 48 bits). */
#define MM_GPA_LIMIT (1ull << 47)

/*
 * Boot: give the root VM every page of `ram` that is not in `reserved`,
 * identity-mapped RWX WB (arch_slpt_map_2m for each whole aligned 2 MiB of
 * it, arch_slpt_map for the other pages; one flush: E-53).  Returns
 * 0 (and the page count in *pages), or -1 when the backend ran out of table
 * memory.  The root's map is kept implicitly (no pool pages for it).
 */
int mm_root_map_ram(struct hv_vm *root, const struct hv_mem_range *ram, uint32_t num_ram,
		    const struct hv_mem_range *reserved, uint32_t num_reserved, uint64_t *pages);
/* The root's boot device memory (mm_device.c): noted at boot; a GFN in it is
 * never a free destination of the root's. */
void mm_root_note_devices(const struct hv_mem_range *mmio, uint32_t num,
			  const struct hv_fw_range *fw, uint32_t num_fw);
bool mm_root_device(uint64_t gfn);

/* The mapping of `gpa` in `vm`: 0 with the SPA of that byte and its
 * MV_GPA_FLAG_* access and cache flags, or -1 if it is not mapped. */
int mm_lookup(const struct hv_vm *vm, uint64_t gpa, uint64_t *spa, uint64_t *flags);

/* GPA -> SPA for the core: 0 if `gpa` is mapped in `vm` with every access
 * bit of `access` (MV_GPA_FLAG_READ/WRITE/EXECUTE_ACCESS), else -1. */
int mm_translate(const struct hv_vm *vm, uint64_t gpa, uint64_t access, uint64_t *spa);

/* Copy between a VM's guest-physical range and the hypervisor.  The whole
 * range must be mapped readable (read) / writable (write); on -1 nothing
 * was copied. */
int mm_read(const struct hv_vm *vm, uint64_t gpa, void *buf, size_t len);
int mm_write(const struct hv_vm *vm, uint64_t gpa, const void *buf, size_t len);

/* Number of 4 KiB pages mapped in the VM's second-level tables. */
uint64_t mm_page_count(const struct hv_vm *vm);

/*
 * Destroy a guest VM's memory (api_vm_destroy, after its own checks), at
 * most `budget` page entries per call:
 * donated-in pages go back to their source at their original GPA (RWX WB),
 * shared-in mappings are dropped.  If the VM's own memory is still shared
 * with another VM, it becomes a zombie (HV_VM_ZOMBIE) that is freed when the
 * last borrower unmaps; this needs every such share to have been made with
 * MV_GPA_FLAG_ZOMBIE or to the root VM.
 *
 * The first call (VM active) checks that, then makes the VM HV_VM_DYING;
 * later calls (VM dying) go on where the last one stopped.
 */
enum mm_destroy_result {
	MM_DESTROY_REFUSED = -1, /* some share allows no zombie; nothing changed */
	MM_DESTROY_FREED = 0,    /* done: freed with vm_free */
	MM_DESTROY_ZOMBIE,       /* done: now a zombie */
	MM_DESTROY_MORE,         /* the budget ran out: dying, call again */
};
enum mm_destroy_result mm_vm_destroy(struct hv_vm *vm, uint32_t budget);
/* Would the first mm_vm_destroy call refuse (some of the active VM's memory
 * is shared to a guest without MV_GPA_FLAG_ZOMBIE)?  Lets api_vm_destroy
 * refuse before it changes anything else (XVIO). */
bool mm_vm_destroy_refused(const struct hv_vm *vm);

#endif /* HV_MM_H */
