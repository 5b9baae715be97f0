/*
 * Guest memory: page entries, per-VM state, the root's boot map, the backend
 * mirror, and the GPA -> SPA services the rest of the core uses (hv/mm.h).
 *
 * The root VM's boot RAM is kept implicitly: a GFN of boot RAM (not reserved
 * for the hypervisor) without a slot in the root's tree is the root's own
 * page, identity-mapped RWX WB.  Only what differs from that (a page lent
 * away, a page shared out, memory shared in) takes a slot, so the root's map
 * costs no pool page at boot however large the machine is.  The backend
 * maps that RAM with 2 MiB leaves where a whole aligned 2 MiB of it is the
 * root's, split on the first change of a page inside (mdl_ops.c splits
 * before it commits to unmapping a page of the root).
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/log.h>
#include <hv/occupancy.h>
#include <hv/page.h>
#include <hv/string.h>
#include <hv/vm.h>

#include "mm_int.h"

_Static_assert(HV_MAX_VMS <= 32, "mm_dirty is a 32-bit mask");

static struct mm_vm mm_vms[HV_MAX_VMS];
static uint32_t mm_dirty; /* VMIDs whose backend tables changed since mm_flush */

static struct {
	struct hv_mem_range ram[HV_MAX_MEM_RANGES];
	struct hv_mem_range reserved[HV_MAX_MEM_RANGES];
	uint32_t num_ram, num_reserved;
} mm_boot;

struct mm_vm *mm_vm_of(const struct hv_vm *vm)
{
	HV_ASSERT(vm && vm->id < HV_MAX_VMS);
	return &mm_vms[vm->id];
}

/* ---- packing: w0 = kind[2:0] access[5:3] cache+1[8:6] zombie[9]
 *                     spa[51:12] shares[63:52];  w1 = src_vmid[15:0] src_gfn[63:16] */

static uint64_t mm_cache_index(uint64_t flags)
{
	for (uint64_t i = 0; i < 7; i++)
		if (flags & (MV_GPA_FLAG_UNCACHEABLE << i))
			return i + 1;
	return 0;
}

static struct mm_slot mm_pack(const struct mm_ent *e)
{
	struct mm_slot s;

	HV_ASSERT(e->shares <= MM_MAX_SHARES && !(e->spa & ~0x000FFFFFFFFFF000ull));
	s.w0 = (uint64_t)e->kind | (e->flags & MV_GPA_FLAG_ACCESS_MASK) << 3 |
	       mm_cache_index(e->flags) << 6 | (uint64_t)e->zombie << 9 | e->spa |
	       (uint64_t)e->shares << 52;
	s.w1 = (uint64_t)e->src_vmid | e->src_gfn << 16;
	return s;
}

static struct mm_ent mm_unpack(struct mm_slot s)
{
	struct mm_ent e;
	uint64_t ci = (s.w0 >> 6) & 7;

	e.kind = (enum mm_kind)(s.w0 & 7);
	e.flags = ((s.w0 >> 3) & MV_GPA_FLAG_ACCESS_MASK) | (ci ? MV_GPA_FLAG_UNCACHEABLE << (ci - 1) : 0);
	e.zombie = (s.w0 >> 9) & 1;
	e.spa = s.w0 & 0x000FFFFFFFFFF000ull;
	e.shares = (uint32_t)(s.w0 >> 52);
	e.src_vmid = (uint16_t)s.w1;
	e.src_gfn = s.w1 >> 16;
	return e;
}

/* ---- the root's boot RAM ------------------------------------------------ */

static bool mm_in(const struct hv_mem_range *r, uint32_t n, uint64_t spa)
{
	for (uint32_t i = 0; i < n; i++)
		if (spa >= r[i].spa && spa - r[i].spa < r[i].len)
			return true;
	return false;
}

static bool mm_overlaps(const struct hv_mem_range *r, uint32_t n, uint64_t spa, uint64_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (spa < r[i].spa + r[i].len && r[i].spa < spa + len)
			return true;
	return false;
}

bool mm_root_default(uint64_t gfn, struct mm_ent *e)
{
	uint64_t spa = gfn << 12;

	if (gfn >= MM_GFN_LIMIT || !mm_in(mm_boot.ram, mm_boot.num_ram, spa) ||
	    mm_in(mm_boot.reserved, mm_boot.num_reserved, spa))
		return false;
	hv_memset(e, 0, sizeof(*e));
	e->kind = MM_OWN;
	e->flags = MM_FLAGS_RWX_WB;
	e->spa = spa;
	return true;
}

