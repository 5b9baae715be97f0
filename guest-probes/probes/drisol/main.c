/*
 * drisol: DR0..DR3 are a VM's own.  The root loads its DR0..DR3 (breakpoint
 * addresses; DR7 leaves them disabled), then a guest VM reads its DR0..DR3
 * and loads others (MOV DR is not intercepted: the guest runs it on the
 * processor).  The guest must find its own values (0 after reset on its
 * first run, what it loaded on its second), never the root's, and the
 * root must find its own after each run: the guest's breakpoint addresses
 * would otherwise fire in the root (with the root's DR7) and the root's
 * leak to the guest.
 */
#include "vmm.h"
#include "drisol.h"

PROBE_TITLE("DR0-DR3: the root's and a guest's are their own");

extern const char dri_snippet[], dri_snippet_end[];

static struct guest g;
static volatile uint8_t *page;
static const uint64_t page_gpa_guest = GUEST_SCRATCH_GPA;

static volatile uint64_t *data(unsigned off)
{
	return (volatile uint64_t *)(page + DRI_DATA + off);
}

static void root_set(const uint64_t v[4])
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(v[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(v[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(v[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(v[3]));
}

static void root_get(uint64_t v[4])
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(v[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(v[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(v[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(v[3]));
}

static void guest_run(const char *id, const uint64_t set[4], const uint64_t expect_seen[4])
{
	static const uint64_t root_dr[4] = { 0x401000, 0x402000, 0x403000, 0x404000 };
	uint64_t after[4];

	for (unsigned i = 0; i < 4; i++) {
		data(DRI_SET)[i] = set[i];
		data(DRI_SEEN)[i] = ~0ull;
	}
	root_set(root_dr);
	if (!vmm_snippet_exec(&g, id, page_gpa_guest))
		return;
	root_get(after);
	for (unsigned i = 0; i < 4; i++) {
		check_eq(rt_fmt("%s-guest-dr%u", id, i), "mv_vp_run_vp", expect_seen[i],
			 data(DRI_SEEN)[i], "the guest's DR%u is its own (0x%llx), not the root's 0x%llx",
			 i, (unsigned long long)expect_seen[i], (unsigned long long)root_dr[i]);
		check_eq(rt_fmt("%s-root-dr%u", id, i), "mv_vp_run_vp", root_dr[i], after[i],
			 "after the run the root's DR%u is still 0x%llx (the guest loaded 0x%llx)", i,
			 (unsigned long long)root_dr[i], (unsigned long long)set[i]);
	}
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "dr guest");
	page = vmm_snippet_page(&g, dri_snippet, dri_snippet_end, DRI_DATA, page_gpa_guest);

	static const uint64_t zero[4] = { 0, 0, 0, 0 };
	static const uint64_t guest_dr[4] = { 0x801000, 0x802000, 0x803000, 0x804000 };
	guest_run("first", guest_dr, zero);      /* reset state: DR0-DR3 are 0 */
	guest_run("second", zero, guest_dr);     /* what it loaded in the first run */
	root_set(zero);

	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
