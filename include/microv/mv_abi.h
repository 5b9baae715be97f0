/*
 * MicroV hypercall ABI, spec "Mv#1" (shared/seeds/004_...): every constant,
 * structure, enumeration and bit field, under the spec's own names.
 *
 * This header is the single source of truth for the hypervisor, the
 * simulator and guests.  Where the seed contradicts itself or is silent, the
 * decision is recorded in docs/spec-errata.md under the E-number quoted here.
 * Names the seed does not give are marked "(project)".
 *
 * Freestanding C11; no libc.
 */
#ifndef MICROV_MV_ABI_H
#define MICROV_MV_ABI_H

#include <stdint.h>

#include <microv/mv_reg.h>

#ifdef __cplusplus
#define MV_STATIC_ASSERT static_assert
#else
#define MV_STATIC_ASSERT _Static_assert
#endif

#define MV_NULL ((void *)0)

/* ---- 1.6.1 Specification IDs ------------------------------------------ */

/* "Mv#1" as little-endian bytes. */
#define MV_SPEC_ID1_VAL ((uint32_t)0x3123764D)

/* ---- 1.6.2 Handle type ------------------------------------------------ */

struct mv_handle_t {
	uint64_t hndl;
};
MV_STATIC_ASSERT(sizeof(struct mv_handle_t) == 8, "mv_handle_t is 8 bytes");

/* ---- 1.6.4 GPA flags --------------------------------------------------- */

#define MV_GPA_FLAG_READ_ACCESS ((uint64_t)1 << 0)
#define MV_GPA_FLAG_WRITE_ACCESS ((uint64_t)1 << 1)
#define MV_GPA_FLAG_EXECUTE_ACCESS ((uint64_t)1 << 2)
#define MV_GPA_FLAG_DONATE ((uint64_t)1 << 3)
#define MV_GPA_FLAG_ZOMBIE ((uint64_t)1 << 4)
#define MV_GPA_FLAG_UNCACHEABLE ((uint64_t)1 << 8)
#define MV_GPA_FLAG_UNCACHEABLE_MINUS ((uint64_t)1 << 9)
#define MV_GPA_FLAG_WRITE_COMBINING ((uint64_t)1 << 10)
#define MV_GPA_FLAG_WRITE_COMBINING_PLUS ((uint64_t)1 << 11)
#define MV_GPA_FLAG_WRITE_THROUGH ((uint64_t)1 << 12)
#define MV_GPA_FLAG_WRITE_BACK ((uint64_t)1 << 13)
#define MV_GPA_FLAG_WRITE_PROTECTED ((uint64_t)1 << 14)
/* Bits 7:5 are not named by the seed; bits 63:15 are REVZ (E-12). */
#define MV_GPA_FLAG_REVZ_MASK ((uint64_t)0xFFFFFFFFFFFF80E0)
/* (project) groupings used by validation. */
#define MV_GPA_FLAG_ACCESS_MASK                                                \
	(MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS |                  \
	 MV_GPA_FLAG_EXECUTE_ACCESS)
#define MV_GPA_FLAG_CACHE_MASK ((uint64_t)0x7F00)

/* ---- 1.6.5 Memory descriptor lists ------------------------------------ */

#define MV_MDL_MAP_MAX_NUM_ENTRIES ((uint64_t)169)

struct mv_mdl_entry_t {
	uint64_t gpa;
	uint64_t size;
	uint64_t flags;
};
MV_STATIC_ASSERT(sizeof(struct mv_mdl_entry_t) == 24, "mv_mdl_entry_t is 24 bytes");

/* E-05: revz is at offset 0x10 (the seed prints 0x18), 24 bytes. */
struct mv_mdl_t {
	uint64_t num_entries;
	uint64_t next;
	uint64_t revz[3];
	struct mv_mdl_entry_t entries[MV_MDL_MAP_MAX_NUM_ENTRIES];
};
MV_STATIC_ASSERT(sizeof(struct mv_mdl_t) == 4096, "mv_mdl_t fills one page");
MV_STATIC_ASSERT(__builtin_offsetof(struct mv_mdl_t, next) == 0x8, "mdl.next at 0x8");
MV_STATIC_ASSERT(__builtin_offsetof(struct mv_mdl_t, revz) == 0x10, "mdl.revz at 0x10");
MV_STATIC_ASSERT(__builtin_offsetof(struct mv_mdl_t, entries) == 0x28, "mdl.entries at 0x28");

/* ---- 1.7 ID constants --------------------------------------------------- */

