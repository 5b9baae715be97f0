/*
 * The raw hypercall primitive: RAX in, R10-R15 in/out (all six), RAX out.
 * The instruction follows CPUID leaf 0: VMCALL on GenuineIntel, VMMCALL on
 * AuthenticAMD; any other vendor ends the probe with ERROR.
 */
#ifndef PROBE_HYPERCALL_H
#define PROBE_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "exception.h"

struct hc_regs {
	uint64_t r[6]; /* r[0] = R10 (REG0) ... r[5] = R15 (REG5) */
};

enum hc_vendor { HC_VENDOR_UNKNOWN, HC_VENDOR_INTEL, HC_VENDOR_AMD };
enum hc_insn { HC_VMCALL, HC_VMMCALL };

void hc_init(void);
enum hc_vendor hc_vendor(void);
const char *hc_vendor_string(void); /* the 12 CPUID vendor characters */

enum hc_insn hc_native_insn(void);  /* ERROR if the vendor is unknown */
enum hc_insn hc_foreign_insn(void); /* the other vendor's instruction */
const char *hc_insn_name(enum hc_insn insn);
uintptr_t hc_insn_addr(enum hc_insn insn);

/* THE raw hypercall of the probes (and of vmm/): the vendor's instruction,
 * RAX = rax, R10-R15 from *regs; returns RAX, *regs gets R10-R15 after. */
uint64_t hc_call(uint64_t rax, struct hc_regs *regs);
/* Its register block in place: HC_REGS(r0, ...) a fresh one (the rest 0),
 * HC_LOAD(&o, r0, ...) *o loaded the same way (to read the registers after):
 *   st = hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, handle, vpid)); ... o.r[0] */
#define HC_REGS(...) (&(struct hc_regs){ { __VA_ARGS__ } })
#define HC_LOAD(o, ...) (*(o) = (struct hc_regs){ { __VA_ARGS__ } }, (o))
/* A given instruction; an exception at it is unexpected. */
uint64_t hc_call_insn(enum hc_insn insn, uint64_t rax, struct hc_regs *regs);
/* A given instruction with #UD expected at it; out->fired says if it came. */
uint64_t hc_call_expect_ud(enum hc_insn insn, uint64_t rax, struct hc_regs *regs,
			   struct rt_exc *out);

/* Catalogue name of the hypercall RAX selects (per expect_abi.h), or NULL. */
const char *hc_name(uint64_t rax);
/* RAX (EXP_HC_<SHORT> of expect_abi.h) of the hypercall with that
 * catalogue name, or ~0. */
uint64_t hc_rax_of(const char *name);
/* Whether the description has a hypercall with opcode op. */
bool hc_opcode_known(uint16_t op);
/* EXP_ROOT_ONLY_<SHORT> | EXP_NEEDS_HANDLE_<SHORT> << 1 of that hypercall,
 * or -1 if the name is unknown. */
int hc_attrs_of(const char *name);

/* Assembly (runtime/insn.S). */
uint64_t rt_vmcall(uint64_t rax, struct hc_regs *regs);
uint64_t rt_vmmcall(uint64_t rax, struct hc_regs *regs);

#endif /* PROBE_HYPERCALL_H */
