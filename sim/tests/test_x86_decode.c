/*
 * Unit test of the guest-intercept decoder (sim/x86_decode.c): every class it
 * decodes (HLT, PAUSE, RDMSR, WRMSR, IN/OUT with an immediate or DX port,
 * INS/OUTS) with and without prefixes and REX, the operand and address size
 * rules, and bytes that are not one of them: other opcodes, truncated
 * instructions, trailing bytes, prefixes only, empty and overlong input;
 * the software-interrupt lengths.
 */
#include <stdio.h>
#include <string.h>

#include "../x86_decode.h"
#include "check.h"

/* Decode the bytes of a string literal ("\xF3\x90") at their own length. */
#define DEC(bytes, d) x86_decode((const uint8_t *)(bytes), sizeof(bytes) - 1, (d))

static const char *cls_name(enum x86_insn_class c)
{
	static const char *const n[] = { "other", "hlt", "pause", "rdmsr", "wrmsr", "io" };
	return c <= X86_INSN_IO ? n[c] : "?";
}

#define EXPECT_CLASS(bytes, want)                                                       \
	do {                                                                            \
		struct x86_insn d_;                                                     \
		enum x86_insn_class c_ = DEC(bytes, &d_);                               \
		CHECK(c_ == (want) && d_.cls == c_, "%s: class %s, want %s", #bytes,      \
		      cls_name(c_), cls_name(want));                                    \
	} while (0)

static void test_simple_classes(void)
{
	struct x86_insn d;

	EXPECT_CLASS("\xF4", X86_INSN_HLT);
	DEC("\xF4", &d);
	CHECK(d.len == 1 && d.opcode == 0xF4 && d.rep == 0 && d.rex == 0, "hlt fields");
	EXPECT_CLASS("\x2E\xF4", X86_INSN_HLT); /* a prefix does not change HLT */

	EXPECT_CLASS("\xF3\x90", X86_INSN_PAUSE);
	DEC("\xF3\x90", &d);
	CHECK(d.rep == 0xF3 && d.opcode == 0x90 && d.len == 2, "pause fields");
	EXPECT_CLASS("\xF3\x48\x90", X86_INSN_PAUSE); /* REX.W: still PAUSE */
	EXPECT_CLASS("\xF3\x41\x90", X86_INSN_OTHER); /* REX.B: XCHG R8, RAX */
	EXPECT_CLASS("\x90", X86_INSN_OTHER);         /* NOP */
	EXPECT_CLASS("\xF2\x90", X86_INSN_OTHER);     /* REPNE NOP */

	EXPECT_CLASS("\x0F\x32", X86_INSN_RDMSR);
	EXPECT_CLASS("\x0F\x30", X86_INSN_WRMSR);
	EXPECT_CLASS("\x48\x0F\x30", X86_INSN_WRMSR);
	DEC("\x48\x0F\x30", &d);
	CHECK(d.rex == 0x48 && d.opcode == 0x0F && d.len == 3, "wrmsr rex fields");
	EXPECT_CLASS("\xF0\x0F\x32", X86_INSN_RDMSR); /* LOCK is skipped */
	EXPECT_CLASS("\x0F\x31", X86_INSN_OTHER);     /* RDTSC */
	EXPECT_CLASS("\x0F\xA2", X86_INSN_OTHER);     /* CPUID */
	EXPECT_CLASS("\xFB", X86_INSN_OTHER);         /* STI */
	EXPECT_CLASS("\x0F\x01\xDC", X86_INSN_STGI_SKINIT); /* STGI */
	EXPECT_CLASS("\x0F\x01\xDE", X86_INSN_STGI_SKINIT); /* SKINIT */
	EXPECT_CLASS("\x66\x0F\x01\xDC", X86_INSN_STGI_SKINIT); /* a prefix: still STGI */
	EXPECT_CLASS("\x0F\x01\xDD", X86_INSN_OTHER); /* CLGI: #UD on the engine itself */
	EXPECT_CLASS("\x0F\x01\xD9", X86_INSN_OTHER); /* VMMCALL: the AMD hypercall */
	EXPECT_CLASS("\x0F\x01\xDC\x90", X86_INSN_OTHER); /* not at its exact length */
}

