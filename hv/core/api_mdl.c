/*
 * 6.10.4-6.10.6 MDL memory hypercalls.
 *
 * NOT IMPLEMENTED YET (issue "The whole hypercall ABI"): they answer
 * MV_STATUS_FAILURE_UNSUPPORTED, and the conformance matrix shows them as
 * not-covered.  Argument checks happen before anything else, as everywhere.
 */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/vm.h>

static struct hv_ret mdl_unimplemented(const struct hv_caller *c)
{
	if (!vm_is_root(c->vm))
		return hv_ret_status(MV_STATUS_INVALID_PERM_EXT);
	return hv_ret_status(MV_STATUS_FAILURE_UNSUPPORTED);
}

struct hv_ret api_vm_map_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			     uint64_t dst_vmid, uint64_t dst_mdl, uint64_t flags)
{
	(void)src_vmid, (void)src_mdl, (void)dst_vmid, (void)dst_mdl, (void)flags;
	return mdl_unimplemented(c);
}

struct hv_ret api_vm_unmap_mdl(const struct hv_caller *c, uint64_t src_vmid, uint64_t src_mdl,
			       uint64_t dst_vmid, uint64_t dst_mdl)
{
	(void)src_vmid, (void)src_mdl, (void)dst_vmid, (void)dst_mdl;
	return mdl_unimplemented(c);
}

struct hv_ret api_vm_set_gpa_flags_mdl(const struct hv_caller *c, uint64_t src_vmid,
				       uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl,
				       uint64_t flags)
{
	(void)src_vmid, (void)src_mdl, (void)dst_vmid, (void)dst_mdl, (void)flags;
	return mdl_unimplemented(c);
}
