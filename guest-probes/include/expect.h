/*
 * The probes' oracle: every value a probe checks, written by hand from the
 * spec (shared/seeds/004_...) and docs/decisions-for-helpers.md.
 *
 * Deliberately independent of include/microv and hv/: a wrong constant in
 * the ABI header or the core must show up as a failed check, not be copied
 * into the expectation.  Do not include the hypervisor's headers here.
 */
#ifndef PROBE_EXPECT_H
#define PROBE_EXPECT_H

#include <stdint.h>

/* ---- RAX layout: sig[63:48] flags[47:32] op[31:16] idx[15:0] ---------- */
#define EXP_HC_SIG              0x764DULL       /* "Mv" */
#define EXP_HC_FLAG_SCC         0x0001ULL       /* flags bit 0 == RAX bit 32 */
#define EXP_RAX(sig, flags, op, idx)                                           \
	((((uint64_t)(sig) & 0xFFFF) << 48) | (((uint64_t)(flags) & 0xFFFF) << 32) | \
	 (((uint64_t)(op) & 0xFFFF) << 16) | ((uint64_t)(idx) & 0xFFFF))
#define EXP_HC(op, idx)         EXP_RAX(EXP_HC_SIG, 0, op, idx)

/* Spot values from the spec's tables, cross-checked against EXP_HC below. */
#define EXP_HC_SIG_VAL          0x764D000000000000ULL
#define EXP_HANDLE_OP_VAL       0x764D000000010000ULL
#define EXP_VM_OP_VAL           0x764D000000020000ULL
#define EXP_VPS_OP_VAL          0x764D000000040000ULL

/* ---- Opcodes ---------------------------------------------------------- */
#define EXP_OP_DEBUG            0x0
#define EXP_OP_HANDLE           0x1
#define EXP_OP_VM               0x2
#define EXP_OP_VP               0x3
#define EXP_OP_VPS              0x4
#define EXP_OP_VP_MANAGEMENT    0x8

/* ---- Indices ---------------------------------------------------------- */
#define EXP_IDX_DEBUG_OUT               0
#define EXP_IDX_OPEN_HANDLE             0
#define EXP_IDX_CLOSE_HANDLE            1
#define EXP_IDX_CREATE_VM               0
#define EXP_IDX_DESTROY_VM              1
#define EXP_IDX_VM_VMID                 2
#define EXP_IDX_SET_GPA_FLAGS_MDL       3
#define EXP_IDX_MAP_MDL                 4
#define EXP_IDX_UNMAP_MDL               5
#define EXP_IDX_CREATE_VP               0
#define EXP_IDX_DESTROY_VP              1
#define EXP_IDX_VP_VMID                 2
#define EXP_IDX_VP_VPID                 3
#define EXP_IDX_CREATE_VPS              0
#define EXP_IDX_DESTROY_VPS             1
#define EXP_IDX_GET_CPUID               2
#define EXP_IDX_SET_CPUID               3
#define EXP_IDX_GET_REG                 4
#define EXP_IDX_SET_REG                 5
#define EXP_IDX_GET_MSR                 6
#define EXP_IDX_SET_MSR                 7
#define EXP_IDX_GET_SUPPORTED_MSRS      8
#define EXP_IDX_GET_SUPPORTED_FEATURE_MSRS 9
#define EXP_IDX_GET_FPU                 10
#define EXP_IDX_SET_FPU                 11
#define EXP_IDX_GET_XSAVE               12
#define EXP_IDX_SET_XSAVE               13
#define EXP_IDX_VIRT_TO_PHYS            14
#define EXP_IDX_QUEUE_IRQ               15
#define EXP_IDX_SET_IDENTITY_MAP        16
#define EXP_IDX_GET_TSC_KHZ             17
#define EXP_IDX_RUN_VP                  2

/* Number of indices per opcode: the first unknown index of each. */
#define EXP_NUM_IDX_DEBUG       1
#define EXP_NUM_IDX_HANDLE      2
#define EXP_NUM_IDX_VM          6
#define EXP_NUM_IDX_VP          4
#define EXP_NUM_IDX_VPS         18

/* ---- Full RAX values of the hypercalls the probes use ----------------- */
#define EXP_HC_DEBUG_OUT        EXP_HC(EXP_OP_DEBUG, EXP_IDX_DEBUG_OUT)
#define EXP_HC_OPEN_HANDLE      EXP_HC(EXP_OP_HANDLE, EXP_IDX_OPEN_HANDLE)
#define EXP_HC_CLOSE_HANDLE     EXP_HC(EXP_OP_HANDLE, EXP_IDX_CLOSE_HANDLE)
#define EXP_HC_VM_VMID          EXP_HC(EXP_OP_VM, EXP_IDX_VM_VMID)

