/*
 * The decoder of the 32-bit stores the core emulates for the root's trapped
 * local APIC writes (insn.c): MOV r/m32, r32 (89 /r), MOV r/m32, imm32
 * (C7 /0) with any legacy prefix, REX, ModRM, SIB and displacement, and
 * MOV moffs32, EAX (A3).
 */
#ifndef HV_INSN_H
#define HV_INSN_H

#include <hv/types.h>

#define INSN_MAX_LEN 15

/* The CPU mode the bytes are decoded in. */
enum insn_mode {
	INSN_MODE_16 = 0, /* real mode, or a 16-bit code segment (CS.D = 0) */
	INSN_MODE_32,     /* protected mode, CS.D = 1 */
	INSN_MODE_64,     /* long mode, CS.L = 1 */
};

struct insn_store {
	uint8_t len;      /* length of the instruction in bytes */
	uint8_t is_imm;   /* 1: the value is `imm`; 0: the value is GPR `reg` */
	uint8_t reg;      /* source GPR, x86 encoding 0..15 (RAX, RCX, RDX, RBX, RSP, ...) */
	uint32_t imm;
};

/* Decode the store at bytes[0..n).  Returns NULL and fills *out, or the
 * reason the instruction is not a supported 32-bit store. */
const char *insn_decode_store32(const uint8_t *bytes, size_t n, enum insn_mode mode,
				struct insn_store *out);

#endif /* HV_INSN_H */
