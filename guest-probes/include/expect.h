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

/* ==== Hypercall ABI beyond the foundation (spec 1.6.4, 1.6.5, 6.10-6.13;
 * docs/spec-errata.md E-05, E-09, E-12, E-15..E-21; docs/vps-abi.md;
 * docs/exit-reasons.md; docs/limits.md).  Written by hand. ============== */

#define EXP_HC_CREATE_VM        EXP_HC(EXP_OP_VM, EXP_IDX_CREATE_VM)
#define EXP_HC_DESTROY_VM       EXP_HC(EXP_OP_VM, EXP_IDX_DESTROY_VM)
#define EXP_HC_SET_GPA_FLAGS_MDL EXP_HC(EXP_OP_VM, EXP_IDX_SET_GPA_FLAGS_MDL)
#define EXP_HC_MAP_MDL          EXP_HC(EXP_OP_VM, EXP_IDX_MAP_MDL)
#define EXP_HC_UNMAP_MDL        EXP_HC(EXP_OP_VM, EXP_IDX_UNMAP_MDL)
#define EXP_HC_CREATE_VP        EXP_HC(EXP_OP_VP, EXP_IDX_CREATE_VP)
#define EXP_HC_DESTROY_VP       EXP_HC(EXP_OP_VP, EXP_IDX_DESTROY_VP)
#define EXP_HC_VP_VMID          EXP_HC(EXP_OP_VP, EXP_IDX_VP_VMID)
#define EXP_HC_VP_VPID          EXP_HC(EXP_OP_VP, EXP_IDX_VP_VPID)
#define EXP_HC_VPS(idx)         EXP_HC(EXP_OP_VPS, idx)
#define EXP_HC_RUN_VP           EXP_HC(EXP_OP_VP_MANAGEMENT, EXP_IDX_RUN_VP)

/* IDs (spec 1.7, 3.1, 4.1): 16 bits. */
#define EXP_INVALID_ID          0xFFFFu
#define EXP_BS_PPID             0u

/* Capacity (docs/limits.md, E-15): 16 VMs with the root, so 15 guests;
 * 64 VPs and 64 VPSs with the root's (one per PP). */
#define EXP_MAX_VMS             16u
#define EXP_MAX_GUEST_VMS       15u
#define EXP_MAX_VPS             64u
#define EXP_MAX_VPSS            64u
/* set_cpuid: 16 entries per VPS (docs/vps-abi.md). */
#define EXP_VPS_MAX_CPUID       16u

/* GPA flags (spec 1.6.4, E-12). */
#define EXP_GPA_R               (1ull << 0)
#define EXP_GPA_W               (1ull << 1)
#define EXP_GPA_X               (1ull << 2)
#define EXP_GPA_DONATE          (1ull << 3)
#define EXP_GPA_ZOMBIE          (1ull << 4)
#define EXP_GPA_UC              (1ull << 8)
#define EXP_GPA_WT              (1ull << 12)
#define EXP_GPA_WB              (1ull << 13)
#define EXP_GPA_REVZ_MASK       0xFFFFFFFFFFFF80E0ull

/* MDL (spec 1.6.5 with E-05). */
#define EXP_MDL_MAX_ENTRIES     169u
#define EXP_MDL_OFF_NUM         0x00u
#define EXP_MDL_OFF_NEXT        0x08u
#define EXP_MDL_OFF_REVZ        0x10u
#define EXP_MDL_OFF_ENTRIES     0x28u
#define EXP_MDL_ENTRY_SIZE      24u

/* bf_reg_t (E-09, docs/vps-abi.md: the listed order from 1). */
#define EXP_REG_UNSUPPORTED     0u
#define EXP_REG_RAX             1u
#define EXP_REG_RBX             2u
#define EXP_REG_RCX             3u
#define EXP_REG_RDX             4u
#define EXP_REG_RBP             5u
#define EXP_REG_RSI             6u
#define EXP_REG_RDI             7u
#define EXP_REG_R8              8u
#define EXP_REG_R15             15u
#define EXP_REG_RSP             16u
#define EXP_REG_RIP             17u
#define EXP_REG_RFLAGS          18u
#define EXP_REG_GDTR_BASE       19u
#define EXP_REG_GDTR_LIMIT      20u
#define EXP_REG_IDTR_BASE       21u
#define EXP_REG_IDTR_LIMIT      22u
#define EXP_REG_ES              23u     /* then base, limit, attrib */
#define EXP_REG_CS              27u
#define EXP_REG_CS_ATTRIB       30u
#define EXP_REG_SS              31u
#define EXP_REG_DS              35u
#define EXP_REG_FS              39u
#define EXP_REG_GS              43u
#define EXP_REG_LDTR            47u
#define EXP_REG_TR              51u
#define EXP_REG_CR0             55u
#define EXP_REG_CR2             56u
#define EXP_REG_CR3             57u
#define EXP_REG_CR4             58u
#define EXP_REG_CR8             59u
#define EXP_REG_DR6             60u
#define EXP_REG_DR7             61u
#define EXP_REG_EFER            62u
#define EXP_REG_INVALID         63u

