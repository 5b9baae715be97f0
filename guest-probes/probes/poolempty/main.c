/*
 * poolempty: create_vm and create_vps when the hypervisor's page pool is
 * empty.  Every backend takes pool pages for a new VM (its struct and the
 * second-level table's root: hv/arch/x86/common/sl_table.c, vmx/ept.c
 * vmx_vm_init, svm/npt.c) and a new VPS (its struct and VMCB, or VMCS and
 * virtual-APIC page); mvsim takes as many (E-68).  With none left both
 * calls must answer MV_STATUS_FAILURE_UNKNOWN (E-30), leave their IDs free
 * and the hypervisor running; once pages are given back the same calls
 * succeed, with the IDs the failed calls did not take.
 *
 * The pool is emptied as probe mdl's exhaustion does it: single-page
 * shares into a VM at GPAs 1 GiB apart (each needs new tree nodes), then
 * 2 MiB apart inside the first GiB (each a new leaf table), until map_mdl
 * answers FAILURE_UNKNOWN.  A VM and a VPS need at least two pages, and a
 * failed share leaves fewer than it needed.
 *
 * Every pool page comes back: after the shares are unmapped, and a root
 * page in a region of the root's GPA tree that had no node is shared and
 * unmapped too (its entry back to the root's default, so its nodes pruned),
 * filling the pool again ends at exactly the same share.
 */
#include "vmm.h"

PROBE_TITLE("create_vm and create_vps with the page pool empty: FAILURE_UNKNOWN, nothing taken");

#define PAGE 0x1000ull
#define BASE 0x100000000ull /* 4 GiB: nothing else is mapped there */
#define GIB 0x40000000ull
#define MIB2 0x200000ull
#define CAP 40000u     /* 1 GiB apart below 2^47: far more than any pool here */
#define LEAF_CAP 511u  /* 2 MiB apart inside the first GiB */
#define FAR_PAGES 513u /* 2 MiB and one page: the last is 2 MiB past the others */
#define SRCS 16u       /* source pages shared round robin (4095 shares each) */
#define I_CREATE_VM "mv_vm_op_create_vm"
#define I_CREATE_VPS "mv_vps_op_create_vps"

static uint64_t fill_vm, src;

static uint64_t gpa_of(unsigned i, unsigned leaf)
{
	return BASE + (uint64_t)i * GIB + (uint64_t)leaf * MIB2;
}

static uint64_t share(bool map, unsigned i, unsigned leaf)
{
	uint64_t s = src + ((i + leaf) % SRCS) * PAGE;

	return map ? vmm_map_range(fill_vm, s, gpa_of(i, leaf), PAGE, EXP_GPA_FLAG_READ_ACCESS)
		   : vmm_unmap_range(fill_vm, s, gpa_of(i, leaf), PAGE);
}

/* Empties the pool: shares 1 GiB apart until one fails (*n made, its status
 * returned), then 2 MiB apart inside the first GiB (*m - 1 made, the failing
 * one's status in *st2). */
static uint64_t fill(unsigned *n, unsigned *m, uint64_t *st2)
{
	uint64_t st = EXP_STATUS_SUCCESS;

	for (*n = 0; *n < CAP; (*n)++)
		if ((st = share(true, *n, 0)) != EXP_STATUS_SUCCESS)
			break;
	for (*m = 1; *m <= LEAF_CAP; (*m)++)
		if ((*st2 = share(true, 0, *m)) != EXP_STATUS_SUCCESS)
			break;
	return st;
}

/* Unmaps what fill made; the number of unmaps that succeeded. */
static unsigned drain(unsigned n, unsigned m)
{
	unsigned back = 0;

	for (unsigned j = 1; j < m; j++)
		back += share(false, 0, j) == EXP_STATUS_SUCCESS;
	for (unsigned i = 0; i < n; i++)
		back += share(false, i, 0) == EXP_STATUS_SUCCESS;
	return back;
}