#define MV_INVALID_ID ((uint16_t)0xFFFF)
#define MV_BS_PPID ((uint16_t)0x0)
#define MV_ROOT_VMID ((uint16_t)0x0)
/* (project) "the VP/VPS that makes this call", for the VPS queries (E-09). */
#define MV_SELF_ID ((uint16_t)0xFFFE)

/* ---- 2.1 Hypervisor discovery ----------------------------------------- */

#define MV_CPUID_HYPERVISOR_PRESENT ((uint32_t)1 << 31) /* CPUID_0000_0001_ECX */

/* ---- 2.2 MicroV CPUID leaves ------------------------------------------ */

#define MV_CPUID_MIN_LEAF_VAL ((uint32_t)0x40000202)
#define MV_CPUID_MAX_LEAF_VAL ((uint32_t)0x4000FFFF)
#define MV_CPUID_INIT_VAL ((uint32_t)0x40000200)
#define MV_CPUID_INC_VAL ((uint32_t)0x100)
/* E-06: the bytes 4D 76 4D 69 read "MvMi" (the seed's text says "BfMi"). */
#define MV_CPUID_VENDOR_ID1_VAL ((uint32_t)0x694D764D)
#define MV_CPUID_VENDOR_ID2_VAL ((uint32_t)0x566F7263) /* "croV" */
#define MV_CPUID_SPEC_ID1 ((uint32_t)1 << 0)            /* CPUID_4000_XX01_EAX */
/* (project) leaf offsets inside a 0x100 MicroV block. */
#define MV_CPUID_LEAF_VENDOR ((uint32_t)0x00)
#define MV_CPUID_LEAF_SPEC ((uint32_t)0x01)
#define MV_CPUID_LEAF_VERSION ((uint32_t)0x02)
/* CPUID_4000_XX02_EBX fields. */
#define MV_VER_YEAR_SHIFT 16
#define MV_VER_MONTH_MASK ((uint32_t)0xFFFF)

/* ---- 6.1 Hypercall continuation / 6.4 status codes -------------------- */

typedef uint64_t mv_status_t;

#define MV_STATUS_SIG_MASK ((uint64_t)0xFFFF000000000000)
#define MV_STATUS_SIG_FAILURE ((uint64_t)0xDEAD000000000000)
#define MV_STATUS_FLAGS_MASK ((uint64_t)0x0000FFFFFFFF0000)
#define MV_STATUS_VALUE_MASK ((uint64_t)0x000000000000FFFF)

#define MV_STATUS_SUCCESS ((mv_status_t)0x0000000000000000)
#define MV_STATUS_FAILURE_UNKNOWN ((mv_status_t)0xDEAD000000010001)
#define MV_STATUS_FAILURE_UNSUPPORTED ((mv_status_t)0xDEAD000000020001)
#define MV_STATUS_FAILURE_INVALID_HANDLE ((mv_status_t)0xDEAD000000040001)
#define MV_STATUS_INVALID_PERM_EXT ((mv_status_t)0xDEAD000000010002)
#define MV_STATUS_INVALID_PERM_DENIED ((mv_status_t)0xDEAD000000020002)
#define MV_STATUS_INVALID_PARAMS0 ((mv_status_t)0xDEAD000000010003)
#define MV_STATUS_INVALID_PARAMS1 ((mv_status_t)0xDEAD000000020003)
#define MV_STATUS_INVALID_PARAMS2 ((mv_status_t)0xDEAD000000040003)
#define MV_STATUS_INVALID_PARAMS3 ((mv_status_t)0xDEAD000000080003)
#define MV_STATUS_INVALID_PARAMS4 ((mv_status_t)0xDEAD000000100003)
#define MV_STATUS_INVALID_PARAMS5 ((mv_status_t)0xDEAD000000200003)
/* E-03: the value field is 4 (the seed's heading says 0x6). */
#define MV_STATUS_RETRY_CONTINUATION ((mv_status_t)0xDEAD000000100004)

/* ---- 6.5 Hypercall inputs: RAX ----------------------------------------- */

#define MV_HYPERCALL_SIG_VAL ((uint64_t)0x764D000000000000)
#define MV_HYPERCALL_SIG_MASK ((uint64_t)0xFFFF000000000000)
#define MV_HYPERCALL_FLAGS_MASK ((uint64_t)0x0000FFFF00000000)
#define MV_HYPERCALL_OPCODE_MASK ((uint64_t)0xFFFF0000FFFF0000)
#define MV_HYPERCALL_OPCODE_NOSIG_MASK ((uint64_t)0x00000000FFFF0000)
#define MV_HYPERCALL_INDEX_MASK ((uint64_t)0x000000000000FFFF)
/* E-10: the seed names the SCC flag without a value: bit 0 of the flags
 * field (RAX bit 32). */
