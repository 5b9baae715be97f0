/*
 * The x86 instruction decoder of mvsim's guest-VM intercepts (x86_decode.h):
 * legacy prefixes, REX, then the opcodes of HLT, PAUSE, RDMSR, WRMSR, port
 * I/O, MOV to/from CRn, STGI and SKINIT, each only at its exact length; software
 * interrupts.
 */
#include <string.h>

#include "x86_decode.h"

static bool is_seg_prefix(uint8_t c)
{
	return c == 0x26 || c == 0x2E || c == 0x36 || c == 0x3E || c == 0x64 || c == 0x65;
}

enum x86_insn_class x86_decode(const uint8_t *b, unsigned len, struct x86_insn *out)
{
	struct x86_insn d;
	unsigned i = 0;

	memset(&d, 0, sizeof(d));
	d.len = (uint8_t)(len > 0xFF ? 0xFF : len);
	*out = d;
	if (len == 0 || len > X86_DECODE_MAX_LEN)
		return X86_INSN_OTHER;
	for (; i < len; i++) {
		uint8_t c = b[i];
		if (c == 0xF3 || c == 0xF2)
			d.rep = c;
		else if (c == 0x66)
			d.opsize = true;
		else if (c == 0x67)
			d.addrsize = true;
		else if (is_seg_prefix(c))
			d.seg = c;
		else if (c == 0xF0)
			continue; /* LOCK */
		else if ((c & 0xF0) == 0x40 && i + 1 < len) {
			/* REX (an INC/DEC outside 64-bit mode is one byte long,
			 * so never followed by more bytes of the same insn). */
			d.rex = c;
			i++;
			break;
		} else
			break;
	}
	if (i >= len) {
		*out = d;
		return X86_INSN_OTHER;
	}
	uint8_t op = b[i];
	unsigned rest = len - i;
	d.opcode = op;

	if (op == 0xF4 && rest == 1)
		d.cls = X86_INSN_HLT;
	else if (op == 0x90 && rest == 1 && d.rep == 0xF3 && !(d.rex & 1))
		d.cls = X86_INSN_PAUSE;
	else if (op == 0x0F && rest == 2 && (b[i + 1] == 0x30 || b[i + 1] == 0x32))
		d.cls = b[i + 1] == 0x30 ? X86_INSN_WRMSR : X86_INSN_RDMSR;
	else if (op == 0x0F && rest == 3 && (b[i + 1] == 0x20 || b[i + 1] == 0x22)) {
		/* ModRM.mod is ignored: the operand is always a register. */
		d.cls = X86_INSN_MOV_CR;
		d.cr_write = b[i + 1] == 0x22;
		d.cr = (uint8_t)(((b[i + 2] >> 3) & 7) | ((d.rex & 4) << 1));
		d.cr_gpr = (uint8_t)((b[i + 2] & 7) | ((d.rex & 1) << 3));
	}
	else if (op == 0x0F && rest == 3 && b[i + 1] == 0x01 && (b[i + 2] == 0xDC || b[i + 2] == 0xDE))
		d.cls = X86_INSN_STGI_SKINIT;
	else if (((op >= 0xE4 && op <= 0xE7) && rest == 2) || ((op >= 0xEC && op <= 0xEF) && rest == 1) ||
		 ((op >= 0x6C && op <= 0x6F) && rest == 1)) {
		d.cls = X86_INSN_IO;
		d.io_in = op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED || op == 0x6C || op == 0x6D;
		d.io_string = op <= 0x6F;
		d.io_wide = op & 1;
		d.io_imm = op >= 0xE4 && op <= 0xE7;
		d.io_port = d.io_imm ? b[i + 1] : 0;
	}
	*out = d;
	return d.cls;
}

unsigned x86_io_operand_size(const struct x86_insn *d, bool big)
{
	if (!d->io_wide)
		return 1;
	return big != d->opsize ? 4 : 2;
}

unsigned x86_address_bits(const struct x86_insn *d, bool lm64, bool big)
{
	if (lm64)
		return d->addrsize ? 32 : 64;
	return big != d->addrsize ? 32 : 16;
}

unsigned x86_soft_int_len(const uint8_t *b, unsigned n, uint8_t vector)
{
	if (n >= 2 && b[0] == 0xCD && b[1] == vector)
		return 2;
	if (n >= 1 && ((b[0] == 0xCC && vector == 3) || (b[0] == 0xF1 && vector == 1) ||
		       (b[0] == 0xCE && vector == 4)))
		return 1;
	return 0;
}

bool x86_prefixes_over_limit(const uint8_t *b, unsigned n)
{
	unsigned i = 0;

	while (i < n && i < 15 &&
	       (is_seg_prefix(b[i]) || b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xF0 ||
		b[i] == 0xF2 || b[i] == 0xF3))
		i++;
	return i == 15;
}