/* Supported MSRs (docs/vps-abi.md): 12, in this order; feature list empty. */
#define EXP_NUM_SUPPORTED_MSRS  12u
#define EXP_SUPPORTED_MSRS                                                     \
	{ 0x174u, 0x175u, 0x176u, 0x277u, 0xC0000080u, 0xC0000081u,            \
	  0xC0000082u, 0xC0000083u, 0xC0000084u, 0xC0000100u, 0xC0000101u,     \
	  0xC0000102u }
#define EXP_NUM_FEATURE_MSRS    0u
#define EXP_MSR_LSTAR           0xC0000082u
#define EXP_MSR_STAR            0xC0000081u
#define EXP_MSR_KERNEL_GS_BASE  0xC0000102u
#define EXP_MSR_APIC_BASE       0x1Bu   /* not in the list */
#define EXP_MSR_IA32_TSC        0x10u

/* XSAVE image of get_xsave: XSTATE_BV at byte 512 = x87|SSE. */
#define EXP_XSAVE_XSTATE_BV     0x3ull

/* set_identity_map (docs/vps-abi.md): 3 pages, first 1 GiB, 64-bit. */
#define EXP_IDMAP_PAGES         3u
#define EXP_IDMAP_LIMIT         0x40000000ull
#define EXP_EFER_LMA            (1ull << 10)
#define EXP_EFER_LME            (1ull << 8)
#define EXP_CR0_PG              (1ull << 31)
#define EXP_CR4_PAE             (1ull << 5)

/* Exit reasons (spec 6.13.3) and REG1 (docs/exit-reasons.md). */
#define EXP_EXIT_EXTERNAL_INTERRUPT     0u
#define EXP_EXIT_YIELD                  1u
#define EXP_EXIT_RETRY                  2u
#define EXP_EXIT_HLT                    3u
#define EXP_EXIT_FAULT                  4u
#define EXP_EXIT_SYNC_TSC               5u
#define EXP_EXIT_SUSPEND                6u
#define EXP_FAULT_KIND_SHIFT            56
#define EXP_FAULT_SLPT                  1ull
#define EXP_FAULT_TRIPLE                2ull
#define EXP_FAULT_IO                    3ull
#define EXP_FAULT(kind, detail)         (((uint64_t)(kind) << 56) | ((uint64_t)(detail) & 0x00FFFFFFFFFFFFFFull))
#define EXP_PM1A_CNT_PORT               0x604u
#define EXP_PM1_SLP_EN                  (1u << 13)
#define EXP_PM1_SLP_TYP_SHIFT           10

/* Values set_reg / set_msr refuse with PARAMS3 (docs/vps-abi.md "Values
 * refused", E-32): a sample of each kind. */
#define EXP_NONCANONICAL        0x8000000000000000ull
#define EXP_RFLAGS_FIXED1       0x2ull          /* bit 1 reads as 1 */
#define EXP_EFER_RESERVED       (1ull << 1)     /* a reserved EFER bit */
#define EXP_CR8_MAX             15ull
#define EXP_SELECTOR_MAX        0xFFFFull
#define EXP_MSR_PAT             0x277u
#define EXP_MSR_EFER            0xC0000080u
#define EXP_PAT_RESET           0x0007040600070406ull   /* WB WT UC- UC, twice */
#define EXP_PAT_WITH_TYPE2      0x0007040600070402ull   /* entry 0 = 2: reserved */

/* Pool exhaustion (E-30) and destroy as a continuation (E-31). */
#define EXP_HC_DESTROY_VM_SCC   EXP_RAX(EXP_HC_SIG, EXP_HC_FLAG_SCC, EXP_OP_VM, EXP_IDX_DESTROY_VM)
#define EXP_HC_DESTROY_VM_SCC_VAL 0x764D000100020001ULL /* the spot value */

/* Root VM stops (docs/exit-reasons.md). */
#define EXP_CONSOLE_ROOT_STOPPED        "[hv] root VM stopped on pp "

#endif /* PROBE_EXPECT_H */
