/*
 * mmiostore: every store encoding the hypervisor emulates for the root's
 * trapped MMIO stores (hv/core/insn.c, through mmio_store.c; docs/root-vm.md
 * "Local APIC"), each against a register that reads back.
 *
 * The register is the local APIC's timer initial count (0xFEE00380): 32 bits
 * that read back as written (SDM 10.5.4; with the LVT timer masked, nothing
 * fires).  Each form (store.S) stores its own value; the check reads the
 * register (a real read: the page is mapped read-only) and the form's
 * function returning proves RIP advanced by exactly the instruction's length:
 * 89 /r with mod 00, disp32, SIB without base, SIB with disp8, REX.RB
 * (R10D to [R11]), 67 (32-bit addressing); C7 /0 with SIB, disp32 and imm32;
 * A3 with a 64-bit and (67) a 32-bit offset; EIP-relative (67 with ModRM
 * mod 00 rm 101: the image is more than 2 GiB below the APIC page, so the
 * 32-bit wrap reaches it); each of 89, A3 and C7 padded with prefixes
 * to the 15-byte limit; and in compatibility mode (CS.D = 1, CS.L = 0) 89 /r,
 * 89 with an absolute disp32 and A3 with its 32-bit offset; then, from code
 * segments whose base is not 0 (based.c: the hypervisor must fetch at
 * CS.base + EIP), 89 /r and A3 in compatibility mode and 66 67 89 /r in a
 * 16-bit segment.  The processor
 * itself refuses 17 bytes (#GP) before any exit, so the hypervisor never
 * sees them,
 * nothing stored.  89 /r with SIB base RBP and a disp8 lands exactly on the
 * UD2 behind it.  Last, a 16-bit store (66 89) must stop the root (MVP
 * EXPECT-STOP).  The variants: `lock` tries LOCK MOV (lock_form below),
 * `rexw` a 64-bit store (REX.W 89), which must stop the root, and `pageend`
 * stores that end at a page's end before an absent page (pageend.c).
 *
 * No ABI item names the root's platform: every check is items=none.
 */
#include "probe.h"

PROBE_TITLE("root VM MMIO store encodings: each emulated form reads back, the others refused");

#define LAPIC 0xFEE00000ull
#define REG_LVT_TIMER 0x320u
#define REG_INIT_COUNT 0x380u
#define LVT_MASKED (1u << 16)
#define VECTOR_UD 6
#define VECTOR_GP 13

typedef void store_fn(uint64_t addr, uint32_t value);
store_fn ms_89_mod0, ms_89_disp32, ms_89_sib_nobase, ms_89_sib_disp8, ms_89_rex_r10,
	ms_89_addr32, ms_c7_sib_disp32, ms_a3_moffs64, ms_a3_addr32, ms_89_eiprel,
	ms_89_15bytes, ms_a3_15bytes, ms_c7_15bytes, ms_89_17bytes, ms_lock_89, ms_66_89,
	ms_compat_89, ms_compat_a3, ms_compat_disp32, ms_89_sib_rbp, ms_rexw_89, ms_ret;
extern char ms_eiprel_disp[], ms_eiprel_next[];
extern volatile uint32_t ms_compat_ecx;
extern char ms_89_sib_rbp_end[], ms_89_sib_rbp_resume[];
extern char ms_89_17bytes_insn[], ms_89_17bytes_resume[], ms_lock_89_insn[], ms_lock_89_resume[];

void page_end_checks(uint64_t reg, uint32_t v89, uint32_t vc7); /* pageend.c */
void based_checks(uint64_t reg); /* based.c */

static volatile uint32_t *reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(LAPIC + off);
}

struct form {
	const char *id;
	store_fn *fn;
	uint32_t value; /* what it stores (its immediate, for C7) */
	const char *desc;
};