/* ---- Status codes (spec 6.4) ------------------------------------------ */
#define EXP_STATUS_SUCCESS                      0x0000000000000000ULL
#define EXP_STATUS_FAILURE_UNKNOWN              0xDEAD000000010001ULL
#define EXP_STATUS_FAILURE_UNSUPPORTED          0xDEAD000000020001ULL
#define EXP_STATUS_FAILURE_INVALID_HANDLE       0xDEAD000000040001ULL
#define EXP_STATUS_INVALID_PERM_EXT             0xDEAD000000010002ULL
#define EXP_STATUS_INVALID_PERM_DENIED          0xDEAD000000020002ULL
#define EXP_STATUS_INVALID_PARAMS0              0xDEAD000000010003ULL
#define EXP_STATUS_INVALID_PARAMS1              0xDEAD000000020003ULL
#define EXP_STATUS_INVALID_PARAMS2              0xDEAD000000040003ULL
#define EXP_STATUS_INVALID_PARAMS3              0xDEAD000000080003ULL
#define EXP_STATUS_INVALID_PARAMS4              0xDEAD000000100003ULL
#define EXP_STATUS_INVALID_PARAMS5              0xDEAD000000200003ULL
#define EXP_STATUS_RETRY_CONTINUATION           0xDEAD000000100004ULL

/* ---- Handles (spec 1.6.1, 6.9) ---------------------------------------- */
#define EXP_SPEC_ID1            0x3123764DULL   /* "Mv#1" */

/* ---- CPUID (spec 2.1, 2.2; decisions) --------------------------------- */
#define EXP_CPUID_FEATURES_LEAF         0x00000001u
#define EXP_CPUID_HV_PRESENT_BIT        31
#define EXP_CPUID_HV_BASE_LEAF          0x40000000u
#define EXP_CPUID_MAX_LEAF              0x40000202u     /* this hypervisor */
#define EXP_CPUID_MIN_LEAF_VAL          0x40000202u     /* discovery range */
#define EXP_CPUID_MAX_LEAF_VAL          0x4000FFFFu
#define EXP_CPUID_INIT_VAL              0x40000200u     /* scan start */
#define EXP_CPUID_INC_VAL               0x100u
#define EXP_CPUID_LAST_LEAF             0x4000FFFFu     /* end of the block */
#define EXP_CPUID_XX00                  0x40000200u     /* where MicroV is */
#define EXP_CPUID_XX01                  0x40000201u
#define EXP_CPUID_XX02                  0x40000202u

#define EXP_CPUID_VENDOR_ID1            0x694D764Du     /* EBX of XX00 */
#define EXP_CPUID_VENDOR_ID2            0x566F7263u     /* ECX of XX00 */
#define EXP_CPUID_XX00_EAX              0u
#define EXP_CPUID_XX00_EDX              0u
#define EXP_CPUID_XX01_EAX              0x00000001u     /* bit 0: Mv#1 */
#define EXP_CPUID_XX01_EBX              0u
#define EXP_CPUID_XX01_ECX              0u
#define EXP_CPUID_XX01_EDX              0u
#define EXP_CPUID_XX02_EAX              0u
#define EXP_CPUID_XX02_ECX              0u
#define EXP_CPUID_HV_BASE_EBX           0u
#define EXP_CPUID_HV_BASE_ECX           0u
#define EXP_CPUID_HV_BASE_EDX           0u
#define EXP_CPUID_OTHER                 0u      /* every register of other leaves */

/* XX02 EBX = (year << 16) | month; build parameters, so a range. */
#define EXP_CPUID_VER_YEAR_MIN          2021u
#define EXP_CPUID_VER_YEAR_MAX          2099u
#define EXP_CPUID_VER_MONTH_MIN         1u
#define EXP_CPUID_VER_MONTH_MAX         12u

/* ---- Console ---------------------------------------------------------- */
/* mv_debug_op_out prints this line (printf format: vmid, vpid, R10, R11). */
#define EXP_CONSOLE_DEBUG_OUT   "[hv] debug_out vm=%u vp=%u: 0x%016llx 0x%016llx"
#define EXP_ROOT_VMID           0u
#define EXP_ROOT_VPID           0u

/* ---- Exceptions -------------------------------------------------------- */
#define EXP_VECTOR_UD           6u

/* ---- Protocol ---------------------------------------------------------- */
#define EXP_MB_LOADER_MAGIC     0x2BADB002u
#define EXP_EXIT_PORT           0xF4u

#endif /* PROBE_EXPECT_H */