#define MV_HYPERCALL_FLAGS_SCC ((uint64_t)0x0000000100000000)

/* ---- 6.7 Hypercall opcodes --------------------------------------------- */

#define MV_DEBUG_OP_VAL ((uint64_t)0x764D000000000000)
#define MV_DEBUG_OP_NOSIG_VAL ((uint64_t)0x0000000000000000)
#define MV_HANDLE_OP_VAL ((uint64_t)0x764D000000010000)
/* E-07: printed with one digit too few in the seed. */
#define MV_HANDLE_OP_NOSIG_VAL ((uint64_t)0x0000000000010000)
#define MV_VM_OP ((uint64_t)0x764D000000020000)
#define MV_VM_OP_VAL MV_VM_OP /* (project) the _VAL spelling the others use */
#define MV_VM_OP_NOSIG_VAL ((uint64_t)0x0000000000020000)
#define MV_VP_OP_VAL ((uint64_t)0x764D000000030000)
#define MV_VP_OP_NOSIG_VAL ((uint64_t)0x0000000000030000)
#define MV_VPS_OP_VAL ((uint64_t)0x764D000000040000)
#define MV_VPS_OP_NOSIG_VAL ((uint64_t)0x0000000000040000)
/* E-04: the seed heads mv_vp_run_vp "OP=0x8"; the number collides with
 * nothing and is kept.  (project) name for the opcode constant: */
#define MV_VP_MANAGEMENT_OP_VAL ((uint64_t)0x764D000000080000)
#define MV_VP_MANAGEMENT_OP_NOSIG_VAL ((uint64_t)0x0000000000080000)

/* ---- 6.8 Debug hypercalls ---------------------------------------------- */

#define MV_DEBUG_OP_OUT_IDX_VAL ((uint64_t)0x0000000000000000)

/* ---- 6.9 Handle hypercalls --------------------------------------------- */

#define MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL ((uint64_t)0x0000000000000000)
#define MV_HANDLE_OP_CLOSE_IDX_VAL ((uint64_t)0x0000000000000001)
/* (project) the spelling the other constants use */
#define MV_HANDLE_OP_CLOSE_HANDLE_IDX_VAL MV_HANDLE_OP_CLOSE_IDX_VAL

/* ---- 6.10 VM hypercalls (E-01: map/unmap renumbered) -------------------- */

#define MV_VM_OP_CREATE_VM_IDX_VAL ((uint64_t)0x0000000000000000)
#define MV_VM_OP_DESTROY_VM_IDX_VAL ((uint64_t)0x0000000000000001)
#define MV_VM_OP_VMID_IDX_VAL ((uint64_t)0x0000000000000002)
/* E-01: the seed gives set_gpa_flags_mdl IDX 3 (kept; it collides with
 * nothing) under the name MV_VM_OP_MAP_MDL_IDX_VAL, and map/unmap IDX 1/2,
 * which collide with destroy_vm/vmid: they move to 4 and 5. */
#define MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL ((uint64_t)0x0000000000000003)
#define MV_VM_OP_MAP_MDL_IDX_VAL ((uint64_t)0x0000000000000004)
#define MV_VM_OP_UNMAP_MDL_IDX_VAL ((uint64_t)0x0000000000000005)

/* ---- 6.11 VP hypercalls (E-02: OP is the VP opcode 0x3) ---------------- */

#define MV_VP_OP_CREATE_VP_IDX_VAL ((uint64_t)0x0000000000000000)
#define MV_VP_OP_DESTROY_VP_IDX_VAL ((uint64_t)0x0000000000000001)
#define MV_VP_OP_VMID_IDX_VAL ((uint64_t)0x0000000000000002)
#define MV_VP_OP_VPID_IDX_VAL ((uint64_t)0x0000000000000003)

/* ---- 6.12 VPS hypercalls (E-09: indices and layouts are the project's) -- */

