/*
 * mdl: mv_vm_op_map_mdl / unmap_mdl / set_gpa_flags_mdl (spec 1.6.4,
 * 1.6.5 with E-05, 6.10.4-6.10.6, E-01, E-12) as docs/memory.md resolves
 * them: donate and share round trips seen by a guest (the agent, module
 * guest-agent.elf), read-only shares, unmap, flags, chained MDLs, and
 * hostile MDLs and registers, each with its status and nothing changed.
 */
#include "vmm.h"

PROBE_TITLE("MDL memory: donate/share round trips, read-only, unmap, flags, hostile MDLs");

#define PAGE 0x1000ull
#define I_MAP "mv_vm_op_map_mdl"
#define I_UNMAP "mv_vm_op_unmap_mdl"
#define I_FLAGS "mv_vm_op_set_gpa_flags_mdl"
#define RW EXP_GPA_RW
#define PAT(n) (0x5151000000000000ull | ((uint64_t)(n) << 16) | 0xA5A5)

static struct guest g;
static uint64_t vm_b;           /* a VM without VPs: the destination of hostile maps */
static uint64_t P;              /* a root page for the canonical map */
static const uint64_t X = 0x900000; /* the canonical destination GPA in vm_b */

/* The canonical share P -> vm_b:X still works and is undone: nothing the
 * failed call touched was left changed. */
static void unchanged(const char *id, const char *items)
{
	uint64_t a = vmm_map_range(vm_b, P, X, PAGE, RW);
	uint64_t b = a == EXP_STATUS_SUCCESS ? vmm_unmap_range(vm_b, P, X, PAGE) : a;

	check_eq(rt_fmt("%s-unchanged", id), items, EXP_STATUS_SUCCESS, a | b,
		 "afterwards the source page is still the root's and the destination GPA still "
		 "free (a map/unmap of them succeeds)");
}

/* One hostile call: its status, registers unchanged (E-17), nothing changed. */
static void hostile(const char *id, const char *hc, uint64_t rax, uint64_t r1, uint64_t r2,
		    uint64_t r3, uint64_t r4, uint64_t r5, uint64_t expected, const char *desc)
{
	struct hc_regs o;
	uint64_t st = hc_call(rax, HC_LOAD(&o, vmm_handle, r1, r2, r3, r4, r5));
	const char *items = rt_fmt("%s,%s", hc, vmm_status_name(expected));

	vmm_check_st(id, hc, expected, st, "%s", desc);
	check_tok(rt_fmt("%s-regs", id), items, "unchanged",
		  o.r[0] == vmm_handle && o.r[1] == r1 && o.r[2] == r2 && o.r[3] == r3 &&
				  o.r[4] == r4 && o.r[5] == r5 ? "unchanged" : "changed",
		  o.r[0] == vmm_handle && o.r[1] == r1 && o.r[2] == r2 && o.r[3] == r3 &&
			  o.r[4] == r4 && o.r[5] == r5,
		  "the failed call left REG0-REG5 as they were (E-17)");
	unchanged(id, items);
}

static uint64_t guest_read(uint64_t gpa, uint64_t *reason, uint64_t *arg)
{
	uint64_t st = vmm_guest_run(&g, G_READ, (uint64_t[]){ gpa }, 1, reason, arg);

	if (st != EXP_STATUS_SUCCESS)
		*reason = ~0ull;
	return g.mb->res[0];
}

static void guest_write(uint64_t gpa, uint64_t v, uint64_t *reason, uint64_t *arg)
{
	if (vmm_guest_run(&g, G_WRITE, (uint64_t[]){ gpa, v }, 2, reason, arg) != EXP_STATUS_SUCCESS)
		*reason = ~0ull;
}

static void expect_fault(const char *id, const char *items, uint64_t gpa, bool write,
			 const char *what)
{
	uint64_t r, a;

	if (write)
		guest_write(gpa, 1, &r, &a);
	else
		guest_read(gpa, &r, &a);
	check_eq(rt_fmt("%s-reason", id), rt_fmt("%s,mv_vp_exit_t_fault", items), EXP_EXIT_FAULT,
		 r, "%s: the guest's %s ends with mv_vp_exit_t_fault (got %s)", what,
		 write ? "write" : "read", vmm_exit_name(r));
	check_eq(rt_fmt("%s-reg1", id), rt_fmt("%s,mv_vp_exit_t_fault", items),
		 EXP_FAULT(EXP_VP_FAULT_SLPT, gpa), a, "REG1 = 1<<56 | the GPA (docs/exit-reasons.md)");
	vmm_guest_reset(&g);
}

