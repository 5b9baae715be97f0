/*
 * vm: mv_vm_op_create_vm / destroy_vm / vmid (spec 6.10.1-6.10.3) with the
 * decisions of docs/spec-errata.md E-15 (16 VMs with the root), E-16
 * (root / busy VMs), E-17 (status order), E-18 (vmid from any VM).
 * A guest (the agent, module guest-agent.elf) reports its own VMID.
 */
#include "vmm.h"

PROBE_TITLE("VMs: create, destroy, vmid from root and guest, table exhaustion, REVI");

#define I_CREATE "mv_vm_op_create_vm"
#define I_DESTROY "mv_vm_op_destroy_vm"
#define I_VMID "mv_vm_op_vmid"

static bool vmid_ok(uint64_t v)
{
	return v != 0 && v < EXP_INVALID_ID;
}

#define PAGE 0x1000ull
#define CONT_PAGES 256ull             /* 1 MiB, several destroy calls' worth */
#define CONT_GPA 0x100000ull
#define I_RETRY I_DESTROY ",MV_STATUS_RETRY_CONTINUATION"

/* Every root page of [gpa, gpa + n pages) can be written and read back (a
 * page the root does not own would stop the machine instead). */
static bool root_writes(uint64_t gpa, uint64_t n, uint64_t seed)
{
	bool ok = true;

	for (uint64_t i = 0; i < n; i++)
		*(volatile uint64_t *)vmm_gpa_ptr(gpa + i * PAGE + 8) = seed ^ i;
	for (uint64_t i = 0; i < n; i++)
		ok &= *(volatile uint64_t *)vmm_gpa_ptr(gpa + i * PAGE + 8) == (seed ^ i);
	return ok;
}

/* destroy_vm (SCC) called again while the last status `st` is
 * RETRY_CONTINUATION, at most 64 times; the last status (*retries: the
 * calls made). */
static uint64_t destroy_continue(uint64_t vm, uint64_t st, unsigned *retries)
{
	struct hc_regs o;

	while (st == EXP_STATUS_RETRY_CONTINUATION && *retries < 64) {
		(*retries)++;
		st = hc_call(EXP_HC_DESTROY_VM_SCC, HC_LOAD(&o, vmm_handle, vm));
	}
	return st;
}

/* mv_vm_op_destroy_vm as a continuation (spec 6.1, E-31): with SCC the root
 * sees MV_STATUS_RETRY_CONTINUATION and calls again; without, one call. */