int mm_root_map_ram(struct hv_vm *root, const struct hv_mem_range *ram, uint32_t num_ram,
		    const struct hv_mem_range *reserved, uint32_t num_reserved, uint64_t *pages)
{
	struct mm_vm *m = mm_vm_of(root);

	HV_ASSERT(vm_is_root(root) && num_ram <= HV_MAX_MEM_RANGES &&
		  num_reserved <= HV_MAX_MEM_RANGES && m->pages == 0 && !m->tree.top);
	hv_memcpy(mm_boot.ram, ram, num_ram * sizeof(*ram));
	hv_memcpy(mm_boot.reserved, reserved, num_reserved * sizeof(*reserved));
	mm_boot.num_ram = num_ram;
	mm_boot.num_reserved = num_reserved;
	for (uint32_t i = 0; i < num_ram; i++) {
		for (uint64_t off = 0, step; off < ram[i].len; off += step) {
			uint64_t spa = ram[i].spa + off;
			/* A whole aligned 2 MiB of this range, nothing of it reserved
			 * or in an earlier range: one 2 MiB leaf (E-53). */
			bool big = !(spa & (HV_SLPT_2M - 1)) && ram[i].len - off >= HV_SLPT_2M &&
				   spa + HV_SLPT_2M <= MM_GPA_LIMIT &&
				   !mm_overlaps(reserved, num_reserved, spa, HV_SLPT_2M) &&
				   !mm_overlaps(ram, i, spa, HV_SLPT_2M);
			step = big ? HV_SLPT_2M : HV_PAGE_SIZE;
			if (!big && (spa >= MM_GPA_LIMIT || mm_in(reserved, num_reserved, spa) ||
				     mm_in(ram, i, spa))) /* reserved, or counted in an earlier range */
				continue;
			if (big ? mm_arch_map_2m(root, spa) : mm_arch_map(root, spa >> 12, spa, MM_FLAGS_RWX_WB)) {
				hv_log("boot: out of memory mapping the root VM at 0x%llx",
				       (unsigned long long)spa);
				return -1;
			}
			m->pages += step / HV_PAGE_SIZE;
		}
	}
	mm_flush();
	*pages = m->pages;
	return 0;
}

/* ---- entries ------------------------------------------------------------ */

struct mm_ent mm_get(const struct hv_vm *vm, uint64_t gfn)
{
	struct mm_ent e;
	const struct mm_slot *s = mm_tree_find(&mm_vm_of(vm)->tree, gfn);

	if (s && (s->w0 | s->w1))
		return mm_unpack(*s);
	if (vm_is_root(vm) && mm_root_default(gfn, &e))
		return e;
	hv_memset(&e, 0, sizeof(e));
	return e;
}

void mm_put(struct hv_vm *vm, uint64_t gfn, const struct mm_ent *e)
{
	struct mm_vm *m = mm_vm_of(vm);
	struct mm_ent old = mm_get(vm, gfn), def;
	bool implicit = e->kind == MM_NONE;

	if (vm_is_root(vm) && mm_root_default(gfn, &def)) {
		/* A boot page of the root is never simply gone: it is lent. */
		HV_ASSERT(e->kind != MM_NONE);
		struct mm_slot a = mm_pack(&def), b = mm_pack(e);
		implicit = a.w0 == b.w0 && a.w1 == b.w1;
	}
	m->pages += (uint64_t)mm_present(e->kind) - (uint64_t)mm_present(old.kind);
	if (implicit) {
		struct mm_slot *s = mm_tree_find(&m->tree, gfn);
		if (s) {
			mm_tree_set(&m->tree, gfn, (struct mm_slot){ 0, 0 });
			mm_tree_prune(&m->tree, gfn);
		}
	} else {
		mm_tree_set(&m->tree, gfn, mm_pack(e));
	}
}

int mm_reserve(struct hv_vm *vm, uint64_t gfn)
{
	return mm_tree_reserve(&mm_vm_of(vm)->tree, gfn);
}

void mm_prune(struct hv_vm *vm, uint64_t gfn)
{
	mm_tree_prune(&mm_vm_of(vm)->tree, gfn);
}

