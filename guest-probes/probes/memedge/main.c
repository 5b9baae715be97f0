/*
 * memedge: map_mdl (spec 1.6.4/1.6.5, docs/memory.md) at the exact edges of
 * two of its range checks, where an off-by-one would hide (issue 17):
 *
 *   - MDL entries that touch (one ends where the next begins, listed in
 *     descending order) are no overlap: a share with such a source MDL and
 *     such a destination MDL succeeds, and one whose entries share a page
 *     is refused (PARAMS2 for the source, PARAMS4 for the destination);
 *   - the root's device and firmware memory (E-43): a guest page shared into
 *     the root at the first or last page of such a range is refused with
 *     INVALID_PARAMS4, at the page where it ends (a free GPA) it succeeds.
 *     The ranges are those of the memory map that are device memory on
 *     every backend: ACPI and NVS (types 3, 4) and the firmware's range
 *     that ends at 4 GiB (type 2; the hypervisor's own type-2 ranges are
 *     never there).  Their end page is tried only where it is no RAM of the
 *     root and not in another such range.
 */
#include "vmm.h"

PROBE_TITLE("map_mdl edges: touching MDL entries, the root's device memory at its first, last and end page");

#define PAGE 0x1000ull
#define GIB4 0x100000000ull
#define I_MAP "mv_vm_op_map_mdl"
#define I_UNMAP "mv_vm_op_unmap_mdl"
#define RW EXP_GPA_RW
#define MAX_EDGES 24 /* 16 firmware ranges (variant device-table-full) and the 4 GiB one */

struct range {
	uint64_t s, e;
	uint32_t type;
};

static struct range map[64], edges[MAX_EDGES];
static unsigned num_map, num_edges;
static uint64_t vm;       /* a guest VM that owns page G */
static const uint64_t G = 0x400000;

static void read_map(void)
{
	const struct mb_info *mbi = mb_info();

	if (!mbi || !(mbi->flags & MB_INFO_MMAP))
		probe_error("the multiboot information has no memory map");
	for (uint32_t off = 0; off + 4 <= mbi->mmap_length && num_map < 64;) {
		const struct mb_mmap_entry *m = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		struct range r = { m->addr, m->addr + m->len, m->type };

		off += m->size + 4;
		map[num_map++] = r;
		if (num_edges < MAX_EDGES && r.s < GIB4 && (r.type == 3 || r.type == 4 ||
							    (r.type == 2 && r.e == GIB4)))
			edges[num_edges++] = r;
	}
}

static bool in_ram_or_edge(uint64_t gpa, const struct range *self)
{
	for (unsigned i = 0; i < num_map; i++)
		if (map[i].type == 1 && gpa >= map[i].s && gpa < map[i].e)
			return true;
	for (unsigned i = 0; i < num_edges; i++)
		if (&edges[i] != self && gpa >= edges[i].s && gpa < edges[i].e)
			return true;
	return false;
}

/* The guest's page G shared into the root at gpa (and undone on success). */
static uint64_t share_into_root(uint64_t gpa, uint64_t *undo)
{
	uint64_t src = vmm_mdl_one(G, PAGE), dst = vmm_mdl_one(gpa, PAGE);
	uint64_t st = vmm_map_mdl(vm, src, EXP_ROOT_VMID, dst, RW);

	*undo = st == EXP_STATUS_SUCCESS ? vmm_unmap_mdl(vm, src, EXP_ROOT_VMID, dst) : st;
	return st;
}

