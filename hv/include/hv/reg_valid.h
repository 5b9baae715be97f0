/*
 * Which values the root may give a guest VPS's registers and MSRs
 * (mv_vps_op_set_reg, mv_vps_op_set_msr; the table is docs/vps-abi.md
 * "Values refused", spec-errata E-32).
 *
 * The root is as hostile as any guest: a value the processor would reject
 * at VM entry (a non-canonical RIP, a reserved RFLAGS/CR0/CR4/EFER bit, ...)
 * or one that cannot mean anything (a selector above 0xFFFF, CR8 above 15)
 * is refused with MV_STATUS_INVALID_PARAMS3 when it is set, so that a VM
 * entry never fails because of what the root wrote.  A backend may refuse
 * more (a feature its processor lacks); it never has to accept less.
 */
#ifndef HV_REG_VALID_H
#define HV_REG_VALID_H

#include <microv/mv_reg.h>

#include <hv/types.h>

/* Allowed bits (everything else is reserved or not offered). */
#define REG_RFLAGS_FIXED1 0x2ull /* bit 1 reads as 1 */
#define REG_RFLAGS_RESERVED ((1ull << 3) | (1ull << 5) | (1ull << 15) | (~0ull << 22))
/* PE MP EM TS ET NE WP AM NW CD PG */
#define REG_CR0_ALLOWED 0xE005003Full
#define REG_CR0_PE (1ull << 0)
#define REG_CR0_NW (1ull << 29)
#define REG_CR0_CD (1ull << 30)
#define REG_CR0_PG (1ull << 31)
/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT UMIP (bits 0-11),
 * FSGSBASE PCIDE OSXSAVE (16-18), SMEP SMAP (20-21).  Not offered: LA57
 * (addresses are 48-bit here), VMXE/SMXE (no nested virtualization or SMX),
 * KL, PKE, CET, PKS, UINTR and later bits (state this hypervisor does not
 * keep per VPS). */
#define REG_CR4_ALLOWED 0x00370FFFull
/* SCE LME LMA NXE */
#define REG_EFER_ALLOWED 0x0D01ull
#define REG_EFER_LME (1ull << 8)
#define REG_EFER_LMA (1ull << 10)
/* CR3: physical-address bits end at 51 (MAXPHYADDR <= 52). */
#define REG_CR3_RESERVED (~0ull << 52)
/* VMX access-rights layout: type, S, DPL, P (7:0), AVL, L, D/B, G (15:12),
 * unusable (16).  11:8 and 63:17 are reserved. */
#define REG_SEG_ATTRIB_ALLOWED 0x1F0FFull

/* Canonical for 48-bit linear addresses: bits 63:47 all equal. */
bool reg_canonical(uint64_t va);

/* May register `reg` (a bf_reg_t between unsupported and invalid) hold
 * `val`?  false: MV_STATUS_INVALID_PARAMS3. */
bool reg_value_valid(enum bf_reg_t reg, uint64_t val);

/* May MSR `msr` (one of hv/msr.h's supported MSRs) hold `val`? */
bool reg_msr_value_valid(uint32_t msr, uint64_t val);

#endif /* HV_REG_VALID_H */