static const struct form forms[] = {
	{ "store-89-mod0", ms_89_mod0, 0x11000001u, "89 37: MOV [RDI], ESI (ModRM mod 00)" },
	{ "store-89-disp32", ms_89_disp32, 0x11000002u, "89 B7 disp32: [RDI + 0x380]" },
	{ "store-89-sib-nobase", ms_89_sib_nobase, 0x11000003u,
	  "89 34 0D disp32: SIB without base, [RCX*1 + 6] (a RIP 4 bytes short runs 06: #UD)" },
	{ "store-89-sib-disp8", ms_89_sib_disp8, 0x11000004u,
	  "89 74 8F 80: SIB with base and disp8, [RDI + RCX*4 - 0x80]" },
	{ "store-89-rex-r10", ms_89_rex_r10, 0x11000005u,
	  "45 89 13: REX.RB, the value from R10D, the address in R11" },
	{ "store-89-addr32", ms_89_addr32, 0x11000006u, "67 89 37: 32-bit addressing, [EDI]" },
	{ "store-c7-sib-disp32", ms_c7_sib_disp32, 0x5EC70000u,
	  "C7 84 0F disp32 imm32: MOV r/m32, imm32 with SIB and disp32 (11 bytes)" },
	{ "store-a3-moffs64", ms_a3_moffs64, 0x11000008u,
	  "A3 moffs64: MOV [0xFEE00380], EAX with a 64-bit offset (9 bytes)" },
	{ "store-a3-addr32", ms_a3_addr32, 0x11000009u,
	  "67 A3 moffs32: the same with a 32-bit offset (6 bytes)" },
	{ "store-89-eiprel", ms_89_eiprel, 0x1100000Au,
	  "67 89 35 disp32: EIP-relative (RIP-relative with 32-bit addressing)" },
	{ "store-89-15-bytes", ms_89_15bytes, 0x1100000Bu,
	  "13 DS prefixes + 89 37: 15 bytes, the architectural limit" },
	{ "store-a3-15-bytes", ms_a3_15bytes, 0x1100000Cu,
	  "6 DS prefixes + A3 moffs64: 15 bytes" },
	{ "store-c7-15-bytes", ms_c7_15bytes, 0x15C70000u,
	  "4 DS prefixes + C7 84 0F disp32 imm32: 15 bytes" },
	{ "store-compat-89", ms_compat_89, 0x1100000Du,
	  "89 03 in compatibility mode (CS.D = 1): MOV [EBX], EAX" },
	{ "store-compat-a3", ms_compat_a3, 0x1100000Eu,
	  "A3 moffs32 in compatibility mode: the offset is 4 bytes (5-byte instruction)" },
	{ "store-compat-disp32", ms_compat_disp32, 0x1100000Fu,
	  "89 05 disp32 in compatibility mode: ModRM mod 00 rm 101, an absolute disp32" },
};

static void check_form(const struct form *f)
{
	*reg(REG_INIT_COUNT) = 0;
	f->fn(LAPIC + REG_INIT_COUNT, f->value);
	check_eq(f->id, "none", f->value, *reg(REG_INIT_COUNT),
		 "%s to the timer's initial count is emulated: it reads back, RIP behind it",
		 f->desc);
}

/* A form the processor refuses with `vector` at `insn`: the hypervisor never
 * sees it, and nothing is stored. */
static void check_cpu_refuses(const char *id, store_fn *fn, const char *insn, const char *resume,
			      uint8_t vector, const char *desc)
{
	struct rt_exc e = { 0 };

	*reg(REG_INIT_COUNT) = 0x22222222u;
	rt_expect(vector, (uintptr_t)insn, (uintptr_t)resume);
	fn(LAPIC + REG_INIT_COUNT, 0x33333333u);
	bool fired = rt_expect_take(&e);
	uint32_t after = *reg(REG_INIT_COUNT);
	const char *want = vector == VECTOR_GP ? "gp-unchanged" : "ud-unchanged";
	const char *got = !fired ? "no-fault" : after != 0x22222222u ? "stored" : want;
	check_tok(id, "none", want, got, fired && after == 0x22222222u,
		  "%s: the processor raises %s at the instruction before any exit; the register "
		  "keeps 0x22222222 (reads 0x%x)", desc, vector == VECTOR_GP ? "#GP" : "#UD", after);
}

/* 89 74 0D 00 ([RBP + RCX*1 + disp8]: SIB base 101 with mod 01 takes a
 * disp8, not a disp32): stored, and RIP lands exactly on the UD2 behind it. */
static void check_sib_rbp(void)
{
	struct rt_exc e = { 0 };
	const uint32_t value = 0x11000010u;

	*reg(REG_INIT_COUNT) = 0;
	rt_expect(VECTOR_UD, (uintptr_t)ms_89_sib_rbp_end, (uintptr_t)ms_89_sib_rbp_resume);
	ms_89_sib_rbp(LAPIC + REG_INIT_COUNT, value);
	bool fired = rt_expect_take(&e);
	uint32_t got = *reg(REG_INIT_COUNT);

	check_tok("store-89-sib-rbp-disp8", "none", rt_fmt("0x%x:landed", value),
		  rt_fmt("0x%x:%s", got, fired ? "landed" : "no-ud"), fired && got == value,
		  "89 74 0D 00: SIB with base RBP and mod 01 (disp8, 4 bytes) to the timer's initial "
		  "count is emulated: it reads back (0x%x) and RIP lands on the UD2 right behind it",
		  got);
}

/* A form the hypervisor does not emulate: `fn`'s store to the timer's
 * initial count must stop the root (MVP EXPECT-STOP, RIP at the store: each
 * such form is its function's first instruction); `what` names it when the
 * root went on. */
