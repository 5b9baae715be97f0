/*
 * Register access both backends share: which segment field a bf_reg_t
 * names, and the register and MSR values no VM entry accepts (set_reg's floor; the core
 * checks the root's requests itself: hv/reg_valid.h).  Where a register
 * lives (VMCB offset, VMCS field) stays in each backend.
 */
#ifndef X86_REGS_H
#define X86_REGS_H

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

/* Segments in mv_reg.h's (and the VMCS's) order. */
enum { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS, X86_SEG_LDTR,
       X86_SEG_TR, X86_NUM_SEGS };

/* Segment fields, in the order of bf_reg_t's four registers per segment. */
enum { X86_SEG_SEL, X86_SEG_BASE, X86_SEG_LIMIT, X86_SEG_ATTRIB };

/* bf_reg_t_es .. bf_reg_t_gs_attrib (4 per segment), LDTR, TR: true with
 * the segment (X86_SEG_*) and its field (X86_SEG_SEL..ATTRIB); else false. */
bool x86_seg_field(enum bf_reg_t r, unsigned *seg, unsigned *field);

/* Whether `val` fits `reg` on either backend: canonical RIP and GDTR,
 * IDTR, FS, GS, LDTR, TR bases; 32-bit CR0, CR4, DR6, DR7, RFLAGS; CR8
 * 0..15.  Every other register takes any value here. */
bool x86_reg_value_ok(enum bf_reg_t reg, uint64_t val);

/* A 48-bit canonical address. */
static inline bool x86_canonical(uint64_t v)
{
	return (uint64_t)(((int64_t)v << 16) >> 16) == v;
}

/* Whether WRMSR of `val` to one of the MSRs a VPS keeps (hv/msr.h; not
 * EFER) is valid on either vendor: IA32_PAT with eight valid types (0 1 4 5
 * 6 7), SYSENTER_CS, STAR and SFMASK anything, the others (addresses)
 * canonical.  A backend may refuse more (VMX: SFMASK 63:32). */
bool x86_msr_value_ok(uint32_t msr, uint64_t val);

#endif /* X86_REGS_H */
