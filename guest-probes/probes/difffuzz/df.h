/*
 * difffuzz probe: the program format (docs/difffuzz.md "Program format") and
 * the interfaces between its files: main.c (the batch and the reset between
 * programs), exec.c (decoding and executing one program), trace.c (the
 * canonical, normalised trace line of one call and the trace hash).
 * Everything is little-endian; every length and index is checked before use.
 */
#ifndef DF_H
#define DF_H

#include "vmm.h"

#define DF_BATCH_MAGIC "MVDFBAT1"
#define DF_PROG_MAGIC "MVDFPRG1"
#define DF_BATCH_HDR 16u   /* magic[8] u32 count u32 reserved(0) */
#define DF_PROG_HDR 56u    /* magic[8] u32 length u32 nops u64 expected char name[32] */
#define DF_NAME_LEN 32u
#define DF_MAX_OPS 256u

/* Operations. */
#define DF_OP_CALL 1u /* u64 rax, 6 args */
#define DF_OP_MDL 2u  /* u8 ctrl page, u8 nent, u64 num, u64 revz0, arg next, nent x (arg gpa, u64 size, u64 flags) */
#define DF_OP_CODE 3u /* u8 code page, u16 len, len bytes at the page's start */
#define DF_OP_DATA 4u /* u8 ctrl page, u16 offset, u16 len, len bytes */

/* An argument: u8 base, u8 flags, u64 xor, then the base's payload. */
#define DF_ARG_LIT 0u      /* u64 value */
#define DF_ARG_OUT 1u      /* u8 op index (earlier), u8 register 0-5: that call's output */
#define DF_ARG_HANDLE 2u   /* the probe's open handle */
#define DF_ARG_PAGE 3u     /* u8 region, u8 page, u16 offset */
#define DF_ARG_NOTOWNED 4u /* u16 offset: from vmm_not_owned_gpa() */
#define DF_ARGF_WRITES 1u  /* the call writes the page at this GPA: hash it after SUCCESS */

/* Arena regions, fresh pages for every program. */
#define DF_REG_CTRL 0u  /* MDLs and data the probe writes; never in an MDL entry */
#define DF_REG_DONOR 1u /* pages MDL entries name; the probe never writes them */
#define DF_REG_CODE 2u  /* guest code the probe writes before any call names the page */
#define DF_NREGIONS 3u
#define DF_REGION_PAGES 16u

struct df_arena {
	uint64_t base[DF_NREGIONS];
};

/* One decoded argument (for the trace) and its concrete value. */
struct df_arg {
	uint8_t base, flags, a, b;
	uint16_t off;
	uint64_t lit, xor_, value;
};

/* A program's decoding state. */
struct df_prog {
	const uint8_t *p;
	uint32_t len, pos;
	uint32_t nops;
	uint64_t expected;
	char name[DF_NAME_LEN + 1];
	struct df_arena arena;
	const char *error; /* first decoding error, NULL while fine */
	uint64_t hash;     /* FNV-1a over the trace lines */
	uint32_t index;    /* position in the batch */
	char items[200];   /* the first distinct hypercalls called (the case's check
			    * items; a CHECK line must stay within the runtime's line) */
	/* Last: a program's start clears the fields above only; df_exec sets
	 * each operation's status and outputs before the operation runs, and
	 * an argument can name only an earlier operation's. */
	uint64_t st[DF_MAX_OPS];
	uint64_t out[DF_MAX_OPS][6];
};

/* exec.c: decodes and runs prog (already headed); false with prog->error set
 * when it is malformed (the calls before the error have run). */
bool df_exec(struct df_prog *prog);

/* main.c: how many root VPs (one per PP) the machine has: guest VPIDs and
 * VPSIDs are numbered after them (trace.c's rule R8). */
extern uint64_t df_root_vps;

/* trace.c */
void df_trace_call(struct df_prog *prog, uint32_t op, uint64_t rax, const struct df_arg *a,
		   uint64_t st, const uint64_t *out, uint64_t memhash);
uint64_t df_hash_bytes(uint64_t h, const void *p, uint64_t n);
#define DF_HASH_INIT 0xcbf29ce484222325ull

#endif /* DF_H */