static void continuation(void)
{
	struct hc_regs o;
	uint64_t vm, other, vpid, st, mem = vmm_alloc(CONT_PAGES), ids[EXP_MAX_VMS + 1];
	unsigned retries = 0, n;
	bool seen = false;

	check_eq("scc-rax", I_DESTROY, EXP_HC_DESTROY_VM_SCC,
		 EXP_RAX(EXP_HC_SIG, EXP_HC_FLAG_SCC, EXP_OP_VM, EXP_IDX_DESTROY_VM),
		 "destroy_vm with the SCC flag (flags bit 0 = RAX bit 32, E-10) is RAX 0x%016llx",
		 (unsigned long long)EXP_HC_DESTROY_VM_SCC);
	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(vm, mem, CONT_GPA, CONT_PAGES * PAGE,
		      EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot create a VM and donate 1 MiB to it");

	st = hc_call(EXP_HC_DESTROY_VM_SCC, HC_LOAD(&o, vmm_handle, vm));
	vmm_check_st("scc-first", I_DESTROY, EXP_STATUS_RETRY_CONTINUATION, st,
		 "destroy_vm (SCC) of a VM holding 256 donated pages answers RETRY_CONTINUATION "
		 "(E-31: at most 64 pages per call)");
	check_eq("scc-first-regs", I_RETRY, vm, o.r[1],
		 "REG1 still names the VM, ready for the next call");
	if (st == EXP_STATUS_RETRY_CONTINUATION) {
		/* dying: a missing VM to everything but destroy_vm */
		vmm_check_st("dying-create-vp", "mv_vp_op_create_vp", EXP_STATUS_INVALID_PARAMS1,
			 vmm_vp_create(vm, &vpid), "create_vp in a VM being destroyed (as if missing)");
		vmm_check_st("dying-map", "mv_vm_op_map_mdl", EXP_STATUS_INVALID_PARAMS3,
			 vmm_map_range(vm, vmm_alloc(1), 0x800000, PAGE, EXP_GPA_FLAG_READ_ACCESS),
			 "map_mdl into a VM being destroyed (as if missing)");
		uint64_t cst = vmm_vm_create(&other);
		check_tok("dying-vmid-kept", "mv_vm_op_create_vm", rt_fmt("not-%llx", (unsigned long long)vm),
			  rt_hex(other), cst == EXP_STATUS_SUCCESS && other != vm,
			  "create_vm meanwhile does not reuse the dying VM's VMID");
		if (cst == EXP_STATUS_SUCCESS)
			vmm_vm_destroy(other);
	}
	st = destroy_continue(vm, st, &retries);
	vmm_check_st("scc-done", I_DESTROY, EXP_STATUS_SUCCESS, st,
		 "calling destroy_vm (SCC) again until it is done: SUCCESS after %u more call(s)",
		 retries);
	check_tok("scc-retries", I_RETRY, "1-63", rt_fmt("%u", retries), retries >= 1 && retries < 64,
		  "one or more continuations were needed for 256 pages");
	vmm_check_st("scc-gone", I_DESTROY, EXP_STATUS_INVALID_PARAMS1,
		 hc_call(EXP_HC_DESTROY_VM_SCC, HC_LOAD(&o, vmm_handle, vm)),
		 "once done the VM is gone: another destroy_vm is PARAMS1");
	check_tok("scc-pages-back", I_DESTROY, "writable", root_writes(mem, CONT_PAGES, 0x5CC) ?
		  "writable" : "wrong", root_writes(mem, CONT_PAGES, 0x5CC),
		  "the 256 donated pages are the root's again: it writes and reads them");
	for (n = 0; n < EXP_MAX_VMS; n++) {
		if (vmm_vm_create(&ids[n]) != EXP_STATUS_SUCCESS)
			break;
		seen |= ids[n] == vm;
	}
	check_tok("scc-vmid-free", I_DESTROY, rt_fmt("%llx-reused", (unsigned long long)vm),
		  seen ? rt_fmt("%llx-reused", (unsigned long long)vm) : "not-handed-out", seen,
		  "its VMID is free: filling the VM table hands it out again");
	for (unsigned i = 0; i < n; i++)
		vmm_vm_destroy(ids[i]);

	/* without SCC the root re-executes the VMCALL by itself: one call */
	if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(vm, mem, CONT_GPA, CONT_PAGES * PAGE,
		      EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot create a VM and donate 1 MiB to it (again)");
	st = hc_call(EXP_HC_DESTROY_VM, HC_LOAD(&o, vmm_handle, vm));
	vmm_check_st("plain-one-call", I_DESTROY, EXP_STATUS_SUCCESS, st,
		 "destroy_vm without SCC of a VM holding 256 pages: one call, SUCCESS (the "
		 "continuations are re-executed without the root seeing them)");
	check_tok("plain-pages-back", I_DESTROY, "writable", root_writes(mem, CONT_PAGES, 0xA11) ?
		  "writable" : "wrong", root_writes(mem, CONT_PAGES, 0xA11),
		  "the pages are the root's again");
	vmm_check_st("plain-gone", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, vmm_vm_destroy(vm),
		 "and the VM is gone");
}

/* A dying VM's page shared out with ZOMBIE, whose borrower is destroyed
 * between two of the lender's destroy calls (E-31): the lender's first call
 * passed the page (still shared out, so kept); the borrower's destroy drops
 * the share, which gives the page back to the root at once, since the lender
 * will not visit it again.  The lender's destroy then ends with SUCCESS (no
 * zombie: nothing is shared out any more) and every donated page is the
 * root's again. */
static void dying_lender(void)
{
	struct hc_regs o;
	uint64_t lender, holder, st, mem = vmm_alloc(CONT_PAGES);
	const uint64_t y = 0x600000;
	unsigned retries = 0;

	if (vmm_vm_create(&lender) != EXP_STATUS_SUCCESS || vmm_vm_create(&holder) != EXP_STATUS_SUCCESS ||
	    vmm_map_range(lender, mem, CONT_GPA, CONT_PAGES * PAGE,
			  EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
		probe_error("cannot create two VMs and donate 1 MiB to the first");
	st = vmm_map_mdl(lender, vmm_mdl_one(CONT_GPA, PAGE), holder, vmm_mdl_one(y, PAGE),
			 EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_ZOMBIE);
	vmm_check_st("dying-lender-share", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS, st,
		     "the VM shares its first donated page with another VM, ZOMBIE");
	st = hc_call(EXP_HC_DESTROY_VM_SCC, HC_LOAD(&o, vmm_handle, lender));
	vmm_check_st("dying-lender-first", I_DESTROY, EXP_STATUS_RETRY_CONTINUATION, st,
		     "destroy_vm (SCC) of the lender: RETRY_CONTINUATION, it is dying");
	st = vmm_map_mdl(lender, vmm_mdl_one(CONT_GPA + (CONT_PAGES - 1) * PAGE, PAGE), holder,
			 vmm_mdl_one(y + PAGE, PAGE), EXP_GPA_FLAG_READ_ACCESS);
	vmm_check_st("dying-lender-as-source", "mv_vm_op_map_mdl", EXP_STATUS_INVALID_PARAMS1, st,
		     "the dying VM shares a page it still holds (its last): refused, a dying VM is "
		     "missing as a source (E-31)");
	st = vmm_vm_destroy(holder);
	vmm_check_st("dying-lender-holder-destroyed", I_DESTROY, EXP_STATUS_SUCCESS, st,
		     "the borrower is destroyed meanwhile (its share of the dying VM's page dropped)");
	st = destroy_continue(lender, EXP_STATUS_RETRY_CONTINUATION, &retries);
	vmm_check_st("dying-lender-done", I_DESTROY, EXP_STATUS_SUCCESS, st,
		     "the lender's destroy_vm (SCC), continued, ends with SUCCESS after %u call(s)",
		     retries);
	vmm_check_st("dying-lender-gone", I_DESTROY, EXP_STATUS_INVALID_PARAMS1,
		     vmm_vm_destroy(lender), "the lender is gone, not a zombie");
	bool back = root_writes(mem, CONT_PAGES, 0xD1E);
	check_tok("dying-lender-pages-back", I_DESTROY, "writable", back ? "writable" : "wrong", back,
		  "all 256 pages, the one shared out included, are the root's again");
}

/* E-31's batch at its edge: each destroy_vm call releases at most 64 page
 * entries (HV_VM_DESTROY_BATCH), so a VM holding 64 donated pages is gone
 * after one call and one holding 65 needs exactly one more. */
#define BATCH 64u

static void batch_edge(void)
{
	struct hc_regs o;
	uint64_t mem = vmm_alloc(BATCH + 1);

	for (unsigned k = 0; k < 2; k++) {
		uint64_t vm, st;
		unsigned more = 0;

		if (vmm_vm_create(&vm) != EXP_STATUS_SUCCESS ||
		    vmm_map_range(vm, mem, CONT_GPA, (BATCH + k) * PAGE,
				  EXP_GPA_RW | EXP_GPA_FLAG_DONATE) != EXP_STATUS_SUCCESS)
			probe_error("cannot create a VM and donate %u pages to it", BATCH + k);
		st = hc_call(EXP_HC_DESTROY_VM_SCC, HC_LOAD(&o, vmm_handle, vm));
		vmm_check_st(rt_fmt("batch-%u-first", BATCH + k), I_DESTROY,
			     k ? EXP_STATUS_RETRY_CONTINUATION : EXP_STATUS_SUCCESS, st,
			     "destroy_vm (SCC) of a VM holding %u donated pages: %s", BATCH + k,
			     k ? "one entry is left after the first call's 64" : "one call releases all 64");
		st = destroy_continue(vm, st, &more);
		check_eq(rt_fmt("batch-%u-more-calls", BATCH + k), I_DESTROY ",MV_STATUS_SUCCESS", k, more,
			 "calls after the first until SUCCESS (last status 0x%llx)", (unsigned long long)st);
	}
}

void probe_main(void)
{
	struct hc_regs o;
	uint64_t st, a, b, vpid, ids[EXP_MAX_VMS + 2];
	unsigned n;

	vmm_init(true);

	/* vmid of the root. */
	st = hc_call(EXP_HC_VM_VMID, HC_LOAD(&o, vmm_handle));
	vmm_check_st("vmid-root-status", I_VMID, EXP_STATUS_SUCCESS, st, "mv_vm_op_vmid from the root");
	check_eq("vmid-root", I_VMID, EXP_ROOT_VMID, o.r[0], "the root VM's VMID is 0 (spec 1.7)");

	/* create two. */
	st = vmm_vm_create(&a);
	vmm_check_st("create-a-status", I_CREATE, EXP_STATUS_SUCCESS, st, "create_vm from the root");
	check_tok("create-a-vmid", I_CREATE, "nonzero-16bit", rt_hex(a), vmid_ok(a),
		  "the new VMID is not the root's and fits 16 bits (REG0 15:0)");
	st = vmm_vm_create(&b);
	vmm_check_st("create-b-status", I_CREATE, EXP_STATUS_SUCCESS, st, "a second create_vm");
	check_tok("create-b-distinct", I_CREATE, rt_fmt("nonzero-not-%llx", (unsigned long long)a),
		  rt_hex(b), vmid_ok(b) && b != a, "the second VMID differs from the first");

	/* destroy: root, nonexistent, REVI, twice. */
	st = hc_call(EXP_HC_DESTROY_VM, HC_LOAD(&o, vmm_handle, EXP_ROOT_VMID));
	vmm_check_st("destroy-root", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroying the root VM is refused (E-16)");
	check_eq("destroy-root-regs", I_DESTROY ",MV_STATUS_INVALID_PARAMS1", EXP_ROOT_VMID,
		 o.r[1], "a failed destroy_vm leaves REG1 unchanged (E-17)");
	st = vmm_vm_destroy(EXP_INVALID_ID);
	vmm_check_st("destroy-invalid-id", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroy_vm of MV_INVALID_ID (0xFFFF)");
	st = vmm_vm_destroy(EXP_MAX_VMS - 1 == a || EXP_MAX_VMS - 1 == b ? 13 : EXP_MAX_VMS - 1);
	vmm_check_st("destroy-nonexistent", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroy_vm of a VMID that was never created");
	st = vmm_vm_destroy(0xABCD0000ull | b);
	vmm_check_st("destroy-revi", I_DESTROY, EXP_STATUS_SUCCESS, st,
		 "destroy_vm with REG1[63:16] = 0xabcd (REVI: ignored) destroys VM 0x%llx",
		 (unsigned long long)b);
	st = vmm_vm_destroy(b);
	vmm_check_st("destroy-twice", I_DESTROY, EXP_STATUS_INVALID_PARAMS1, st,
		 "destroy_vm of an already destroyed VM");
	st = vmm_vp_create(b, &vpid);
	vmm_check_st("destroyed-gone", "mv_vp_op_create_vp", EXP_STATUS_INVALID_PARAMS1, st,
		 "a destroyed VM cannot get VPs");

	/* destroy while it has a VP. */
	st = vmm_vp_create(a, &vpid);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("create_vp in VM %llu failed: 0x%llx", (unsigned long long)a,
			    (unsigned long long)st);
	st = vmm_vm_destroy(a);
	vmm_check_st("destroy-with-vp", I_DESTROY, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "destroy_vm of a VM that still has a VP (E-16)");
	st = hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, vpid));
	check_eq("destroy-with-vp-unchanged", I_DESTROY ",MV_STATUS_INVALID_PERM_DENIED", a,
		 st == EXP_STATUS_SUCCESS ? o.r[0] : ~0ull,
		 "after the refused destroy the VP still belongs to the VM (nothing changed)");
	st = vmm_vp_destroy(vpid);
	vmm_check_st("destroy-vp-first", "mv_vp_op_destroy_vp", EXP_STATUS_SUCCESS, st,
		 "destroying its VP");
	st = vmm_vm_destroy(a);
	vmm_check_st("destroy-after-vp", I_DESTROY, EXP_STATUS_SUCCESS, st,
		 "then destroy_vm succeeds");

	/* table exhaustion: exactly 15 guests, then PERM_DENIED. */
	for (n = 0; n < EXP_MAX_VMS + 1; n++) {
		st = vmm_vm_create(&ids[n]);
		if (st != EXP_STATUS_SUCCESS)
			break;
	}
	check_eq("exhaust-count", I_CREATE ",MV_STATUS_SUCCESS", EXP_MAX_GUEST_VMS, n,
		 "create_vm succeeds exactly 15 times (16 VMs with the root, docs/limits.md)");
	vmm_check_st("exhaust-refused", I_CREATE, EXP_STATUS_INVALID_PERM_DENIED, st,
		 "the next create_vm is refused with PERM_DENIED (E-15)");
	{
		bool distinct = true;
		for (unsigned i = 0; i < n; i++) {
			distinct &= vmid_ok(ids[i]);
			for (unsigned j = 0; j < i; j++)
				distinct &= ids[i] != ids[j];
		}
		check_tok("exhaust-distinct", I_CREATE, "distinct-nonzero",
			  distinct ? "distinct-nonzero" : "duplicate-or-zero", distinct,
			  "all %u VMIDs are distinct and non-zero", n);
	}
	{
		unsigned ok = 0;
		for (unsigned i = 0; i < n; i++)
			ok += vmm_vm_destroy(ids[i]) == EXP_STATUS_SUCCESS;
		check_eq("exhaust-destroy-all", I_DESTROY ",MV_STATUS_SUCCESS", n, ok,
			 "every VM of the full table is destroyed");
	}
	st = vmm_vm_create(&a);
	vmm_check_st("create-after-exhaust", I_CREATE, EXP_STATUS_SUCCESS, st,
		 "after destroying them create_vm works again");
	if (st == EXP_STATUS_SUCCESS)
		vmm_vm_destroy(a);

	continuation();
	dying_lender();
	batch_edge();

	/* a guest's own VMID (E-18: any VM may ask). */
	{
		struct guest g;
		uint64_t reason, gh;

		vmm_guest_new(&g, "vmid guest");
		st = vmm_guest_hc(&g, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-open-handle", "mv_handle_op_open_handle", EXP_STATUS_SUCCESS, st,
			 "the guest opens its own handle (run ended with %s)", vmm_exit_name(reason));
		gh = o.r[0];
		st = vmm_guest_hc(&g, EXP_HC_VM_VMID, gh, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-vmid-status", I_VMID, EXP_STATUS_SUCCESS, st,
			 "mv_vm_op_vmid from the guest with its handle");
		check_eq("guest-vmid", I_VMID, g.vmid, o.r[0],
			 "the guest sees its own VMID (what create_vm returned)");
		st = vmm_guest_hc(&g, EXP_HC_VM_VMID, vmm_handle, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("guest-vmid-root-handle", I_VMID,
			 vmm_handle == gh ? EXP_STATUS_SUCCESS : EXP_STATUS_FAILURE_INVALID_HANDLE, st,
			 "the root's handle is not the guest's (E-14)");
		st = vmm_guest_free(&g);
		vmm_check_st("guest-destroy", I_DESTROY, EXP_STATUS_SUCCESS, st,
			 "the guest's VPS, VP and VM are destroyed (memory goes back to the root)");

		/* Its VMID comes back without the handle (E-31: a dying VM has
		 * none): the old handle is no handle of the next VM that gets the
		 * VMID, whose guest opens its own. */
		struct guest g2;
		vmm_guest_new(&g2, "vmid guest, the VMID again");
		check_eq("reused-vmid", I_CREATE, g.vmid, g2.vmid,
			 "the next VM gets the destroyed guest's VMID (the lowest free one)");
		st = vmm_guest_hc(&g2, EXP_HC_VM_VMID, gh, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("reused-vmid-old-handle", I_VMID, EXP_STATUS_FAILURE_INVALID_HANDLE, st,
			     "its guest calls vmid with the destroyed VM's handle (run ended with %s)",
			     vmm_exit_name(reason));
		st = vmm_guest_hc(&g2, EXP_HC_OPEN_HANDLE, EXP_SPEC_ID1, 0, 0, 0, 0, 0, &o, &reason);
		vmm_check_st("reused-vmid-open-handle", "mv_handle_op_open_handle", EXP_STATUS_SUCCESS, st,
			     "and opens its own handle");
		vmm_check_st("reused-vmid-destroy", I_DESTROY, EXP_STATUS_SUCCESS, vmm_guest_free(&g2),
			     "the second guest is destroyed");
	}
}