static void device_edges(void)
{
	uint64_t undo;

	for (unsigned i = 0; i < num_edges; i++) {
		const struct range *r = &edges[i];
		const char *n = rt_fmt("dev%u-type%u", i, r->type);
		char id[48];

		rt_log("device range %u: 0x%llx-0x%llx type %u", i, (unsigned long long)r->s,
		       (unsigned long long)r->e, r->type);
		vmm_check_st(rt_fmt("%s-first", n), I_MAP, EXP_STATUS_INVALID_PARAMS4,
			     share_into_root(r->s, &undo),
			     "a guest page shared into the root at the first page (0x%llx) of device "
			     "memory 0x%llx-0x%llx (E-43)", (unsigned long long)r->s,
			     (unsigned long long)r->s, (unsigned long long)r->e);
		vmm_check_st(rt_fmt("%s-last", n), I_MAP, EXP_STATUS_INVALID_PARAMS4,
			     share_into_root(r->e - PAGE, &undo),
			     "a guest page shared into the root at the last page (0x%llx) of device "
			     "memory 0x%llx-0x%llx (E-43)", (unsigned long long)(r->e - PAGE),
			     (unsigned long long)r->s, (unsigned long long)r->e);
		memcpy(id, rt_fmt("%s-end", n), sizeof(id));
		if (in_ram_or_edge(r->e, r)) {
			check_skip(id, I_MAP, "the page at the end 0x%llx is the root's RAM or "
				   "device memory", (unsigned long long)r->e);
			continue;
		}
		vmm_check_st(id, I_MAP, EXP_STATUS_SUCCESS, share_into_root(r->e, &undo),
			     "a guest page shared into the root at 0x%llx, the page where device "
			     "memory 0x%llx-0x%llx ends (a free GPA)", (unsigned long long)r->e,
			     (unsigned long long)r->s, (unsigned long long)r->e);
		vmm_check_st(rt_fmt("%s-end-unmap", n), I_UNMAP, EXP_STATUS_SUCCESS, undo,
			     "the share at 0x%llx is undone", (unsigned long long)r->e);
	}
}

/* Touching entries, the later range listed first: source P+1..P+2, P and
 * destination X+2, X..X+1 (P: 4 root pages). */
static void touching(void)
{
	uint64_t vm_b, p = vmm_alloc(4), x = 0x900000, st;
	struct mdl_ent s[2] = { { p + PAGE, 2 * PAGE, 0 }, { p, PAGE, 0 } };
	struct mdl_ent d[2] = { { x + 2 * PAGE, PAGE, 0 }, { x, 2 * PAGE, 0 } };
	uint64_t sm, dm;

	if (vmm_vm_create(&vm_b) != EXP_STATUS_SUCCESS)
		probe_error("create_vm failed");
	sm = vmm_mdl_make(s, 2);
	dm = vmm_mdl_make(d, 2);
	st = vmm_map_mdl(EXP_ROOT_VMID, sm, vm_b, dm, RW);
	vmm_check_st("touching-map", I_MAP, EXP_STATUS_SUCCESS, st,
		     "source entries 0x%llx+2 pages, 0x%llx+1 page and destination entries "
		     "0x%llx+1 page, 0x%llx+2 pages touch without overlapping",
		     (unsigned long long)(p + PAGE), (unsigned long long)p,
		     (unsigned long long)(x + 2 * PAGE), (unsigned long long)x);
	vmm_check_st("touching-unmap", I_UNMAP, EXP_STATUS_SUCCESS,
		     vmm_unmap_mdl(EXP_ROOT_VMID, sm, vm_b, dm), "the touching share is undone");
	s[1].size = 2 * PAGE; /* P, P+1 now overlaps P+1, P+2 */
	vmm_check_st("src-one-page-overlap", I_MAP, EXP_STATUS_INVALID_PARAMS2,
		     vmm_map_mdl(EXP_ROOT_VMID, vmm_mdl_make(s, 2), vm_b,
				 vmm_mdl_one(x, 4 * PAGE), RW),
		     "source entries sharing one page (0x%llx)", (unsigned long long)(p + PAGE));
	d[1].size = 3 * PAGE;
	vmm_check_st("dst-one-page-overlap", I_MAP, EXP_STATUS_INVALID_PARAMS4,
		     vmm_map_mdl(EXP_ROOT_VMID, vmm_mdl_one(p, 4 * PAGE), vm_b,
				 vmm_mdl_make(d, 2), RW),
		     "destination entries sharing one page (0x%llx)",
		     (unsigned long long)(x + 2 * PAGE));
	if (vmm_vm_destroy(vm_b) != EXP_STATUS_SUCCESS)
		probe_error("destroy_vm failed");
}

void probe_main(void)
{
	uint64_t page;

	vmm_init(false);
	read_map();
	touching();
	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS)
		probe_error("create_vm failed");
	page = vmm_alloc(1);
	if (vmm_map_range(vm, page, G, PAGE, RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("donating a page to the guest VM failed");
	if (num_edges == 0)
		probe_error("the memory map has no ACPI/NVS range and no firmware range ending "
			    "at 4 GiB");
	device_edges();
	report_end();
}
