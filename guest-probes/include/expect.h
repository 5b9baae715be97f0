/*
 * The probes' oracle.
 *
 * Part 1 is the ABI description itself: expect_abi.h is generated from
 * abi/mv-abi.toml (scripts/abi-gen; the build dir's guest-probes/include,
 * ${MV_EXPECT_ABI_DIR}) and holds an EXP_ macro for every value of the
 * description: opcodes, indices, full RAX values (EXP_HC_<SHORT>), status
 * codes, flags, enums (EXP_EXIT_*, EXP_REG_*), struct layouts
 * (EXP_SIZEOF_* / EXP_OFF_*), CPUID values and constants (MV_X -> EXP_X).
 * The description is the contract: a probe built from another revision of
 * it (make conformance PROBE_ABI=...) expects that revision.
 *
 * Part 2, below, is written by hand: what the description does not say
 * (helpers built from its values, x86 architecture, the boot protocol,
 * capacity limits, the MSR list, console lines, value ranges, behavioural
 * decisions of docs/spec-errata.md, docs/vps-abi.md, ...).
 *
 * Never include the hypervisor's headers (include/microv, hv/) here, and
 * never copy a value of the description into this file: an ABI number
 * belongs in abi/mv-abi.toml.  The core is checked against the description,
 * never read back into it.
 */
#ifndef PROBE_EXPECT_H
#define PROBE_EXPECT_H

#include <stdint.h>

#include "expect_abi.h"

/* ======================================================================
 * Part 2: written by hand
 * ====================================================================== */

/* ---- Helpers built from the description's values ---------------------- */

/* RAX layout (spec 6.5): sig[63:48] flags[47:32] op[31:16] idx[15:0], the
 * fields of EXP_HYPERCALL_{SIG,FLAGS,OPCODE_NOSIG,INDEX}_MASK. */
#define EXP_HC_SIG              (EXP_HYPERCALL_SIG_VAL >> 48)           /* "Mv" */
#define EXP_HC_FLAG_SCC         (EXP_HYPERCALL_FLAGS_SCC >> 32)         /* in the flags field */
#define EXP_RAX(sig, flags, op, idx)                                           \
	((((uint64_t)(sig) & 0xFFFF) << 48) | (((uint64_t)(flags) & 0xFFFF) << 32) | \
	 (((uint64_t)(op) & 0xFFFF) << 16) | ((uint64_t)(idx) & 0xFFFF))
#define EXP_HC(op, idx)         EXP_RAX(EXP_HC_SIG, 0, op, idx)
#define EXP_HC_VPS(idx)         EXP_HC(EXP_OP_VPS, idx)

/* GPA flag combinations (spec 1.6.4). */
#define EXP_GPA_RW              (EXP_GPA_FLAG_READ_ACCESS | EXP_GPA_FLAG_WRITE_ACCESS)
#define EXP_GPA_RWX             (EXP_GPA_RW | EXP_GPA_FLAG_EXECUTE_ACCESS)

/* destroy_vm as a continuation (E-31): with SCC in RAX (E-10). */
#define EXP_HC_DESTROY_VM_SCC   (EXP_HC_DESTROY_VM | EXP_HYPERCALL_FLAGS_SCC)

/* mv_vp_run_vp fault REG1 (docs/exit-reasons.md): kind << 56 | detail. */
#define EXP_FAULT(kind, detail)                                                \
	(((uint64_t)(kind) << EXP_VP_FAULT_KIND_SHIFT) |                       \
	 ((uint64_t)(detail) & EXP_VP_FAULT_DETAIL_MASK))

/* The MicroV CPUID block: the first one the discovery scan visits (spec
 * 2.2.1) with the description's leaf offsets; the leaves of the
 * CPUID_4000_XX0n items. */
#define EXP_CPUID_XX00          (EXP_CPUID_INIT_VAL + EXP_CPUID_LEAF_VENDOR)
#define EXP_CPUID_XX01          (EXP_CPUID_INIT_VAL + EXP_CPUID_LEAF_SPEC)
#define EXP_CPUID_XX02          (EXP_CPUID_INIT_VAL + EXP_CPUID_LEAF_VERSION)

/* ---- x86 architecture ---------------------------------------------------- */
#define EXP_CPUID_FEATURES_LEAF         0x00000001u
#define EXP_CPUID_HV_BASE_LEAF          0x40000000u     /* CPUID_4000_0000 */
#define EXP_VECTOR_UD                   6u
#define EXP_EFER_LMA                    (1ull << 10)
#define EXP_EFER_LME                    (1ull << 8)
#define EXP_CR0_PG                      (1ull << 31)
#define EXP_CR4_PAE                     (1ull << 5)
#define EXP_MSR_STAR                    0xC0000081u
#define EXP_MSR_LSTAR                   0xC0000082u
#define EXP_MSR_KERNEL_GS_BASE          0xC0000102u
#define EXP_MSR_APIC_BASE               0x1Bu           /* not in the supported list */
#define EXP_MSR_PAT                     0x277u
#define EXP_MSR_EFER                    0xC0000080u

