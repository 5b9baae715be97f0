/*
 * The ABI item catalogue: every hypercall, status code, CPUID leaf and exit
 * reason of the ABI, as X-macro lists.
 *
 * These lists are what the conformance matrix is made of (one row per item,
 * conformance/abi_items.c prints them), what the core's dispatch table is
 * checked against (hv/tests), and what the wrappers in mv_hypercall.h cover.
 * An item added here appears in the matrix, `not-covered` until a probe
 * checks it.
 */
#ifndef MICROV_MV_CATALOG_H
#define MICROV_MV_CATALOG_H

#include <microv/mv_abi.h>

/* X(name, opcode, index) */
#define MV_CATALOG_HYPERCALLS(X)                                                        \
	X(mv_debug_op_out, MV_DEBUG_OP_VAL, MV_DEBUG_OP_OUT_IDX_VAL)                     \
	X(mv_handle_op_open_handle, MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL)  \
	X(mv_handle_op_close_handle, MV_HANDLE_OP_VAL, MV_HANDLE_OP_CLOSE_IDX_VAL)       \
	X(mv_vm_op_create_vm, MV_VM_OP_VAL, MV_VM_OP_CREATE_VM_IDX_VAL)                  \
	X(mv_vm_op_destroy_vm, MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL)                \
	X(mv_vm_op_vmid, MV_VM_OP_VAL, MV_VM_OP_VMID_IDX_VAL)                            \
	X(mv_vm_op_set_gpa_flags_mdl, MV_VM_OP_VAL, MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL)  \
	X(mv_vm_op_map_mdl, MV_VM_OP_VAL, MV_VM_OP_MAP_MDL_IDX_VAL)                      \
	X(mv_vm_op_unmap_mdl, MV_VM_OP_VAL, MV_VM_OP_UNMAP_MDL_IDX_VAL)                  \
	X(mv_vp_op_create_vp, MV_VP_OP_VAL, MV_VP_OP_CREATE_VP_IDX_VAL)                  \
	X(mv_vp_op_destroy_vp, MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL)                \
	X(mv_vp_op_vmid, MV_VP_OP_VAL, MV_VP_OP_VMID_IDX_VAL)                            \
	X(mv_vp_op_vpid, MV_VP_OP_VAL, MV_VP_OP_VPID_IDX_VAL)                            \
	X(mv_vps_op_create_vps, MV_VPS_OP_VAL, MV_VPS_OP_CREATE_VPS_IDX_VAL)             \
	X(mv_vps_op_destroy_vps, MV_VPS_OP_VAL, MV_VPS_OP_DESTROY_VPS_IDX_VAL)           \
	X(mv_vps_op_get_cpuid, MV_VPS_OP_VAL, MV_VPS_OP_GET_CPUID_IDX_VAL)               \
	X(mv_vps_op_set_cpuid, MV_VPS_OP_VAL, MV_VPS_OP_SET_CPUID_IDX_VAL)               \
	X(mv_vps_op_get_reg, MV_VPS_OP_VAL, MV_VPS_OP_GET_REG_IDX_VAL)                   \
	X(mv_vps_op_set_reg, MV_VPS_OP_VAL, MV_VPS_OP_SET_REG_IDX_VAL)                   \
	X(mv_vps_op_get_msr, MV_VPS_OP_VAL, MV_VPS_OP_GET_MSR_IDX_VAL)                   \
	X(mv_vps_op_set_msr, MV_VPS_OP_VAL, MV_VPS_OP_SET_MSR_IDX_VAL)                   \
	X(mv_vps_op_get_supported_msrs, MV_VPS_OP_VAL, MV_VPS_OP_GET_SUPPORTED_MSRS_IDX_VAL) \
	X(mv_vps_op_get_supported_feature_msrs, MV_VPS_OP_VAL,                           \
	  MV_VPS_OP_GET_SUPPORTED_FEATURE_MSRS_IDX_VAL)                                  \
	X(mv_vps_op_get_fpu, MV_VPS_OP_VAL, MV_VPS_OP_GET_FPU_IDX_VAL)                   \
	X(mv_vps_op_set_fpu, MV_VPS_OP_VAL, MV_VPS_OP_SET_FPU_IDX_VAL)                   \
	X(mv_vps_op_get_xsave, MV_VPS_OP_VAL, MV_VPS_OP_GET_XSAVE_IDX_VAL)               \
	X(mv_vps_op_set_xsave, MV_VPS_OP_VAL, MV_VPS_OP_SET_XSAVE_IDX_VAL)               \
	X(mv_vps_op_virt_to_phys, MV_VPS_OP_VAL, MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL)         \
	X(mv_vps_op_queue_irq, MV_VPS_OP_VAL, MV_VPS_OP_QUEUE_IRQ_IDX_VAL)               \
	X(mv_vps_op_set_identity_map, MV_VPS_OP_VAL, MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL) \
	X(mv_vps_op_get_tsc_khz, MV_VPS_OP_VAL, MV_VPS_OP_GET_TSC_KHZ_IDX_VAL)           \
	X(mv_vp_run_vp, MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL)