static void round_trips(void)
{
	uint64_t S = vmm_alloc(1), D = vmm_alloc(1), R = vmm_alloc(1), st, r, a, v;
	const uint64_t gs = GUEST_SCRATCH_GPA, gd = gs + PAGE, gr = gs + 2 * PAGE;
	volatile uint64_t *s = vmm_gpa_ptr(S), *rr = vmm_gpa_ptr(R);

	/* share RW */
	s[0] = PAT(1);
	st = vmm_map_range(g.vmid, S, gs, PAGE, RW);
	vmm_check_st("share", I_MAP, EXP_STATUS_SUCCESS, st, "share a root page RW with the guest");
	v = guest_read(gs, &r, &a);
	check_eq("share-guest-reads", I_MAP, PAT(1), r == EXP_EXIT_HLT ? v : ~0ull,
		 "the guest reads what the root wrote into the shared page");
	guest_write(gs + 8, PAT(2), &r, &a);
	check_eq("share-root-reads", I_MAP, PAT(2), r == EXP_EXIT_HLT ? s[1] : ~0ull,
		 "the root reads what the guest wrote (same system page)");

	/* donate RW: written before, never touched after */
	*(volatile uint64_t *)vmm_gpa_ptr(D) = PAT(3);
	st = vmm_map_range(g.vmid, D, gd, PAGE, RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate", I_MAP, EXP_STATUS_SUCCESS, st, "donate a root page RW to the guest");
	v = guest_read(gd, &r, &a);
	check_eq("donate-guest-reads", I_MAP, PAT(3), r == EXP_EXIT_HLT ? v : ~0ull,
		 "the guest reads what the root wrote before donating");
	guest_write(gd + 8, PAT(4), &r, &a);
	check_eq("donate-guest-writes", I_MAP, EXP_EXIT_HLT, r, "the guest writes its donated page");
	st = vmm_map_range(vm_b, D, X, PAGE, RW);
	vmm_check_st("donate-not-root-any-more", I_MAP, EXP_STATUS_INVALID_PARAMS2, st,
		 "the root can no longer map the page it donated (memory the source does not own)");

	/* read-only share (no W flag) */
	rr[0] = PAT(5);
	st = vmm_map_range(g.vmid, R, gr, PAGE, EXP_GPA_FLAG_READ_ACCESS);
	vmm_check_st("share-ro", I_MAP, EXP_STATUS_SUCCESS, st, "share a root page read-only");
	v = guest_read(gr, &r, &a);
	check_eq("share-ro-read", I_MAP, PAT(5), r == EXP_EXIT_HLT ? v : ~0ull,
		 "the guest can read the read-only page");
	expect_fault("share-ro-write", I_MAP, gr, true, "a write to a read-only share");
	check_eq("share-ro-intact", I_MAP, PAT(5), rr[0], "the page kept its contents");

	/* set_gpa_flags_mdl: RO -> RW -> RO */
	st = vmm_set_gpa_flags_mdl(EXP_ROOT_VMID, vmm_mdl_one(R, PAGE), g.vmid, vmm_mdl_one(gr, PAGE), RW);
	vmm_check_st("flags-rw", I_FLAGS, EXP_STATUS_SUCCESS, st, "set_gpa_flags_mdl makes the share RW");
	guest_write(gr, PAT(6), &r, &a);
	check_eq("flags-rw-write", I_FLAGS, PAT(6), r == EXP_EXIT_HLT ? rr[0] : ~0ull,
		 "now the guest's write goes through to the root's page");
	st = vmm_set_gpa_flags_mdl(EXP_ROOT_VMID, vmm_mdl_one(R, PAGE), g.vmid, vmm_mdl_one(gr, PAGE),
			       EXP_GPA_FLAG_READ_ACCESS);
	vmm_check_st("flags-ro", I_FLAGS, EXP_STATUS_SUCCESS, st, "set_gpa_flags_mdl back to read-only");
	expect_fault("flags-ro-write", I_FLAGS, gr, true, "a write after flags went back to R");
	{
		uint64_t sm = vmm_mdl_one(R, PAGE), dm = vmm_mdl_one(gr, PAGE), nm = vmm_mdl_one(gs + 0x40000, PAGE);
		hostile("flags-donate", I_FLAGS, EXP_HC_SET_GPA_FLAGS_MDL, EXP_ROOT_VMID, sm, g.vmid, dm,
			RW | EXP_GPA_FLAG_DONATE, EXP_STATUS_INVALID_PARAMS5, "set_gpa_flags_mdl with DONATE");
		hostile("flags-zombie", I_FLAGS, EXP_HC_SET_GPA_FLAGS_MDL, EXP_ROOT_VMID, sm, g.vmid, dm,
			RW | EXP_GPA_FLAG_ZOMBIE, EXP_STATUS_INVALID_PARAMS5, "set_gpa_flags_mdl with ZOMBIE");
		hostile("flags-revz", I_FLAGS, EXP_HC_SET_GPA_FLAGS_MDL, EXP_ROOT_VMID, sm, g.vmid, dm,
			RW | (1ull << 15), EXP_STATUS_INVALID_PARAMS5, "set_gpa_flags_mdl with bit 15 (REVZ)");
		hostile("flags-unmapped", I_FLAGS, EXP_HC_SET_GPA_FLAGS_MDL, EXP_ROOT_VMID, sm, g.vmid, nm,
			RW, EXP_STATUS_INVALID_PARAMS4, "set_gpa_flags_mdl of a destination GPA not mapped");
		hostile("flags-wrong-src", I_FLAGS, EXP_HC_SET_GPA_FLAGS_MDL, EXP_ROOT_VMID,
			vmm_mdl_one(S, PAGE), g.vmid, dm, RW, EXP_STATUS_INVALID_PARAMS2,
			"set_gpa_flags_mdl naming another source page than the one mapped there");
	}

	/* unmap: shared -> gone for the guest, still the root's; donated -> back to the root */
	st = vmm_unmap_range(g.vmid, S, gs, PAGE);
	vmm_check_st("unmap-share", I_UNMAP, EXP_STATUS_SUCCESS, st, "unmap the RW share");
	expect_fault("unmap-share-read", I_UNMAP, gs, false, "a read of the unmapped share");
	check_eq("unmap-share-root", I_UNMAP, PAT(2), s[1], "the root still has its page and data");
	{
		uint64_t sm = vmm_mdl_one(S, PAGE), dm = vmm_mdl_one(gs, PAGE);
		hostile("unmap-twice", I_UNMAP, EXP_HC_UNMAP_MDL, EXP_ROOT_VMID, sm, g.vmid, dm, 0,
			EXP_STATUS_INVALID_PARAMS4, "unmap_mdl of a destination no longer mapped");
		hostile("unmap-wrong-src", I_UNMAP, EXP_HC_UNMAP_MDL, EXP_ROOT_VMID, vmm_mdl_one(S, PAGE),
			g.vmid, vmm_mdl_one(gr, PAGE), 0, EXP_STATUS_INVALID_PARAMS2,
			"unmap_mdl naming another source page than the one mapped there");
		hostile("unmap-wrong-src-vm", I_UNMAP, EXP_HC_UNMAP_MDL, vm_b, vmm_mdl_one(R, PAGE),
			g.vmid, vmm_mdl_one(gr, PAGE), 0, EXP_STATUS_INVALID_PARAMS4,
			"unmap_mdl naming VM B as the source of the root's share (the same source GPA)");
	}
	st = vmm_unmap_range(g.vmid, D, gd, PAGE);
	vmm_check_st("unmap-donated", I_UNMAP, EXP_STATUS_SUCCESS, st, "unmap the donated page");
	expect_fault("unmap-donated-read", I_UNMAP, gd, false, "the guest lost the donated page");
	check_eq("unmap-donated-root", I_UNMAP, PAT(4), *(volatile uint64_t *)vmm_gpa_ptr(D + 8),
		 "the page is the root's again, at its GPA, with what the guest wrote");
	st = vmm_unmap_range(g.vmid, R, gr, PAGE);
	vmm_check_st("unmap-ro", I_UNMAP, EXP_STATUS_SUCCESS, st, "unmap the read-only share");
}

/* A chained src MDL (3 discontiguous pages over 2 MDL pages) to one range. */
static void chained(void)
{
	uint64_t p[3] = { vmm_alloc(1), vmm_alloc(2), 0 }, m1, m2, dm, r, a, st;
	const uint64_t base = GUEST_SCRATCH_GPA + 0x10000;
	bool ok = true;

	p[2] = p[1] + PAGE; /* p[1] and p[2] contiguous: one entry of 2 pages */
	for (int i = 0; i < 3; i++)
		*(volatile uint64_t *)vmm_gpa_ptr(p[i]) = PAT(0x10 + i);
	m1 = vmm_mdl_one(p[0], PAGE);
	m2 = vmm_mdl_one(p[1], 2 * PAGE);
	vmm_mdl_set_next(m1, m2);
	dm = vmm_mdl_one(base, 3 * PAGE);
	st = vmm_map_mdl(EXP_ROOT_VMID, m1, g.vmid, dm, RW);
	vmm_check_st("chain", I_MAP, EXP_STATUS_SUCCESS, st,
		 "map_mdl with a source chain of two MDL pages (next = GPA of the second)");
	for (int i = 0; i < 3; i++) {
		uint64_t v = guest_read(base + i * PAGE, &r, &a);
		ok &= r == EXP_EXIT_HLT && v == PAT(0x10 + i);
	}
	check_tok("chain-order", I_MAP, "page-i-to-page-i", ok ? "page-i-to-page-i" : "mismatch", ok,
		  "source page i (in list order across the chain) lands at destination page i");
	st = vmm_unmap_mdl(EXP_ROOT_VMID, m1, g.vmid, dm);
	vmm_check_st("chain-unmap", I_UNMAP, EXP_STATUS_SUCCESS, st, "unmap_mdl with the same chain");
}

/* num_entries at its limit: 169 entries fill an MDL page and are accepted;
 * a count of 170 is refused even where the 24 bytes after the page hold a
 * well-formed 170th entry (the hypervisor reads no entry past the page). */
static void max_entries(void)
{
	static struct mdl_ent e[EXP_MDL_MAP_MAX_NUM_ENTRIES + 1];
	const uint64_t n = EXP_MDL_MAP_MAX_NUM_ENTRIES, src = vmm_alloc(n);
	uint64_t sm, st, next;

	for (uint64_t i = 0; i <= n; i++)
		e[i] = (struct mdl_ent){ src + i * PAGE, PAGE, 0 };
	sm = vmm_mdl_make(e, n);
	st = vmm_map_mdl(EXP_ROOT_VMID, sm, vm_b, vmm_mdl_one(X, n * PAGE), RW);
	vmm_check_st("src-num-169", I_MAP, EXP_STATUS_SUCCESS, st,
		 "source MDL with num_entries 169 (a full MDL page, the largest count)");
	if (st == EXP_STATUS_SUCCESS)
		vmm_check_st("src-num-169-unmap", I_UNMAP, EXP_STATUS_SUCCESS,
			 vmm_unmap_mdl(EXP_ROOT_VMID, sm, vm_b, vmm_mdl_one(X, n * PAGE)),
			 "unmap_mdl of the same 169 pages");
	sm = vmm_mdl_make(e, n + 1);
	next = vmm_alloc(1);
	if (next != sm + PAGE)
		probe_error("the page after the MDL page is not the next one allocated");
	*(volatile struct mdl_ent *)vmm_gpa_ptr(next) = e[n]; /* where entry 169 would be */
	hostile("src-num-170-next-page-entry", I_MAP, EXP_HC_MAP_MDL, 0, sm, vm_b,
		vmm_mdl_one(X, PAGE), RW, EXP_STATUS_INVALID_PARAMS2,
		"source MDL with num_entries 170, its 169 entries and the 24 bytes after its "
		"page all well-formed");
}

static void hostile_mdls(void)
{
	const uint64_t M = EXP_HC_MAP_MDL;
	uint64_t sm = vmm_mdl_one(P, PAGE), dm = vmm_mdl_one(X, PAGE), bad, Q = vmm_alloc(2), t;
	struct mdl_ent two[2];

	/* REG1 */
	hostile("src-vmid-revz", I_MAP, M, 1ull << 16, sm, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS1,
		"REG1[63:16] != 0 (REVZ)");
	hostile("src-vmid-missing", I_MAP, M, EXP_INVALID_ID, sm, vm_b, dm, RW,
		EXP_STATUS_INVALID_PARAMS1, "source VMID 0xFFFF");
	/* REG2 */
	hostile("src-mdl-unaligned", I_MAP, M, 0, sm + 8, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"REG2[11:0] != 0 (REVZ)");
	bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_num(bad, 0);
	hostile("src-num-0", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source MDL with num_entries 0");
	bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_num(bad, EXP_MDL_MAP_MAX_NUM_ENTRIES + 1);
	hostile("src-num-170", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source MDL with num_entries 170 (> 169)");
	for (unsigned i = 0; i < 3; i++) {
		bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_revz(bad, i, 1ull << (8 * i));
		hostile(rt_fmt("src-hdr-revz%u", i), I_MAP, M, 0, bad, vm_b, dm, RW,
			EXP_STATUS_INVALID_PARAMS2, "source MDL with a REVZ header word (0x10+8i) set");
	}
	bad = vmm_mdl_one(P + 0x10, PAGE);
	hostile("src-entry-unaligned", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source entry with an unaligned GPA");
	bad = vmm_mdl_one(P, 0);
	hostile("src-entry-size-0", I_MAP, M, 0, bad, vm_b, vmm_mdl_one(X, 0), RW,
		EXP_STATUS_INVALID_PARAMS2, "source entry with size 0");
	/* A page, then an entry of size 0: the sizes would still add up. */
	two[0] = (struct mdl_ent){ P, PAGE, 0 };
	two[1] = (struct mdl_ent){ P + PAGE, 0, 0 };
	hostile("src-entry-size-0-second", I_MAP, M, 0, vmm_mdl_make(two, 2), vm_b, dm, RW,
		EXP_STATUS_INVALID_PARAMS2, "source entries: one page, then one of size 0");
	bad = vmm_mdl_one(P, 0x800);
	hostile("src-entry-size-unaligned", I_MAP, M, 0, bad, vm_b, dm, RW,
		EXP_STATUS_INVALID_PARAMS2, "source entry with size 0x800");
	bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_entry(bad, 0, P, PAGE, EXP_GPA_FLAG_READ_ACCESS);
	hostile("src-entry-flags", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source entry with flags != 0 (reserved per entry)");
	bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_next(bad, bad);
	hostile("src-next-loop", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source MDL whose next points at itself (a loop)");
	bad = vmm_mdl_one(P, PAGE); vmm_mdl_set_next(bad, dm + 8);
	hostile("src-next-unaligned", I_MAP, M, 0, bad, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
		"source MDL whose next is not page aligned");
	two[0] = (struct mdl_ent){ Q, 2 * PAGE, 0 };
	two[1] = (struct mdl_ent){ Q + PAGE, PAGE, 0 };
	hostile("src-overlap", I_MAP, M, 0, vmm_mdl_make(two, 2), vm_b, vmm_mdl_one(X, 3 * PAGE), RW,
		EXP_STATUS_INVALID_PARAMS2, "source entries overlapping (a page twice)");
	hostile("src-not-owned", I_MAP, M, 0, vmm_mdl_one(g.image_gpa, PAGE), vm_b, dm, RW,
		EXP_STATUS_INVALID_PARAMS2, "source page the root donated to the agent (not owned)");
	hostile("src-hv-memory", I_MAP, M, 0, vmm_mdl_one(vmm_not_owned_gpa(), PAGE), vm_b, dm,
		RW, EXP_STATUS_INVALID_PARAMS2,
		"source page in a reserved range of the memory map (the hypervisor's, not the root's)");
	t = vmm_mdl_one(P, PAGE);
	if (vmm_map_range(vm_b, t, 0xA00000, PAGE, RW | EXP_GPA_FLAG_DONATE) == EXP_STATUS_SUCCESS)
		hostile("src-mdl-not-owned", I_MAP, M, 0, t, vm_b, dm, RW, EXP_STATUS_INVALID_PARAMS2,
			"the source MDL itself lies in a page the root donated away");
	/* REG3 */
	hostile("dst-vmid-revz", I_MAP, M, 0, sm, (1ull << 20) | vm_b, dm, RW,
		EXP_STATUS_INVALID_PARAMS3, "REG3[63:16] != 0 (REVZ)");
	hostile("dst-vmid-missing", I_MAP, M, 0, sm, EXP_INVALID_ID, dm, RW,
		EXP_STATUS_INVALID_PARAMS3, "destination VMID 0xFFFF");
	hostile("src-eq-dst", I_MAP, M, 0, sm, 0, dm, RW, EXP_STATUS_INVALID_PARAMS3,
		"source VM == destination VM (root to root)");
	/* REG4 */
	hostile("dst-mdl-unaligned", I_MAP, M, 0, sm, vm_b, dm + 0x800, RW,
		EXP_STATUS_INVALID_PARAMS4, "REG4[11:0] != 0 (REVZ)");
	hostile("dst-size-mismatch", I_MAP, M, 0, sm, vm_b, vmm_mdl_one(X, 2 * PAGE), RW,
		EXP_STATUS_INVALID_PARAMS4, "destination 2 pages, source 1 page");
	bad = vmm_mdl_one(X, PAGE); vmm_mdl_set_num(bad, 0);
	hostile("dst-num-0", I_MAP, M, 0, sm, vm_b, bad, RW, EXP_STATUS_INVALID_PARAMS4,
		"destination MDL with num_entries 0");
	two[0] = (struct mdl_ent){ X, PAGE, 0 };
	two[1] = (struct mdl_ent){ X, PAGE, 0 };
	hostile("dst-overlap", I_MAP, M, 0, vmm_mdl_one(Q, 2 * PAGE), vm_b, vmm_mdl_make(two, 2), RW,
		EXP_STATUS_INVALID_PARAMS4, "destination entries overlapping (the same GPA twice)");
	hostile("dst-gpa-too-high", I_MAP, M, 0, sm, vm_b, vmm_mdl_one(1ull << 47, PAGE), RW,
		EXP_STATUS_INVALID_PARAMS4, "destination GPA 2^47 (beyond the GPA space)");
	hostile("dst-gpa-above-limit", I_MAP, M, 0, sm, vm_b, vmm_mdl_one(EXP_GPA_LIMIT + PAGE, PAGE), RW,
		EXP_STATUS_INVALID_PARAMS4,
		"destination entry of 1 page at 2^47 + 4 KiB, wholly beyond the GPA space");
	hostile("dst-crosses-gpa-limit", I_MAP, M, 0, vmm_mdl_one(Q, 2 * PAGE), vm_b,
		vmm_mdl_one(EXP_GPA_LIMIT - PAGE, 2 * PAGE), RW, EXP_STATUS_INVALID_PARAMS4,
		"destination entry of 2 pages at 2^47 - 4 KiB: its second page is past the GPA space");
	t = vmm_mdl_one(EXP_GPA_LIMIT - PAGE, PAGE);
	vmm_check_st("dst-last-page", I_MAP, EXP_STATUS_SUCCESS, vmm_map_mdl(EXP_ROOT_VMID, sm, vm_b, t, RW),
		     "destination entry of the last page below 2^47 (the GPA space's end)");
	vmm_check_st("dst-last-page-unmap", I_UNMAP, EXP_STATUS_SUCCESS,
		     vmm_unmap_mdl(EXP_ROOT_VMID, sm, vm_b, t), "and unmapped again");
	hostile("dst-already-mapped", I_MAP, M, 0, sm, vm_b, vmm_mdl_one(0xA00000, PAGE), RW,
		EXP_STATUS_INVALID_PARAMS4, "destination GPA already mapped (the donated MDL page)");
	/* REG5 */
	hostile("flags-revz-bit5", I_MAP, M, 0, sm, vm_b, dm, RW | (1ull << 5),
		EXP_STATUS_INVALID_PARAMS5, "REG5 bit 5 (REVZ, E-12)");
	hostile("flags-revz-bit15", I_MAP, M, 0, sm, vm_b, dm, RW | (1ull << 15),
		EXP_STATUS_INVALID_PARAMS5, "REG5 bit 15 (REVZ)");
	hostile("flags-revz-bit63", I_MAP, M, 0, sm, vm_b, dm, RW | (1ull << 63),
		EXP_STATUS_INVALID_PARAMS5, "REG5 bit 63 (REVZ)");
	hostile("flags-two-caches", I_MAP, M, 0, sm, vm_b, dm,
		RW | EXP_GPA_FLAG_UNCACHEABLE | EXP_GPA_FLAG_WRITE_BACK,
		EXP_STATUS_INVALID_PARAMS5, "two cacheability flags (UC and WB)");
	hostile("flags-donate-zombie", I_MAP, M, 0, sm, vm_b, dm,
		RW | EXP_GPA_FLAG_DONATE | EXP_GPA_FLAG_ZOMBIE,
		EXP_STATUS_INVALID_PARAMS5, "DONATE together with ZOMBIE");
	/* order: REG1 is checked before REG2 (E-17) */
	hostile("order-reg1-first", I_MAP, M, EXP_INVALID_ID, sm + 8, EXP_INVALID_ID, dm + 8,
		1ull << 63, EXP_STATUS_INVALID_PARAMS1, "every register bad: REG1 is reported");
	/* a guest may not call it */
	{
		struct hc_regs o;
		uint64_t reason, gh, st;
		st = vmm_guest_hc(&g, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &reason);
		gh = o.r[0];
		st = vmm_guest_hc(&g, EXP_HC_MAP_MDL, gh, 0, sm, vm_b, dm, RW, &o, &reason);
		vmm_check_st("guest-map", I_MAP, EXP_STATUS_INVALID_PERM_EXT, st,
			 "map_mdl from a guest is root-only (E-18)");
		st = vmm_guest_hc(&g, EXP_HC_UNMAP_MDL, gh, 0, sm, vm_b, dm, 0, &o, &reason);
		vmm_check_st("guest-unmap", I_UNMAP, EXP_STATUS_INVALID_PERM_EXT, st, "unmap_mdl from a guest");
		st = vmm_guest_hc(&g, EXP_HC_SET_GPA_FLAGS_MDL, gh, 0, sm, vm_b, dm, RW, &o, &reason);
		vmm_check_st("guest-flags", I_FLAGS, EXP_STATUS_INVALID_PERM_EXT, st,
			 "set_gpa_flags_mdl from a guest");
		unchanged("guest-calls", "mv_vm_op_map_mdl,MV_STATUS_INVALID_PERM_EXT");
	}
}

/* Shares out of a guest: A (the agent) shares its donated page to B; A cannot
 * be destroyed while B borrows it without ZOMBIE (docs/memory.md). */
static void guest_shares(void)
{
	uint64_t D = vmm_alloc(1), st, gd = GUEST_SCRATCH_GPA + 0x20000, y = 0xB00000;
	uint64_t am, bm;

	*(volatile uint64_t *)vmm_gpa_ptr(D) = PAT(0x20);
	if (vmm_map_range(g.vmid, D, gd, PAGE, RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot donate a page to the agent");
	am = vmm_mdl_one(gd, PAGE);
	bm = vmm_mdl_one(y, PAGE);
	st = vmm_map_mdl(g.vmid, am, vm_b, bm, EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_DONATE);
	vmm_check_st("guest-donate-onward", I_MAP, EXP_STATUS_INVALID_PARAMS2, st,
		 "a guest's donated-in page cannot be donated onward (only the root's own pages)");
	st = vmm_map_mdl(g.vmid, am, vm_b, bm, EXP_GPA_FLAG_READ_ACCESS);
	vmm_check_st("guest-share-onward", I_MAP, EXP_STATUS_SUCCESS, st,
		 "the agent's donated-in page can be shared to another VM");
	st = vmm_unmap_range(g.vmid, D, gd, PAGE);
	vmm_check_st("unmap-while-shared-onward", I_UNMAP, EXP_STATUS_INVALID_PARAMS4, st,
		 "the root cannot take back a donated page its holder still shares onward");
	vmm_vps_destroy(g.vpsid);
	vmm_vp_destroy(g.vpid);
	st = vmm_vm_destroy(g.vmid);
	vmm_check_st("destroy-while-shared", "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PERM_DENIED, st,
		 "a VM whose page another guest borrows without ZOMBIE cannot be destroyed");
	st = vmm_unmap_mdl(g.vmid, am, vm_b, bm);
	vmm_check_st("guest-unshare", I_UNMAP, EXP_STATUS_SUCCESS, st, "B's borrowed mapping is unmapped");
	st = vmm_vm_destroy(g.vmid);
	vmm_check_st("destroy-after-unshare", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, st,
		 "then the agent's VM is destroyed");
	check_eq("destroy-returns-donated", "mv_vm_op_destroy_vm,mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		 vmm_map_range(vm_b, D, y, PAGE, RW),
		 "its donated pages went back to the root (the root can share one again)");
	vmm_unmap_range(vm_b, D, y, PAGE);
	check_eq("destroy-returns-data", "mv_vm_op_destroy_vm", PAT(0x20),
		 *(volatile uint64_t *)vmm_gpa_ptr(D), "at its GPA with its contents");
}

/* ---- the page pool runs out (E-30) --------------------------------------- *
 * Single-page shares into VM C at GPAs 1 GiB apart (each needs fresh tree
 * nodes from the hypervisor's pool) until map_mdl answers FAILURE_UNKNOWN;
 * then one-leaf maps (1 MiB apart) until the pool is empty.  The failed
 * calls changed nothing; after unmapping everything the same set maps again,
 * to the same count. */
#define EXH_BASE 0x100000000ull /* 4 GiB: nothing else is there */
#define EXH_GIB 0x40000000ull
#define EXH_MIB 0x100000ull
#define EXH_CAP 40000u          /* 1 GiB apart below 2^47; covers a 256 MiB pool */
#define EXH_FILL_CAP 511u       /* leaves under the first 1 GiB page's L1 */
#define EXH_SRCS 16u            /* source pages, shared round robin */
#define EXH_GUEST_GPA 0x30000000ull /* in the agent's 1 GiB identity map, 768 MiB */

static uint64_t exh_vm, exh_src, exh_sm, exh_dm;

static uint64_t exh_gpa(unsigned i)
{
	return EXH_BASE + (uint64_t)i * EXH_GIB;
}

static uint64_t exh_call(bool map, uint64_t vmid, unsigned i, uint64_t gpa)
{
	vmm_mdl_set_entry(exh_sm, 0, exh_src + (i % EXH_SRCS) * PAGE, PAGE, 0);
	vmm_mdl_set_entry(exh_dm, 0, gpa, PAGE, 0);
	return map ? vmm_map_mdl(EXP_ROOT_VMID, exh_sm, vmid, exh_dm, EXP_GPA_FLAG_READ_ACCESS)
		   : vmm_unmap_mdl(EXP_ROOT_VMID, exh_sm, vmid, exh_dm);
}

/* Map i = 0, 1, ... 1 GiB apart until a call fails: the count, *st its status. */
static unsigned exh_fill(uint64_t *st)
{
	unsigned n;

	for (n = 0; n < EXH_CAP; n++)
		if ((*st = exh_call(true, exh_vm, n, exh_gpa(n))) != EXP_STATUS_SUCCESS)
			break;
	return n;
}

#define EXH_SVC 0x10 /* services 0x10-0x1F of the root (HostOS): no other check uses them */
#define EXH_SVCS 16u

static void exhaust(void)
{
	const char *items = I_MAP ",MV_STATUS_FAILURE_UNKNOWN";
	struct hc_regs o;
	uint64_t st, st2, st3;
	unsigned n, n2, m, ok, xv;

	if (vmm_vm_create(&exh_vm) != EXP_STATUS_SUCCESS)
		probe_error("cannot create VM C");
	exh_src = vmm_alloc(EXH_SRCS);
	exh_sm = vmm_mdl_one(exh_src, PAGE);
	exh_dm = vmm_mdl_one(EXH_BASE, PAGE);

	n = exh_fill(&st);
	if (n == EXH_CAP) {
		check_skip("exhaust-status", items, "the pool did not run out after %u sparse "
			   "maps (a pool above 256 MiB?)", n);
		return;
	}
	vmm_check_st("exhaust-status", I_MAP, EXP_STATUS_FAILURE_UNKNOWN, st,
		 "single-page shares 1 GiB apart: after %u the hypervisor's pool runs out and "
		 "map_mdl answers FAILURE_UNKNOWN (E-30)", n);
	check_tok("exhaust-count", items, "2-or-more", rt_fmt("%u", n), n >= 2,
		  "several maps succeeded before (%u)", n);
	if (st != EXP_STATUS_FAILURE_UNKNOWN || n < 2)
		return;
	vmm_check_st("exhaust-failed-unmapped", I_UNMAP, EXP_STATUS_INVALID_PARAMS4,
		 exh_call(false, exh_vm, n, exh_gpa(n)),
		 "the failed map left nothing: unmapping its pair finds no mapping (PARAMS4)");

	/* the rest of the pool: one new leaf per map, under map 0's L1 node */
	for (m = 0; m < EXH_FILL_CAP; m++)
		if ((st2 = exh_call(true, exh_vm, 0, exh_gpa(0) + (m + 1) * EXH_MIB)) !=
		    EXP_STATUS_SUCCESS)
			break;
	vmm_check_st("exhaust-empty", I_MAP, EXP_STATUS_FAILURE_UNKNOWN, st2,
		 "then maps needing one new node each fail too: the pool is empty (%u more "
		 "succeeded first)", m);

	/* the guest: a map it cannot get changes nothing it sees */
	vmm_mdl_set_entry(exh_sm, 0, exh_src, PAGE, 0);
	vmm_mdl_set_entry(exh_dm, 0, EXH_GUEST_GPA, PAGE, 0);
	vmm_check_st("exhaust-guest", I_MAP, EXP_STATUS_FAILURE_UNKNOWN,
		 vmm_map_mdl(EXP_ROOT_VMID, exh_sm, g.vmid, exh_dm, RW),
		 "sharing a page with the agent at GPA 0x%llx fails with the pool empty",
		 (unsigned long long)EXH_GUEST_GPA);
	expect_fault("exhaust-guest-fault", items, EXH_GUEST_GPA, false,
		     "after the failed map the GPA is still unmapped");
	/* XVIO's queue page comes from the same pool (docs/xvio.md): what single
	 * pages are left (a map needs more) go to services, then initialize fails. */
	for (xv = 0; xv < EXH_SVCS; xv++)
		if ((st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, EXH_SVC + xv, 0, 0))) !=
		    EXP_STATUS_SUCCESS)
			break;
	vmm_check_st("exhaust-xvio-initialize", "mv_xvio_op_initialize", EXP_STATUS_FAILURE_UNKNOWN, st,
		     "with the pool empty, initialize cannot get a service's queue page (E-30; %u "
		     "services got the last pages first)", xv);
	for (unsigned i = 0; i < xv; i++)
		hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, EXH_SVC + i));

	/* unmapping frees pool pages: the failed call, repeated, now works */
	st = exh_call(false, exh_vm, n - 1, exh_gpa(n - 1)) |
	     exh_call(false, exh_vm, n - 2, exh_gpa(n - 2));
	vmm_check_st("exhaust-unmap-two", I_UNMAP, EXP_STATUS_SUCCESS, st,
		 "unmapping two of the sparse pages");
	vmm_check_st("exhaust-retry", I_MAP, EXP_STATUS_SUCCESS, exh_call(true, exh_vm, n, exh_gpa(n)),
		 "then the map that failed succeeds: its destination had stayed free");

	/* unmap everything, then the same set maps again, to the same count */
	ok = exh_call(false, exh_vm, n, exh_gpa(n)) == EXP_STATUS_SUCCESS;
	for (unsigned j = 0; j < m; j++)
		ok += exh_call(false, exh_vm, 0, exh_gpa(0) + (j + 1) * EXH_MIB) == EXP_STATUS_SUCCESS;
	for (unsigned i = 0; i + 2 < n; i++)
		ok += exh_call(false, exh_vm, i, exh_gpa(i)) == EXP_STATUS_SUCCESS;
	check_eq("exhaust-unmap-all", I_UNMAP ",MV_STATUS_SUCCESS", 1 + m + (n - 2), ok,
		 "every page mapped is unmapped again");
	st = hc_call(EXP_HC_XVIO_INITIALIZE, HC_LOAD(&o, vmm_handle, EXH_SVC, 0, 0));
	vmm_check_st("exhaust-xvio-after", "mv_xvio_op_initialize,mv_xvio_op_cleanup", EXP_STATUS_SUCCESS,
		     st | hc_call(EXP_HC_XVIO_CLEANUP, HC_LOAD(&o, vmm_handle, EXH_SVC)),
		     "with pages free again the same initialize succeeds (and cleanup frees the page)");
	n2 = exh_fill(&st3);
	check_eq("exhaust-recovered", items, n, n2,
		 "the pool recovered: the same sparse maps succeed again, %u of them", n);
	vmm_check_st("exhaust-recovered-limit", I_MAP, EXP_STATUS_FAILURE_UNKNOWN, st3,
		 "and the next one fails as before");
	vmm_check_st("exhaust-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_vm_destroy(exh_vm),
		 "VM C with its %u sparse mappings is destroyed", n2);
	vmm_check_st("exhaust-after", I_MAP, EXP_STATUS_SUCCESS, vmm_map_range(vm_b, P, X, PAGE, RW) |
		 vmm_unmap_range(vm_b, P, X, PAGE), "the canonical map works afterwards");
}

/* A page the root shares out cannot be donated while the share lasts (a
 * donated page must be able to go back to the root); once unshared it can. */
static void donate_shared_out(void)
{
	uint64_t S = vmm_alloc(1), st;
	const uint64_t gs = GUEST_SCRATCH_GPA + 0x40000, y = 0xC00000;

	st = vmm_map_range(vm_b, S, y, PAGE, RW);
	vmm_check_st("donate-shared-out-share", I_MAP, EXP_STATUS_SUCCESS, st,
		 "the root shares a page with VM B");
	st = vmm_map_range(g.vmid, S, gs, PAGE, RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate-shared-out", I_MAP, EXP_STATUS_INVALID_PARAMS2, st,
		 "then donating that page to the agent is refused: it is shared out");
	st = vmm_unmap_range(vm_b, S, y, PAGE);
	vmm_check_st("donate-shared-out-unshare", I_UNMAP, EXP_STATUS_SUCCESS, st,
		 "the share is still there and is unmapped");
	st = vmm_map_range(g.vmid, S, gs, PAGE, RW | EXP_GPA_FLAG_DONATE);
	vmm_check_st("donate-after-unshare", I_MAP, EXP_STATUS_SUCCESS, st,
		 "with nobody borrowing it, the page can be donated");
	vmm_unmap_range(g.vmid, S, gs, PAGE);
}

/* A VM that lent a page with ZOMBIE is destroyed into a zombie: it lingers
 * (its VMID is not reused) until the borrower unmaps, and destroy_vm of the
 * zombie is refused like a VM that does not exist (docs/memory.md). */
static void zombie_destroy(void)
{
	uint64_t z, n, D = vmm_alloc(1), st;
	struct hc_regs o;
	const uint64_t gz = 0x200000, y = 0xD00000;
	uint64_t zm = vmm_mdl_one(gz, PAGE), bm = vmm_mdl_one(y, PAGE);

	if (vmm_vm_create(&z) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(z, D, gz, PAGE, RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot create the VM for the zombie checks");
	st = vmm_map_mdl(z, zm, vm_b, bm, EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_ZOMBIE);
	vmm_check_st("zombie-share", I_MAP, EXP_STATUS_SUCCESS, st,
		 "a guest VM shares its donated-in page with VM B, ZOMBIE");
	st = vmm_vm_destroy(z);
	vmm_check_st("zombie-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, st,
		 "the lender is destroyed while B borrows with ZOMBIE (it becomes a zombie)");
	st = vmm_vm_destroy(z);
	vmm_check_st("zombie-destroy-again", "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PARAMS1, st,
		 "destroy_vm of the zombie VM is refused (no such VM for the ABI)");
	st = vmm_map_range(z, P, X, PAGE, RW);
	vmm_check_st("zombie-map-into", I_MAP, EXP_STATUS_INVALID_PARAMS3, st,
		 "nothing can be mapped into the zombie");
	st = hc_call(EXP_HC_XVIO_SET_PARTITION, HC_LOAD(&o, vmm_handle, z, EXP_XVIO_PARTITION_GAMEOS));
	vmm_check_st("zombie-set-partition", "mv_xvio_op_set_partition", EXP_STATUS_INVALID_PARAMS1, st,
		     "the zombie cannot be given an XVIO partition (a dying VM, docs/xvio.md)");
	st = vmm_vm_create(&n);
	check_tok("zombie-vmid-kept", "mv_vm_op_create_vm,mv_vm_op_destroy_vm", "not-the-zombies",
		  rt_hex(n), st == EXP_STATUS_SUCCESS && n != z,
		  "a VM created meanwhile does not get the zombie's VMID");
	if (st == EXP_STATUS_SUCCESS)
		vmm_vm_destroy(n);
	st = vmm_unmap_mdl(z, zm, vm_b, bm);
	vmm_check_st("zombie-unshare", I_UNMAP, EXP_STATUS_SUCCESS, st,
		 "B unmaps the zombie's page (the zombie goes away with it)");
	st = vmm_vm_destroy(z);
	vmm_check_st("zombie-gone", "mv_vm_op_destroy_vm", EXP_STATUS_INVALID_PARAMS1, st,
		 "the zombie is gone");
	st = vmm_map_range(vm_b, D, y, PAGE, RW);
	vmm_check_st("zombie-returns-page", "mv_vm_op_destroy_vm,mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		 st, "the donated page went back to the root (the root can share it again)");
	vmm_unmap_range(vm_b, D, y, PAGE);
	/* Its VMID is free again: filling the VM table must hand it out. */
	uint64_t made[EXP_MAX_VMS], got = 0;
	bool found = false;
	while (got < EXP_MAX_VMS && vmm_vm_create(&made[got]) == EXP_STATUS_SUCCESS)
		found |= made[got++] == z;
	while (got)
		vmm_vm_destroy(made[--got]);
	check_tok("zombie-vmid-free", "mv_vm_op_create_vm,mv_vm_op_destroy_vm", "reused",
		  found ? "reused" : "never", found,
		  "once the zombie is gone its VMID 0x%llx is free: filling the VM table hands it out",
		  (unsigned long long)z);
}

/* 4095 shares of one page (MM_MAX_SHARES in docs/memory.md), then PERM_DENIED. */
static void share_limit(void)
{
	uint64_t S = vmm_alloc(1), sm = vmm_mdl_one(S, PAGE), dm = vmm_alloc(1), st = 0;
	unsigned n;

	vmm_mdl_set_num(dm, 1);
	for (n = 0; n < 4096; n++) {
		vmm_mdl_set_entry(dm, 0, 0x10000000ull + (uint64_t)n * PAGE, PAGE, 0);
		if ((st = vmm_map_mdl(EXP_ROOT_VMID, sm, vm_b, dm, EXP_GPA_FLAG_READ_ACCESS)) != EXP_STATUS_SUCCESS)
			break;
	}
	check_eq("share-limit-count", I_MAP ",MV_STATUS_SUCCESS", 4095, n,
		 "one page can be shared 4095 times at once (docs/memory.md)");
	vmm_check_st("share-limit-denied", I_MAP, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "the 4096th share is refused with PERM_DENIED, nothing changed");
}

/* The longest chain (E-24: 16 MDL pages, so 16 x 169 = 2704 entries) is read
 * and checked whole.  Its entries are one page each, every one touching the
 * next in address order, listed in a scattered order (entry j at slot
 * 7j mod 2704): touching ranges do not overlap, so REG2 is valid and a
 * destination one page short is PARAMS4; the same chain with its very last
 * entry grown to two pages overlaps the range after it in address order
 * (listed on another MDL page) and is PARAMS2. */
#define CHAIN_PAGES 16u
#define CHAIN_N (CHAIN_PAGES * EXP_MDL_MAP_MAX_NUM_ENTRIES)
#define CHAIN_GPA 0x40000000ull /* 1 GiB: the entries are never used as memory */

static void longest_chain(void)
{
	const uint64_t m = vmm_alloc(CHAIN_PAGES), n = EXP_MDL_MAP_MAX_NUM_ENTRIES;

	for (uint64_t j = 0; j < CHAIN_N; j++)
		vmm_mdl_set_entry(m + (j / n) * PAGE, (unsigned)(j % n),
				  CHAIN_GPA + ((j * 7) % CHAIN_N) * PAGE, PAGE, 0);
	for (uint64_t k = 0; k < CHAIN_PAGES; k++) {
		vmm_mdl_set_num(m + k * PAGE, n);
		vmm_mdl_set_next(m + k * PAGE, k + 1 < CHAIN_PAGES ? m + (k + 1) * PAGE : 0);
	}
	hostile("chain-16-pages-touching", I_MAP, EXP_HC_MAP_MDL, 0, m, vm_b,
		vmm_mdl_one(X, (CHAIN_N - 1) * PAGE), RW, EXP_STATUS_INVALID_PARAMS4,
		"a source chain of 16 full MDL pages (2704 one-page entries, each touching the next "
		"in address order: no overlap) and a destination one page shorter");
	const uint64_t last = CHAIN_N - 1;
	vmm_mdl_set_entry(m + (CHAIN_PAGES - 1) * PAGE, (unsigned)(last % n),
			  CHAIN_GPA + ((last * 7) % CHAIN_N) * PAGE, 2 * PAGE, 0);
	hostile("chain-16-pages-last-overlaps", I_MAP, EXP_HC_MAP_MDL, 0, m, vm_b,
		vmm_mdl_one(X, (CHAIN_N + 1) * PAGE), RW, EXP_STATUS_INVALID_PARAMS2,
		"the same chain with its 2704th entry two pages long: it overlaps the entry after "
		"it in address order, listed on another MDL page");
}

/* A page the root only borrows, read-only (a guest's page shared into the
 * root): an MDL there is refused, the chain must live in pages the root
 * owns (E-24, docs/memory.md); and the hypervisor writes nothing there for
 * the root (get_fpu into it is PARAMS2).  The MDL is written before its
 * page is donated to B, which shares the page back into the root at GPA R. */
static void mdl_in_borrowed_page(void)
{
	const uint64_t yb = 0xE00000, R = 0x4000000000ull; /* 256 GiB: a free GPA of the root */
	uint64_t page = vmm_alloc(1), bm = vmm_mdl_one(yb, PAGE), rm = vmm_mdl_one(R, PAGE);

	vmm_mdl_set_num(page, 1); /* a valid MDL (the page is zeroed): the root's page P */
	vmm_mdl_set_entry(page, 0, P, PAGE, 0);
	if (vmm_map_range(vm_b, page, yb, PAGE, RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS ||
	    vmm_map_mdl(vm_b, bm, EXP_ROOT_VMID, rm, EXP_GPA_FLAG_READ_ACCESS) != EXP_STATUS_SUCCESS)
		probe_error("cannot donate a page to B and have B share it into the root");
	hostile("src-mdl-borrowed", I_MAP, EXP_HC_MAP_MDL, 0, R, vm_b, vmm_mdl_one(X, PAGE), RW,
		EXP_STATUS_INVALID_PARAMS2,
		"source MDL (a valid one) in a page the root borrows from B, not its own");
	struct hc_regs o;
	vmm_check_st("get-fpu-into-borrowed-ro", "mv_vps_op_get_fpu", EXP_STATUS_INVALID_PARAMS2,
		     hc_call(EXP_HC_VPS(EXP_IDX_GET_FPU), HC_LOAD(&o, vmm_handle, g.vpsid, R)),
		     "get_fpu of the agent's VPS into that page, which the root may only read");
	if (vmm_unmap_mdl(vm_b, bm, EXP_ROOT_VMID, rm) != EXP_STATUS_SUCCESS ||
	    vmm_unmap_range(vm_b, page, yb, PAGE) != EXP_STATUS_SUCCESS)
		probe_error("cannot undo B's share into the root and the donation");
}

void probe_main(void)
{
	uint64_t r, a;

	vmm_init(true);
	vmm_guest_new(&g, "mdl guest");
	if (vmm_guest_run(&g, G_NOP, 0, 0, &r, &a) != EXP_STATUS_SUCCESS || r != EXP_EXIT_HLT)
		probe_error("the guest agent does not reach its first HLT (%s)", vmm_exit_name(r));
	if (vmm_vm_create(&vm_b) != EXP_STATUS_SUCCESS)
		probe_error("cannot create VM B");
	P = vmm_alloc(1);
	round_trips();
	chained();
	hostile_mdls();
	max_entries();
	longest_chain();
	mdl_in_borrowed_page();
	exhaust();
	donate_shared_out();
	guest_shares();
	zombie_destroy();
	share_limit();
	vmm_check_st("vm-b-destroy", "mv_vm_op_destroy_vm", EXP_STATUS_SUCCESS, vmm_vm_destroy(vm_b),
		 "VM B with its 4095 shared-in mappings is destroyed");
	check_eq("vm-b-destroy-returns", "mv_vm_op_destroy_vm,mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		 (vmm_vm_create(&vm_b) == EXP_STATUS_SUCCESS ? 0 : 1) | vmm_map_range(vm_b, P, X, PAGE, RW),
		 "afterwards a new VM can borrow the root's pages again");
}
