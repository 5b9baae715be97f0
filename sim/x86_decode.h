/*
 * The x86 instruction decoder of mvsim's guest-VM intercepts: classifies one
 * instruction whose bytes and length the emulator reports (before it
 * executes) as HLT, PAUSE, RDMSR, WRMSR, port I/O (IN/OUT/INS/OUTS), MOV
 * to/from a control register, STGI/SKINIT or anything else, with its legacy prefixes and REX; and tells a software
 * interrupt's length (its return address).  Emulator-neutral: it reads only
 * the bytes it is given, never guest state.
 */
#ifndef MVSIM_X86_DECODE_H
#define MVSIM_X86_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* The longest instruction the guest intercepts look at (prefixes included):
 * longer ones are never one of the classes below. */
#define X86_DECODE_MAX_LEN 6u

enum x86_insn_class {
	X86_INSN_OTHER = 0, /* none of the below, or bytes that do not form one */
	X86_INSN_HLT,       /* F4 */
	X86_INSN_PAUSE,     /* F3 90 (REX.B clear) */
	X86_INSN_RDMSR,     /* 0F 32 */
	X86_INSN_WRMSR,     /* 0F 30 */
	X86_INSN_IO,        /* E4-E7 ib, EC-EF, 6C-6F */
	X86_INSN_MOV_CR,    /* 0F 20 /r (from CRn), 0F 22 /r (to CRn) */
	X86_INSN_STGI_SKINIT, /* 0F 01 DC (STGI), 0F 01 DE (SKINIT): #UD in every VM (E-59) */
};

struct x86_insn {
	enum x86_insn_class cls;
	uint8_t len;     /* the instruction's length (the `len` decoded) */
	uint8_t opcode;  /* the byte after the prefixes and REX */
	uint8_t rep;     /* 0, 0xF2 or 0xF3: the last REP prefix */
	uint8_t rex;     /* the REX byte, 0 if none */
	uint8_t seg;     /* the last segment-override prefix byte, 0 if none */
	bool opsize;     /* 0x66 */
	bool addrsize;   /* 0x67 */
	/* X86_INSN_IO only. */
	bool io_in;      /* IN/INS (else OUT/OUTS) */
	bool io_string;  /* INS/OUTS */
	bool io_wide;    /* the 16/32-bit form (odd opcode), else byte */
	bool io_imm;     /* the port is the immediate io_port (E4-E7), else DX */
	uint8_t io_port; /* the immediate port */
	/* X86_INSN_MOV_CR only. */
	bool cr_write;   /* MOV to CRn (0F 22), else from it */
	uint8_t cr;      /* n: ModRM.reg with REX.R */
	uint8_t cr_gpr;  /* the GPR: ModRM.rm with REX.B (RAX = 0 .. R15 = 15) */
};

/*
 * Decode the instruction of `len` bytes at `b` (`len` is the length the
 * emulator reports for it).  Returns the class (also in out->cls).  An
 * instruction whose bytes end early or run on past its opcode's length is
 * X86_INSN_OTHER.  A REX byte counts as REX only when more bytes follow (out
 * of 64-bit mode 0x40-0x4F is a one-byte INC/DEC).
 */
enum x86_insn_class x86_decode(const uint8_t *b, unsigned len, struct x86_insn *out);

/* Operand size in bytes of a decoded port-I/O instruction: 1 for the byte
 * forms, else 4 or 2 by the 0x66 prefix against the code segment's default
 * (`big`: 64-bit mode or CS.D = 1). */
unsigned x86_io_operand_size(const struct x86_insn *d, bool big);

/* Address size in bits (16, 32 or 64) of a decoded instruction in 64-bit
 * mode (`lm64`) or a code segment with CS.D = `big`, by the 0x67 prefix. */
unsigned x86_address_bits(const struct x86_insn *d, bool lm64, bool big);

/*
 * The length of the software interrupt at `b` (`n` bytes readable) that
 * raised `vector`: INT n (CD ib, ib == vector) 2, INT3 (CC, vector 3),
 * INT1 (F1, vector 1) and INTO (CE, vector 4) 1; 0 when the bytes are not
 * that instruction (the vector is an exception the instruction caused: its
 * return address is the instruction itself).
 */
unsigned x86_soft_int_len(const uint8_t *b, unsigned n, uint8_t vector);

/* Whether the n bytes at an instruction's start are 15 or more legacy
 * prefixes: the instruction is longer than the architectural
 * limit of 15 bytes, which is #GP(0) (SDM 2.3.11); Unicorn 2.0.1 raises #UD
 * for it (measured, probe mmiostore). */
bool x86_prefixes_over_limit(const uint8_t *b, unsigned n);

#endif /* MVSIM_X86_DECODE_H */