static void check_form_stops(const char *id, const char *stopped_id, store_fn *fn,
			     const char *desc, const char *what)
{
	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_DEVICE_FORM,
						RT_STOP_RIP(fn) },
			  id, "none", "%s", desc);
	fn(LAPIC + REG_INIT_COUNT, 0x44444444u);
	check_tok(stopped_id, "none", "root-stopped", "continued", false,
		  "%s to the local APIC did not stop the root", what);
}

/* The variant `rexw` (form=rexw): 48 89 37, a 64-bit store to the timer's
 * initial count.  The hypervisor emulates 32-bit stores only (insn.c): it
 * must stop the root rather than store 32 of the 64 bits. */
static void rexw_form(void)
{
	check_form_stops("store-rexw-stops", "store-rexw-stopped", ms_rexw_89,
			 "48 89 37 (REX.W: a 64-bit store to the timer's initial count, a form the "
			 "hypervisor does not emulate) stops the root",
			 "the 64-bit store");
}

/*
 * The variant `lock` (form=lock): LOCK MOV.  The SDM's processor raises #UD
 * for it at decode (so does Bochs): then the APIC store must raise #UD too,
 * before any exit, nothing stored.  QEMU 7.2 TCG and Unicorn execute it as a
 * plain MOV (measured on ordinary RAM first): there the store reaches the
 * hypervisor, which must not emulate it, and stops the root (EXPECT-STOP).
 */
static void lock_form(void)
{
	volatile uint32_t ram = 0x22222222u;
	struct rt_exc e = { 0 };

	rt_expect(VECTOR_UD, (uintptr_t)ms_lock_89_insn, (uintptr_t)ms_lock_89_resume);
	ms_lock_89((uint64_t)(uintptr_t)&ram, 0x33333333u);
	if (rt_expect_take(&e)) {
		rt_log("LOCK MOV to RAM raised #UD: the processor refuses the form itself");
		check_cpu_refuses("store-lock-ud", ms_lock_89, ms_lock_89_insn, ms_lock_89_resume,
				  VECTOR_UD, "F0 89 37 (LOCK MOV)");
		return;
	}
	rt_log("LOCK MOV to RAM stored 0x%x: this processor executes it", ram);
	check_form_stops("store-lock-stops", "store-lock-stopped", ms_lock_89,
			 "F0 89 37 (LOCK MOV) to the timer's initial count, on a processor that "
			 "executes LOCK MOV: the hypervisor does not emulate it and stops the root",
			 "the LOCK MOV");
}

void probe_main(void)
{
	char form[8];

	if (mb_cmdline_get("form", form, sizeof(form)) && !rt_strcmp(form, "lock")) {
		lock_form();
		return;
	}
	if (mb_cmdline_get("form", form, sizeof(form)) && !rt_strcmp(form, "rexw")) {
		rexw_form();
		return;
	}
	if (mb_cmdline_get("form", form, sizeof(form)) && !rt_strcmp(form, "pageend")) {
		uint32_t lvt = *reg(REG_LVT_TIMER);

		*reg(REG_LVT_TIMER) = LVT_MASKED | 0x40;
		page_end_checks(LAPIC + REG_INIT_COUNT, 0x11000011u, 0x5EC70012u);
		*reg(REG_INIT_COUNT) = 0;
		*reg(REG_LVT_TIMER) = lvt;
		return;
	}

	uint32_t lvt = *reg(REG_LVT_TIMER);
	uint32_t disp = (uint32_t)(LAPIC + REG_INIT_COUNT - (uintptr_t)ms_eiprel_next);

	*reg(REG_LVT_TIMER) = LVT_MASKED | 0x40;
	memcpy(ms_eiprel_disp, &disp, sizeof(disp));
	__asm__ volatile("mfence" ::: "memory");
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		check_form(&forms[i]);
	check_sib_rbp();
	check_eq("store-compat-a3-length", "none", 0x5A5A, ms_compat_ecx,
		 "after A3 moffs32 in compatibility mode RIP lands on the next instruction: ECX "
		 "keeps 0x5A5A (a RIP 2 bytes short would run the offset's E0 FE, LOOPNE)");
	based_checks(LAPIC + REG_INIT_COUNT);

	check_cpu_refuses("store-17-bytes-gp", ms_89_17bytes, ms_89_17bytes_insn,
			  ms_89_17bytes_resume, VECTOR_GP, "15 DS prefixes + 89 37 (17 bytes)");

	*reg(REG_INIT_COUNT) = 0;
	*reg(REG_LVT_TIMER) = lvt;
	check_form_stops("store-16-bit-stops", "store-16-bit-stopped", ms_66_89,
			 "66 89 37 (a 16-bit store to the timer's initial count, a form the "
			 "hypervisor does not emulate) stops the root",
			 "the 16-bit store");
}