static void test_io(void)
{
	static const struct {
		const char *bytes;
		unsigned len;
		bool in, string, wide, imm;
		uint8_t port;
	} cases[] = {
		{ "\xE4\x80", 2, true, false, false, true, 0x80 },   /* in al, 0x80 */
		{ "\xE5\x71", 2, true, false, true, true, 0x71 },    /* in eax, 0x71 */
		{ "\xE6\xF4", 2, false, false, false, true, 0xF4 },  /* out 0xf4, al */
		{ "\xE7\x42", 2, false, false, true, true, 0x42 },   /* out 0x42, eax */
		{ "\xEC", 1, true, false, false, false, 0 },         /* in al, dx */
		{ "\xED", 1, true, false, true, false, 0 },          /* in eax, dx */
		{ "\xEE", 1, false, false, false, false, 0 },        /* out dx, al */
		{ "\xEF", 1, false, false, true, false, 0 },         /* out dx, eax */
		{ "\x6C", 1, true, true, false, false, 0 },          /* insb */
		{ "\x6D", 1, true, true, true, false, 0 },           /* insd */
		{ "\x6E", 1, false, true, false, false, 0 },         /* outsb */
		{ "\x6F", 1, false, true, true, false, 0 },          /* outsd */
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct x86_insn d;
		enum x86_insn_class c = x86_decode((const uint8_t *)cases[k].bytes, cases[k].len, &d);
		CHECK(c == X86_INSN_IO && d.io_in == cases[k].in && d.io_string == cases[k].string &&
			      d.io_wide == cases[k].wide && d.io_imm == cases[k].imm &&
			      d.io_port == cases[k].port && d.opcode == (uint8_t)cases[k].bytes[0],
		      "io case %zu (opcode 0x%02x): class %s in %d string %d wide %d imm %d port 0x%x", k,
		      (uint8_t)cases[k].bytes[0], cls_name(c), d.io_in, d.io_string, d.io_wide, d.io_imm,
		      d.io_port);
	}

	struct x86_insn d;
	/* rep outsw with a segment override and both size prefixes. */
	CHECK(DEC("\xF3\x66\x67\x64\x6F", &d) == X86_INSN_IO, "rep fs outsw: class");
	CHECK(d.rep == 0xF3 && d.opsize && d.addrsize && d.seg == 0x64 && d.io_string &&
		      !d.io_in && d.len == 5,
	      "rep fs outsw: rep 0x%x opsize %d addrsize %d seg 0x%x", d.rep, d.opsize, d.addrsize,
	      d.seg);
	/* The last REP and segment prefix win. */
	CHECK(DEC("\xF2\xF3\x26\x36\x6C", &d) == X86_INSN_IO && d.rep == 0xF3 && d.seg == 0x36,
	      "last prefixes win: rep 0x%x seg 0x%x", d.rep, d.seg);
	/* REX.W in 64-bit mode before IN: still I/O. */
	CHECK(DEC("\x48\xED", &d) == X86_INSN_IO && d.rex == 0x48 && d.io_wide, "rex in eax, dx");

	/* Operand size: byte forms 1; the wide forms 4 or 2 by 0x66 and CS.D/L. */
	DEC("\xEC", &d);
	CHECK(x86_io_operand_size(&d, true) == 1 && x86_io_operand_size(&d, false) == 1, "in al size");
	DEC("\xED", &d);
	CHECK(x86_io_operand_size(&d, true) == 4, "in eax, 32-bit code: 4");
	CHECK(x86_io_operand_size(&d, false) == 2, "in ax, 16-bit code: 2");
	DEC("\x66\xED", &d);
	CHECK(x86_io_operand_size(&d, true) == 2, "66 in, 32-bit code: 2");
	CHECK(x86_io_operand_size(&d, false) == 4, "66 in, 16-bit code: 4");

	/* Address size: 64 / 32 in 64-bit mode, 32 / 16 by CS.D and 0x67. */
	DEC("\x6E", &d);
	CHECK(x86_address_bits(&d, true, true) == 64, "outsb 64-bit: 64");
	CHECK(x86_address_bits(&d, false, true) == 32, "outsb 32-bit: 32");
	CHECK(x86_address_bits(&d, false, false) == 16, "outsb 16-bit: 16");
	DEC("\x67\x6E", &d);
	CHECK(x86_address_bits(&d, true, true) == 32, "67 outsb 64-bit: 32");
	CHECK(x86_address_bits(&d, false, true) == 16, "67 outsb 32-bit: 16");
	CHECK(x86_address_bits(&d, false, false) == 32, "67 outsb 16-bit: 32");
}

