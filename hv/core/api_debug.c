/* 6.8 mv_debug_op_out: print REG0 and REG1 on the hypervisor's console.
 * Needs no handle (E-11) and is allowed from every VM. */
#include <microv/mv_abi.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/vm.h>
#include <hv/vp.h>

struct hv_ret api_debug_out(const struct hv_caller *c, uint64_t reg0, uint64_t reg1)
{
	hv_log("debug_out vm=%u vp=%u: 0x%016llx 0x%016llx", (unsigned)c->vm->id,
	       (unsigned)c->vp->id, (unsigned long long)reg0, (unsigned long long)reg1);
	return hv_ret_status(MV_STATUS_SUCCESS);
}
