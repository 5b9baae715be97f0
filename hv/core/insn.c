/*
 * Decoding of the 32-bit memory stores the core emulates for the root's
 * trapped local APIC writes (apic.c): 89 /r and C7 /0 with legacy prefixes,
 * REX, ModRM, SIB and displacement, in 32- and 64-bit addressing, and A3
 * (MOV moffs, EAX: the absolute-address form compilers emit for a constant
 * address in 64-bit code) with any address size.  The
 * destination's address is not computed: the fault reported it.  Anything
 * else (other opcodes, 8/16/64-bit stores, register destinations, 16-bit
 * addressing, VEX/EVEX) is refused with its reason; nothing is guessed.
 */
#include <hv/insn.h>

#define PFX_OPSIZE 0x66
#define PFX_ADDRSIZE 0x67
#define PFX_LOCK 0xF0
#define OP_MOV_RM_R 0x89
#define OP_MOV_RM_IMM 0xC7
#define OP_MOV_MOFFS_EAX 0xA3

static bool insn_is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65: /* segments */
	case PFX_OPSIZE: case PFX_ADDRSIZE: case PFX_LOCK: case 0xF2: case 0xF3:
		return true;
	default:
		return false;
	}
}

/* Bytes of ModRM + SIB + displacement with 32/64-bit addressing; 0 when
 * `n` bytes do not hold them. */
static size_t insn_modrm_len(const uint8_t *p, size_t n)
{
	if (n < 1)
		return 0;
	uint8_t mod = p[0] >> 6, rm = p[0] & 7;
	size_t len = 1;

	if (rm == 4) { /* SIB */
		if (n < 2)
			return 0;
		len = 2;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4; /* disp32 (RIP-relative in 64-bit mode) */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len <= n ? len : 0;
}

const char *insn_decode_store32(const uint8_t *bytes, size_t n, enum insn_mode mode,
				struct insn_store *out)
{
	bool opsize = false, addrsize = false;
	uint8_t rex = 0;
	size_t i = 0;

	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	while (i < n && insn_is_legacy_prefix(bytes[i])) {
		if (bytes[i] == PFX_OPSIZE)
			opsize = true;
		else if (bytes[i] == PFX_ADDRSIZE)
			addrsize = true;
		else if (bytes[i] == PFX_LOCK)
			return "LOCK prefix on a MOV";
		i++;
	}
	if (mode == INSN_MODE_64 && i < n && (bytes[i] & 0xF0) == 0x40)
		rex = bytes[i++];
	if (i >= n)
		return "instruction longer than 15 bytes or not readable";
	if (rex & 0x8)
		return "64-bit store (REX.W)";
	/* Operand size: 32 unless the default is 16 (no 66) or 16 (66 in 32/64-bit). */
	if ((mode == INSN_MODE_16) != opsize)
		return "16-bit store";
	uint8_t op = bytes[i++];
	if (op == OP_MOV_MOFFS_EAX) {
		/* The offset's size is the address size: 8 (4 with 67) in 64-bit
		 * mode, else 4 or 2 by the mode and 67. */
		bool addr16 = mode != INSN_MODE_64 && ((mode == INSN_MODE_16) != addrsize);
		size_t moffs = mode == INSN_MODE_64 ? (addrsize ? 4 : 8) : (addr16 ? 2 : 4);
		if (n - i < moffs)
			return "truncated moffs";
		out->is_imm = 0;
		out->reg = 0; /* EAX */
		out->imm = 0;
		out->len = (uint8_t)(i + moffs);
		return NULL;
	}
	if ((mode == INSN_MODE_16) != addrsize && mode != INSN_MODE_64)
		return "16-bit addressing";
	if (op != OP_MOV_RM_R && op != OP_MOV_RM_IMM)
		return "not a MOV r/m32 store (89 /r, C7 /0 or A3)";
	if (i >= n)
		return "truncated ModRM";
	uint8_t modrm = bytes[i];
	if ((modrm >> 6) == 3)
		return "register destination";
	uint8_t regfield = (uint8_t)((modrm >> 3) & 7);
	if (op == OP_MOV_RM_IMM && regfield != 0)
		return "C7 with a ModRM.reg other than 0";
	size_t mlen = insn_modrm_len(bytes + i, n - i);
	if (!mlen)
		return "truncated ModRM/SIB/displacement";
	i += mlen;

	out->is_imm = op == OP_MOV_RM_IMM;
	out->reg = out->is_imm ? 0 : (uint8_t)(regfield | ((rex & 0x4) ? 8 : 0));
	out->imm = 0;
	if (out->is_imm) {
		if (n - i < 4)
			return "truncated immediate";
		out->imm = (uint32_t)bytes[i] | ((uint32_t)bytes[i + 1] << 8) |
			   ((uint32_t)bytes[i + 2] << 16) | ((uint32_t)bytes[i + 3] << 24);
		i += 4;
	}
	out->len = (uint8_t)i;
	return NULL;
}