static void test_malformed(void)
{
	struct x86_insn d;
	const uint8_t hlt = 0xF4;

	/* Empty and overlong input. */
	CHECK(x86_decode(&hlt, 0, &d) == X86_INSN_OTHER && d.cls == X86_INSN_OTHER, "empty");
	static const uint8_t longer[X86_DECODE_MAX_LEN + 1] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xEC };
	CHECK(x86_decode(longer, sizeof(longer), &d) == X86_INSN_OTHER, "longer than the max");
	CHECK(x86_decode(longer + 1, X86_DECODE_MAX_LEN, &d) == X86_INSN_IO,
	      "exactly the max length is decoded");
	/* Prefixes only. */
	EXPECT_CLASS("\xF3", X86_INSN_OTHER);
	EXPECT_CLASS("\x66\x67\xF0", X86_INSN_OTHER);
	/* Truncated: an opcode without its immediate or second byte. */
	EXPECT_CLASS("\xE4", X86_INSN_OTHER);
	EXPECT_CLASS("\x66\xE7", X86_INSN_OTHER);
	EXPECT_CLASS("\x0F", X86_INSN_OTHER);
	EXPECT_CLASS("\xF0\x0F", X86_INSN_OTHER);
	/* A lone 0x40-0x4F is INC/DEC (32-bit code), not a REX prefix. */
	EXPECT_CLASS("\x40", X86_INSN_OTHER);
	DEC("\x48", &d);
	CHECK(d.rex == 0 && d.opcode == 0x48, "lone 0x48: opcode, not REX");
	/* REX then nothing of the instruction: 0x48 0x48 is REX + DEC/REX. */
	EXPECT_CLASS("\x48\x48", X86_INSN_OTHER);
	/* Bytes past the opcode's length: not that instruction. */
	EXPECT_CLASS("\xF4\x90", X86_INSN_OTHER);
	EXPECT_CLASS("\xF3\x90\x90", X86_INSN_OTHER);
	EXPECT_CLASS("\x0F\x30\x00", X86_INSN_OTHER);
	EXPECT_CLASS("\xEC\x00", X86_INSN_OTHER);
	EXPECT_CLASS("\x6F\x00", X86_INSN_OTHER);
	EXPECT_CLASS("\xE4\x80\x00", X86_INSN_OTHER);
	/* REX between a legacy prefix and the opcode ends the prefixes: a
	 * prefix after REX is the opcode byte (not one of ours). */
	EXPECT_CLASS("\x48\xF3\x90", X86_INSN_OTHER);
}

static void test_soft_int(void)
{
	static const uint8_t int80[] = { 0xCD, 0x80 }, int3[] = { 0xCC, 0x90 },
			     int1[] = { 0xF1 }, into[] = { 0xCE }, ud2[] = { 0x0F, 0x0B };

	CHECK(x86_soft_int_len(int80, 2, 0x80) == 2, "int 0x80 raising 0x80: 2");
	CHECK(x86_soft_int_len(int80, 2, 0x81) == 0, "int 0x80 raising 0x81: not it");
	CHECK(x86_soft_int_len(int80, 1, 0x80) == 0, "int 0x80 truncated: 0");
	CHECK(x86_soft_int_len(int3, 2, 3) == 1, "int3: 1");
	CHECK(x86_soft_int_len(int3, 2, 13) == 0, "int3 byte raising #GP: 0");
	CHECK(x86_soft_int_len(int1, 1, 1) == 1, "int1: 1");
	CHECK(x86_soft_int_len(into, 1, 4) == 1, "into: 1");
	CHECK(x86_soft_int_len(into, 1, 6) == 0, "into byte raising #UD: 0");
	CHECK(x86_soft_int_len(ud2, 2, 6) == 0, "ud2 raising #UD: 0 (a fault)");
	CHECK(x86_soft_int_len(int3, 0, 3) == 0, "nothing readable: 0");
}

int main(void)
{
	test_simple_classes();
	test_io();
	test_malformed();
	test_soft_int();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
