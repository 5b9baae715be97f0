/*
 * Guest snippets (vmm.h): the page a probe's position-independent guest
 * code runs from, and one run of it through the agent's G_EXEC that must
 * end with the agent's HLT (probes crexit, insnexit).
 */
#include "vmm.h"

volatile uint8_t *vmm_snippet_page(const struct guest *g, const char *start, const char *end,
				   uint64_t data_off, uint64_t gpa)
{
	uint64_t size = (uint64_t)(end - start);
	uint64_t p = vmm_alloc(1);
	volatile uint8_t *page = vmm_gpa_ptr(p);

	for (unsigned i = 0; i < 0x1000; i++)
		page[i] = 0;
	for (uint64_t i = 0; i < size && i < data_off; i++)
		page[i] = (uint8_t)start[i];
	check_eq("snippet-fits", "none", 1, size <= data_off,
		 "the snippet (%llu bytes) fits below its data", (unsigned long long)size);
	vmm_check_st("share-snippet", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(g->vmid, p, gpa, 0x1000, EXP_GPA_RW | EXP_GPA_FLAG_EXECUTE_ACCESS),
		     "share the snippet's page with the guest (RWX)");
	return page;
}

bool vmm_snippet_exec(struct guest *g, const char *id, uint64_t gpa)
{
	uint64_t r = ~0ull, a = ~0ull;
	uint64_t st = vmm_guest_run(g, G_EXEC, (uint64_t[]){ gpa }, 1, &r, &a);

	if (st == EXP_STATUS_SUCCESS && r == EXP_EXIT_HLT && g->mb->res[0] == 1)
		return true;
	check_tok(id, "mv_vp_run_vp,mv_vp_exit_t_hlt", "hlt", st != EXP_STATUS_SUCCESS ?
		  vmm_status_name(st) : rt_fmt("%s-0x%llx", vmm_exit_name(r), (unsigned long long)a),
		  false, "the guest's run ends with the agent's HLT");
	vmm_guest_reset(g);
	return false;
}