/* ---- backend mirror -------------------------------------------------------- */

int mm_arch_map(struct hv_vm *vm, uint64_t gfn, uint64_t spa, uint64_t flags)
{
	mm_dirty |= 1u << vm->id;
	return arch_slpt_map(vm, gfn << 12, spa, flags);
}

int mm_arch_map_2m(struct hv_vm *root, uint64_t spa)
{
	mm_dirty |= 1u << root->id;
	return arch_slpt_map_2m(root, spa, spa, MM_FLAGS_RWX_WB);
}

int mm_arch_split(struct hv_vm *vm, uint64_t gfn)
{
	return arch_slpt_split(vm, gfn << 12);
}

void mm_arch_remap(struct hv_vm *vm, uint64_t gfn, uint64_t spa, uint64_t flags)
{
	if (mm_arch_map(vm, gfn, spa, flags))
		hv_panic("mm: backend failed to re-map gpa 0x%llx of vm %u",
			 (unsigned long long)(gfn << 12), vm->id);
}

void mm_arch_unmap(struct hv_vm *vm, uint64_t gfn)
{
	mm_dirty |= 1u << vm->id;
	arch_slpt_unmap(vm, gfn << 12);
}

void mm_flush(void)
{
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		if (mm_dirty & (1u << id)) {
			struct hv_vm *vm = vm_get(id);
			if (vm) {
				arch_slpt_flush(vm);
				occupancy_shootdown(vm); /* before the pages go back */
			}
		}
	}
	mm_dirty = 0;
}

void mm_forget(struct hv_vm *vm)
{
	mm_dirty &= ~(1u << vm->id);
}

/* ---- services for the core ------------------------------------------------- */

int mm_lookup(const struct hv_vm *vm, uint64_t gpa, uint64_t *spa, uint64_t *flags)
{
	if (gpa >= MM_GPA_LIMIT)
		return -1;
	struct mm_ent e = mm_get(vm, gpa >> 12);
	if (!mm_present(e.kind))
		return -1;
	*spa = e.spa | (gpa & ~HV_PAGE_MASK);
	*flags = e.flags;
	return 0;
}

int mm_translate(const struct hv_vm *vm, uint64_t gpa, uint64_t access, uint64_t *spa)
{
	uint64_t flags;

	access &= MV_GPA_FLAG_ACCESS_MASK;
	if (mm_lookup(vm, gpa, spa, &flags) || (flags & access) != access)
		return -1;
	return 0;
}

/* Each page of [gpa, gpa+len) mapped with `access` and reachable; when
 * `copy` is set, copy it in (write) or out (read). */
static int mm_copy(const struct hv_vm *vm, uint64_t gpa, uint8_t *buf, size_t len,
		   uint64_t access, bool write, bool copy)
{
	if (len == 0)
		return 0;
	if (gpa + len < gpa)
		return -1;
	while (len) {
		uint64_t spa, chunk = HV_PAGE_SIZE - (gpa & ~HV_PAGE_MASK);
		if (chunk > len)
			chunk = len;
		if (mm_translate(vm, gpa, access, &spa))
			return -1;
		uint8_t *hva = arch_spa_to_hva(spa, chunk);
		if (!hva)
			return -1;
		if (copy && write)
			hv_memcpy(hva, buf, chunk);
		else if (copy)
			hv_memcpy(buf, hva, chunk);
		gpa += chunk, buf += chunk, len -= chunk;
	}
	return 0;
}

int mm_read(const struct hv_vm *vm, uint64_t gpa, void *buf, size_t len)
{
	if (mm_copy(vm, gpa, buf, len, MV_GPA_FLAG_READ_ACCESS, false, false))
		return -1;
	return mm_copy(vm, gpa, buf, len, MV_GPA_FLAG_READ_ACCESS, false, true);
}

int mm_write(const struct hv_vm *vm, uint64_t gpa, const void *buf, size_t len)
{
	if (mm_copy(vm, gpa, (uint8_t *)buf, len, MV_GPA_FLAG_WRITE_ACCESS, true, false))
		return -1;
	return mm_copy(vm, gpa, (uint8_t *)buf, len, MV_GPA_FLAG_WRITE_ACCESS, true, true);
}

uint64_t mm_page_count(const struct hv_vm *vm)
{
	return mm_vm_of(vm)->pages;
}