/* X(name, value) */
#define MV_CATALOG_STATUS(X)                                                   \
	X(MV_STATUS_SUCCESS, MV_STATUS_SUCCESS)                                \
	X(MV_STATUS_FAILURE_UNKNOWN, MV_STATUS_FAILURE_UNKNOWN)                \
	X(MV_STATUS_FAILURE_UNSUPPORTED, MV_STATUS_FAILURE_UNSUPPORTED)        \
	X(MV_STATUS_FAILURE_INVALID_HANDLE, MV_STATUS_FAILURE_INVALID_HANDLE)  \
	X(MV_STATUS_INVALID_PERM_EXT, MV_STATUS_INVALID_PERM_EXT)              \
	X(MV_STATUS_INVALID_PERM_DENIED, MV_STATUS_INVALID_PERM_DENIED)        \
	X(MV_STATUS_INVALID_PARAMS0, MV_STATUS_INVALID_PARAMS0)                \
	X(MV_STATUS_INVALID_PARAMS1, MV_STATUS_INVALID_PARAMS1)                \
	X(MV_STATUS_INVALID_PARAMS2, MV_STATUS_INVALID_PARAMS2)                \
	X(MV_STATUS_INVALID_PARAMS3, MV_STATUS_INVALID_PARAMS3)                \
	X(MV_STATUS_INVALID_PARAMS4, MV_STATUS_INVALID_PARAMS4)                \
	X(MV_STATUS_INVALID_PARAMS5, MV_STATUS_INVALID_PARAMS5)                \
	X(MV_STATUS_RETRY_CONTINUATION, MV_STATUS_RETRY_CONTINUATION)

/*
 * X(name, leaf, register): CPUID leaves by output register, named after the
 * spec's sections; XX is the MicroV block found by the discovery scan (this
 * hypervisor: 02).  CPUID_4000_XXXX_OTHER (project) stands for every other
 * leaf in 0x40000000-0x4000FFFF, whose behaviour E-13 defines.
 */
#define MV_CATALOG_CPUID(X)                                                    \
	X(CPUID_0000_0001_ECX, 0x00000001, ecx)                                \
	X(CPUID_4000_0000_EAX, 0x40000000, eax)                                \
	X(CPUID_4000_XX00_EBX, 0x40000200, ebx)                                \
	X(CPUID_4000_XX00_ECX, 0x40000200, ecx)                                \
	X(CPUID_4000_XX00_EDX, 0x40000200, edx)                                \
	X(CPUID_4000_XX01_EAX, 0x40000201, eax)                                \
	X(CPUID_4000_XX01_EBX, 0x40000201, ebx)                                \
	X(CPUID_4000_XX01_ECX, 0x40000201, ecx)                                \
	X(CPUID_4000_XX01_EDX, 0x40000201, edx)                                \
	X(CPUID_4000_XX02_EAX, 0x40000202, eax)                                \
	X(CPUID_4000_XX02_EBX, 0x40000202, ebx)                                \
	X(CPUID_4000_XX02_ECX, 0x40000202, ecx)                                \
	X(CPUID_4000_XX02_EDX, 0x40000202, edx)                                \
	X(CPUID_4000_XXXX_OTHER, 0x40000000, all)

/* X(name, value) */
#define MV_CATALOG_EXIT_REASONS(X)                                             \
	X(mv_vp_exit_t_external_interrupt, mv_vp_exit_t_external_interrupt)    \
	X(mv_vp_exit_t_yield, mv_vp_exit_t_yield)                              \
	X(mv_vp_exit_t_retry, mv_vp_exit_t_retry)                              \
	X(mv_vp_exit_t_hlt, mv_vp_exit_t_hlt)                                  \
	X(mv_vp_exit_t_fault, mv_vp_exit_t_fault)                              \
	X(mv_vp_exit_t_sync_tsc, mv_vp_exit_t_sync_tsc)                        \
	X(mv_vp_exit_t_suspend, mv_vp_exit_t_suspend)

#endif /* MICROV_MV_CATALOG_H */