/* ---- Protocol (multiboot, the harness) ------------------------------------ */
#define EXP_MB_LOADER_MAGIC     0x2BADB002u
#define EXP_EXIT_PORT           0xF4u

/* ---- Value ranges ---------------------------------------------------------- */
/* CPUID_4000_XX02_EBX = (year << EXP_VER_YEAR_SHIFT) | month: build
 * parameters, so a plausible range. */
#define EXP_CPUID_VER_YEAR_MIN          2021u
#define EXP_CPUID_VER_YEAR_MAX          2099u
#define EXP_CPUID_VER_MONTH_MIN         1u
#define EXP_CPUID_VER_MONTH_MAX         12u

/* ---- Console lines ----------------------------------------------------------- */
/* mv_debug_op_out prints this line (printf format: vmid, vpid, R10, R11). */
#define EXP_CONSOLE_DEBUG_OUT   "[hv] debug_out vm=%u vp=%u: 0x%016llx 0x%016llx"
/* debug_out's rate limit per VM (E-45): a burst of lines, then lines per
 * second; over it RETRY_CONTINUATION (with SCC), or the call waits (without). */
#define EXP_DEBUG_OUT_BURST     32u
#define EXP_DEBUG_OUT_PER_S     100u
/* The root VM stops (docs/exit-reasons.md): the line's prefix, and what it
 * says (probe_expect_stop's struct probe_stop): the exit types' names
 * (hv/core/exit_names.c) and the reasons (hv/core/exit.c, apic.c,
 * mmio_store.c). */
#define EXP_CONSOLE_ROOT_STOPPED        "[hv] root VM stopped on pp "
#define EXP_STOP_EXIT_SLPT              "slpt-violation"
#define EXP_STOP_EXIT_TRIPLE            "triple-fault"
#define EXP_STOP_WHY_NOT_OWNED          "access to memory the root VM does not own"
#define EXP_STOP_WHY_DEVICE_FORM \
	"store to a device register in a form the hypervisor does not emulate"
#define EXP_STOP_WHY_INIT_SELF \
	"INIT to its own processor (a reset of the running root VP is not emulated)"
#define EXP_STOP_WHY_TRIPLE             "triple fault"

/* ---- Decisions (docs/spec-errata.md) -------- */
/* The probes run on the bootstrap PP's root VP. */
#define EXP_ROOT_VPID           0u

/* Capacity (docs/limits.md, E-15): 16 VMs with the root, so 15 guests;
 * 64 VPs and 64 VPSs with the root's (one per PP). */
#define EXP_MAX_VMS             16u
#define EXP_MAX_GUEST_VMS       15u
#define EXP_MAX_VPS             64u
#define EXP_MAX_VPSS            64u
/* Guest-physical addresses a VM can use: below 2^47 (docs/limits.md). */
#define EXP_GPA_LIMIT           (1ull << 47)
/* set_cpuid: 16 entries per VPS (docs/vps-abi.md). */
#define EXP_VPS_MAX_CPUID       16u

/* Supported MSRs (docs/vps-abi.md): 12, in this order; feature list empty. */
#define EXP_NUM_SUPPORTED_MSRS  12u
#define EXP_SUPPORTED_MSRS                                                     \
	{ 0x174u, 0x175u, 0x176u, 0x277u, 0xC0000080u, 0xC0000081u,            \
	  0xC0000082u, 0xC0000083u, 0xC0000084u, 0xC0000100u, 0xC0000101u,     \
	  0xC0000102u }
#define EXP_NUM_FEATURE_MSRS    0u

/* XSAVE image of get_xsave: XSTATE_BV at byte 512 = x87|SSE. */
#define EXP_XSAVE_XSTATE_BV     0x3ull

/* Values set_reg / set_msr refuse with PARAMS3 (docs/vps-abi.md "Values
 * refused", E-32): a sample of each kind. */
#define EXP_NONCANONICAL        0x8000000000000000ull
#define EXP_RFLAGS_FIXED1       0x2ull          /* bit 1 reads as 1 */
#define EXP_EFER_RESERVED       (1ull << 1)     /* a reserved EFER bit */
#define EXP_CR8_MAX             15ull
#define EXP_SELECTOR_MAX        0xFFFFull
#define EXP_PAT_RESET           0x0007040600070406ull   /* WB WT UC- UC, twice */
#define EXP_PAT_WITH_TYPE2      0x0007040600070402ull   /* entry 0 = 2: reserved */

#endif /* PROBE_EXPECT_H */