void probe_main(void)
{
	uint64_t vm_a = 0, vp_a = 0, st = 0, st2 = 0;
	unsigned n, m;

	vmm_init(false);
	if (vmm_vm_create(&vm_a) != EXP_STATUS_SUCCESS || vmm_vp_create(vm_a, &vp_a) != EXP_STATUS_SUCCESS ||
	    vmm_vm_create(&fill_vm) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the VMs and the VP");
	uint64_t vps_first = ~0ull; /* the VPSID a create_vps gets now: it must get it again */
	if (vmm_vps_create(vp_a, &vps_first) != EXP_STATUS_SUCCESS || vmm_vps_destroy(vps_first) != EXP_STATUS_SUCCESS)
		probe_error("cannot create and destroy a VPS");
	src = vmm_alloc(SRCS);

	st = fill(&n, &m, &st2);
	if (n == CAP || n < 2 || st != EXP_STATUS_FAILURE_UNKNOWN) {
		check_skip("pool-empty", "mv_vm_op_map_mdl,MV_STATUS_FAILURE_UNKNOWN",
			   "the pool did not run out as expected (%u shares, last status 0x%llx)", n,
			   (unsigned long long)st);
		return;
	}
	vmm_check_st("pool-empty", "mv_vm_op_map_mdl", EXP_STATUS_FAILURE_UNKNOWN, st2,
		     "%u shares 1 GiB apart, then %u 2 MiB apart, until map_mdl fails: the pool is empty",
		     n, m - 1);

	uint64_t vmid = ~0ull, vpsid = ~0ull;
	vmm_check_st("create-vm-empty", I_CREATE_VM, EXP_STATUS_FAILURE_UNKNOWN, vmm_vm_create(&vmid),
		     "create_vm with the pool empty: the backend cannot take its VM pages (E-30)");
	vmm_check_st("create-vps-empty", I_CREATE_VPS, EXP_STATUS_FAILURE_UNKNOWN,
		     vmm_vps_create(vp_a, &vpsid),
		     "create_vps with the pool empty: the backend cannot take its VPS pages (E-30)");
	vmm_check_st("map-first-page-empty", "mv_vm_op_map_mdl", EXP_STATUS_FAILURE_UNKNOWN,
		     vmm_map_range(vm_a, src, 0x200000, PAGE, EXP_GPA_FLAG_READ_ACCESS),
		     "a share into VM A, which holds no page yet, with the pool empty: its GPA tree "
		     "cannot get its nodes (E-30)");

	/* give every page back */
	unsigned back = drain(n, m);
	check_eq("unmap-all", "mv_vm_op_unmap_mdl,MV_STATUS_SUCCESS", n + m - 1, back,
		 "every share is unmapped again, its pages back in the pool");

	/* Every pool page comes back: a share of a root page 2 MiB past any
	 * page used so far (its entry needs new nodes of the root's GPA tree),
	 * unmapped again, leaves the pool as it was, so filling it again ends
	 * at exactly the same share. */
	uint64_t far = vmm_alloc(FAR_PAGES) + (FAR_PAGES - 1) * PAGE;
	vmm_check_st("far-share-roundtrip", "mv_vm_op_map_mdl,mv_vm_op_unmap_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(fill_vm, far, gpa_of(0, 1), PAGE, EXP_GPA_FLAG_READ_ACCESS) |
			     vmm_unmap_range(fill_vm, far, gpa_of(0, 1), PAGE),
		     "a root page 2 MiB past the others is shared and unmapped again");
	unsigned n2, m2;
	uint64_t st3, st4 = 0;
	st3 = fill(&n2, &m2, &st4);
	check_tok("refill-same-count", "mv_vm_op_map_mdl,mv_vm_op_unmap_mdl", rt_fmt("%u+%u", n, m - 1),
		  rt_fmt("%u+%u", n2, m2 - 1), n2 == n && m2 == m && st3 == st && st4 == st2,
		  "filling the pool again: as many shares 1 GiB apart, then 2 MiB apart, until "
		  "map_mdl fails (statuses 0x%llx, 0x%llx): no pool page was kept",
		  (unsigned long long)st3, (unsigned long long)st4);
	back = drain(n2, m2);
	check_eq("unmap-all-again", "mv_vm_op_unmap_mdl,MV_STATUS_SUCCESS", n2 + m2 - 1, back,
		 "and unmapped again");

	vmm_check_st("create-vm-after", "mv_vm_op_create_vm", EXP_STATUS_SUCCESS, vmm_vm_create(&vmid),
		     "then create_vm succeeds");
	check_eq("create-vm-after-id", "mv_vm_op_create_vm", fill_vm + 1, vmid,
		 "with the lowest free VMID: the failed call took none");
	vmm_check_st("create-vps-after", "mv_vps_op_create_vps", EXP_STATUS_SUCCESS,
		     vmm_vps_create(vp_a, &vpsid), "and create_vps succeeds");
	check_eq("create-vps-after-id", "mv_vps_op_create_vps", vps_first, vpsid,
		 "with the VPSID a create_vps got before: the failed call took none");

	check_eq("destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_vps_destroy(vpsid) | vmm_vp_destroy(vp_a) | vmm_vm_destroy(vmid) |
			 vmm_vm_destroy(fill_vm) | vmm_vm_destroy(vm_a),
		 "everything is destroyed");
}