#define MV_VPS_OP_CREATE_VPS_IDX_VAL ((uint64_t)0x0000000000000000)
#define MV_VPS_OP_DESTROY_VPS_IDX_VAL ((uint64_t)0x0000000000000001)
#define MV_VPS_OP_GET_CPUID_IDX_VAL ((uint64_t)0x0000000000000002)
#define MV_VPS_OP_SET_CPUID_IDX_VAL ((uint64_t)0x0000000000000003)
#define MV_VPS_OP_GET_REG_IDX_VAL ((uint64_t)0x0000000000000004)
#define MV_VPS_OP_SET_REG_IDX_VAL ((uint64_t)0x0000000000000005)
#define MV_VPS_OP_GET_MSR_IDX_VAL ((uint64_t)0x0000000000000006)
#define MV_VPS_OP_SET_MSR_IDX_VAL ((uint64_t)0x0000000000000007)
#define MV_VPS_OP_GET_SUPPORTED_MSRS_IDX_VAL ((uint64_t)0x0000000000000008)
#define MV_VPS_OP_GET_SUPPORTED_FEATURE_MSRS_IDX_VAL ((uint64_t)0x0000000000000009)
#define MV_VPS_OP_GET_FPU_IDX_VAL ((uint64_t)0x000000000000000A)
#define MV_VPS_OP_SET_FPU_IDX_VAL ((uint64_t)0x000000000000000B)
#define MV_VPS_OP_GET_XSAVE_IDX_VAL ((uint64_t)0x000000000000000C)
#define MV_VPS_OP_SET_XSAVE_IDX_VAL ((uint64_t)0x000000000000000D)
#define MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL ((uint64_t)0x000000000000000E)
#define MV_VPS_OP_QUEUE_IRQ_IDX_VAL ((uint64_t)0x000000000000000F)
#define MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL ((uint64_t)0x0000000000000010)
#define MV_VPS_OP_GET_TSC_KHZ_IDX_VAL ((uint64_t)0x0000000000000011)

/* ---- 6.13 Running VPs ---------------------------------------------------- */

/* E-04: the seed's heading says mv_vps_run_vp, OP=0x8, IDX=0x2. */
#define MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL ((uint64_t)0x0000000000000002)

enum mv_vp_exit_t {
	mv_vp_exit_t_external_interrupt = 0,
	mv_vp_exit_t_yield = 1,
	mv_vp_exit_t_retry = 2,
	mv_vp_exit_t_hlt = 3,
	mv_vp_exit_t_fault = 4,
	mv_vp_exit_t_sync_tsc = 5,
	mv_vp_exit_t_suspend = 6,
	mv_vp_exit_t_max = 7
};

/*
 * (project) What makes a guest VP stop, and the REG1 that comes with it
 * (E-22, docs/exit-reasons.md):
 *   external_interrupt  a physical interrupt or the end of the time slice; REG1 = 0
 *   yield               HLT with RFLAGS.IF = 1 (idle, waiting); REG1 = ns to sleep (0: none armed)
 *   retry               PAUSE (spin-wait); REG1 = RIP of the PAUSE
 *   hlt                 HLT with RFLAGS.IF = 0 (done); REG1 = 0
 *   fault               the VP cannot continue; REG1 = MV_VP_FAULT_* kind << 56 | detail
 *   sync_tsc            WRMSR to IA32_TSC (0x10); REG1 = the value written
 *   suspend             OUT to the ACPI PM1a control port with SLP_EN; REG1 = SLP_TYP
 */
#define MV_VP_FAULT_KIND_SHIFT 56
#define MV_VP_FAULT_DETAIL_MASK ((uint64_t)0x00FFFFFFFFFFFFFF)
#define MV_VP_FAULT_SLPT ((uint64_t)1)      /* detail: the guest-physical address */
#define MV_VP_FAULT_TRIPLE ((uint64_t)2)    /* detail: 0 */
#define MV_VP_FAULT_IO ((uint64_t)3)        /* detail: port | size << 16 | in << 24 */
#define MV_VP_FAULT_ENTRY ((uint64_t)4)     /* detail: the backend's entry error */
#define MV_VP_FAULT_UNHANDLED ((uint64_t)5) /* detail: the backend's exit code */
#define MV_VP_FAULT_EXCEPTION ((uint64_t)6) /* detail: vector | error code << 8 */
#define MV_PM1A_CNT_PORT ((uint16_t)0x604)  /* QEMU's PIIX4/ICH9 PM1a control */
#define MV_PM1_SLP_EN ((uint32_t)1 << 13)
#define MV_PM1_SLP_TYP_SHIFT 10
#define MV_PM1_SLP_TYP_MASK ((uint32_t)0x7)
#define MV_MSR_IA32_TSC ((uint32_t)0x10)

#endif /* MICROV_MV_ABI_H */
