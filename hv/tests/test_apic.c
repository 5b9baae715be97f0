/*
 * Unit tests of the root's local APIC policy (hv/core/apic.c) and of the
 * store decoder it uses (hv/core/insn.c), on the fake arch: decoded forms
 * and refusals, INIT/SIPI turned into root-VP state of the target PPs, NMI
 * IPIs into NMIs queued to the target root VPs, the
 * ICR and LVT writes that reach the (fake) local APIC and those that do
 * not, IA32_APIC_BASE and the x2APIC MSRs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/apic.h>
#include <hv/exit.h>
#include <hv/insn.h>
#include <hv/ioapic.h>
#include <hv/pp.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "test_main.h"

#define LAPIC_PAGE 0xFEE00000ull
#define CODE 0x200000ull

struct form {
	const char *bytes;
	size_t n;
	enum insn_mode mode;
	uint8_t len, is_imm, reg;
	uint32_t imm;
};

static void test_insn_forms(void)
{
	static const struct form forms[] = {
		{ "\x89\x05\x00\x03\xe0\xfe", 6, INSN_MODE_32, 6, 0, 0, 0 },        /* disp32 */
		{ "\xc7\x05\x00\x03\xe0\xfe\x11\x22\x33\x44", 10, INSN_MODE_32, 10, 1, 0, 0x44332211 },
		{ "\x89\x04\x24", 3, INSN_MODE_32, 3, 0, 0, 0 },                    /* SIB, ESP base */
		{ "\x89\x1c\x25\x00\x03\xe0\xfe", 7, INSN_MODE_32, 7, 0, 3, 0 },    /* SIB, no base */
		{ "\x89\x4c\x24\x08", 4, INSN_MODE_64, 4, 0, 1, 0 },                /* SIB + disp8 */
		{ "\x89\xb0\x00\x03\x00\x00", 6, INSN_MODE_64, 6, 0, 6, 0 },        /* disp32 */
		{ "\x44\x89\x0c\x37", 4, INSN_MODE_64, 4, 0, 9, 0 },                /* REX.R, SIB */
		{ "\x3e\x65\xc7\x47\x80\x01\x00\x00\x00", 9, INSN_MODE_64, 9, 1, 0, 1 }, /* prefixes */
		{ "\x67\x89\x07", 3, INSN_MODE_64, 3, 0, 0, 0 },                    /* 32-bit addr */
		{ "\x66\x67\x89\x07", 4, INSN_MODE_16, 4, 0, 0, 0 },                /* unreal mode */
		{ "\x89\x05\x00\x00\x00\x00\x90", 7, INSN_MODE_64, 6, 0, 0, 0 },    /* RIP-relative */
		{ "\xa3\x10\x03\xe0\xfe\x00\x00\x00\x00", 9, INSN_MODE_64, 9, 0, 0, 0 }, /* A3 moffs64 */
		{ "\x67\xa3\x10\x03\xe0\xfe", 6, INSN_MODE_64, 6, 0, 0, 0 },   /* A3 moffs32 */
		{ "\xa3\x10\x03\xe0\xfe", 5, INSN_MODE_32, 5, 0, 0, 0 },        /* A3 moffs32 */
		{ "\x66\xa3\x10\x03", 4, INSN_MODE_16, 4, 0, 0, 0 },             /* A3 moffs16 */
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct form *f = &forms[i];
		struct insn_store st = { 0 };
		const char *why = insn_decode_store32((const uint8_t *)f->bytes, f->n, f->mode, &st);
		if (why)
			fprintf(stderr, "form %zu refused: %s\n", i, why);
		EXPECT_TRUE(why == NULL);
		EXPECT_EQ(st.len, f->len);
		EXPECT_EQ(st.is_imm, f->is_imm);
		EXPECT_EQ(st.reg, f->reg);
		EXPECT_EQ(st.imm, f->imm);
	}
}

static void test_insn_refused(void)
{
	static const struct form refused[] = {
		{ "\x48\x89\x07", 3, INSN_MODE_64, 0, 0, 0, 0 },  /* REX.W: 64-bit store */
		{ "\x66\x89\x07", 3, INSN_MODE_64, 0, 0, 0, 0 },  /* 16-bit store */
		{ "\x89\x07", 2, INSN_MODE_16, 0, 0, 0, 0 },      /* 16-bit store */
		{ "\x66\x89\x07", 3, INSN_MODE_16, 0, 0, 0, 0 },  /* 16-bit addressing */
		{ "\x67\x89\x07", 3, INSN_MODE_32, 0, 0, 0, 0 },  /* 16-bit addressing */
		{ "\xc6\x07\x00", 3, INSN_MODE_64, 0, 0, 0, 0 },  /* 8-bit store */
		{ "\x89\xc0", 2, INSN_MODE_64, 0, 0, 0, 0 },      /* register destination */
		{ "\xc7\x4f\x80\x00\x00\x00\x00", 7, INSN_MODE_64, 0, 0, 0, 0 }, /* C7 /1 */
		{ "\xf0\x89\x07", 3, INSN_MODE_64, 0, 0, 0, 0 },  /* LOCK */
		{ "\xc7\x05\x00\x00", 4, INSN_MODE_32, 0, 0, 0, 0 }, /* truncated */
		{ "\x87\x07", 2, INSN_MODE_64, 0, 0, 0, 0 },      /* XCHG */
		{ "\x48\xa3\x10\x03\xe0\xfe\x00\x00\x00\x00", 10, INSN_MODE_64, 0, 0, 0, 0 }, /* REX.W A3 */
		{ "\xa3\x10\x03\xe0\xfe", 5, INSN_MODE_64, 0, 0, 0, 0 },  /* A3, truncated moffs64 */
		{ "\xa2\x10\x03\xe0\xfe", 5, INSN_MODE_32, 0, 0, 0, 0 },  /* A2: 8-bit store */
		{ "\xc5\xf9\x7e\x07", 4, INSN_MODE_64, 0, 0, 0, 0 }, /* VEX VMOVD */
		{ "\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x89\x07", 16, INSN_MODE_64,
		  0, 0, 0, 0 },                                   /* longer than 15 bytes */
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct insn_store st;
		const char *why = insn_decode_store32((const uint8_t *)refused[i].bytes, refused[i].n,
						      refused[i].mode, &st);
		if (!why)
			fprintf(stderr, "form %zu was accepted\n", i);
		EXPECT_TRUE(why != NULL);
	}
}

/* Boot 3 PPs with the local APIC page; the root VPS of PP 0 in 32-bit
 * protected mode about to run `code` at CODE. */
static struct hv_vps *boot(const char *code, size_t n)
{
	fake_num_pps = 3;
	fake_lapic_page = LAPIC_PAGE;
	struct hv_vps *vps = fake_boot_default();
	struct fake_vps_regs *r = fake_regs(vps);
	memcpy(fake_mem + CODE, code, n);
	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_cs_attrib] = 0xC09B;
	r->reg[bf_reg_t_cs_base] = 0;
	return vps;
}

/* The root stores EAX to APIC register `off` with `89 07` (EDI unused). */
static enum hv_exit_action store(struct hv_vps *vps, uint32_t off, uint32_t val)
{
	struct fake_vps_regs *r = fake_regs(vps);
	struct hv_exit e = { .type = HV_EXIT_SLPT_VIOLATION, .rip = CODE };

	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_rax] = val;
	e.u.slpt.gpa = LAPIC_PAGE + off;
	e.u.slpt.access = HV_ACCESS_WRITE;
	e.u.slpt.present = 1;
	return exit_handle(pp_get(0), vps, &e);
}

static void test_icr_start_up(void)
{
	struct hv_vps *vps = boot("\x89\x07", 2);
	struct hv_pp *pp1 = pp_get(1), *pp2 = pp_get(2);

	EXPECT_TRUE(apic_is_root_page(LAPIC_PAGE + 0x300));
	EXPECT_TRUE(!apic_is_root_page(LAPIC_PAGE + 0x1000));
	EXPECT_EQ(core_pp_init(1), 0);
	EXPECT_EQ(core_pp_init(2), 0);
	/* INIT then SIPI 0x9A to APIC ID 1: PP 1 only. */
	fake_lapic[0x310 / 16] = 1u << 24;
	EXPECT_EQ(store(vps, 0x300, 0x4500), HV_ACTION_RESUME);
	EXPECT_EQ(fake_regs(vps)->reg[bf_reg_t_rip], CODE + 2);
	EXPECT_EQ(store(vps, 0x300, 0x469A), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->sipi_pending, 1);
	EXPECT_EQ(pp2->sipi_pending, 0);
	EXPECT_EQ(fake_lapic[0x300 / 16], 0); /* nothing reached the hardware */
	EXPECT_TRUE(apic_pp_take_sipi(pp1));
	EXPECT_TRUE(!apic_pp_take_sipi(pp1));
	EXPECT_TRUE(pp1->online);
	struct fake_vps_regs *r1 = fake_regs(pp1->root_vps);
	EXPECT_EQ(r1->reg[bf_reg_t_cs], 0x9A00);
	EXPECT_EQ(r1->reg[bf_reg_t_cs_base], 0x9A000);
	EXPECT_EQ(r1->reg[bf_reg_t_rip], 0);
	EXPECT_EQ(r1->reg[bf_reg_t_cr0], 0x60000010);
	EXPECT_TRUE(strstr(fake_console, "pp 1: root VP started by SIPI vector 0x9a") != NULL);
	/* A SIPI to a running PP is ignored; all-but-self reaches PP 2 only. */
	EXPECT_EQ(store(vps, 0x300, 0xC4607), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->sipi_pending, 0);
	EXPECT_EQ(pp2->sipi_pending, 1);
	EXPECT_EQ(pp2->sipi_vector, 7);
	/* INIT to the running PP 1 kicks it and parks it at that exit; a SIPI
	 * sent before it parked is kept and taken once it has. */
	unsigned kicks = fake_kicks[1];
	EXPECT_EQ(store(vps, 0x300, 0x4500), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->init_pending, 1);
	EXPECT_EQ(fake_kicks[1], kicks + 1);
	EXPECT_EQ(store(vps, 0x300, 0x4611), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->sipi_pending, 1);
	EXPECT_EQ(fake_kicks[1], kicks + 2); /* the SIPI kicks it too: a parked PP naps */
	EXPECT_TRUE(apic_pp_take_init(pp1));
	EXPECT_TRUE(!pp1->online);
	EXPECT_TRUE(apic_pp_take_sipi(pp1));
	EXPECT_EQ(fake_regs(pp1->root_vps)->reg[bf_reg_t_cs], 0x1100);
	/* Parked again for what follows. */
	EXPECT_EQ(store(vps, 0x300, 0x4500), HV_ACTION_RESUME);
	EXPECT_TRUE(apic_pp_take_init(pp1));
	EXPECT_TRUE(!pp1->online);
	/* An APIC ID no PP has: nothing. */
	fake_lapic[0x310 / 16] = 0x3Eu << 24;
	EXPECT_EQ(store(vps, 0x300, 0x4608), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->sipi_pending, 0);
	/* INIT level de-assert: no effect. */
	EXPECT_EQ(store(vps, 0x300, 0xC8500), HV_ACTION_RESUME);
	EXPECT_EQ(pp1->init_pending, 0);
	/* A logical destination for INIT/SIPI is refused. */
	fake_lapic[0x310 / 16] = 1u << 24;
	EXPECT_EQ(store(vps, 0x300, 0x4D00), HV_ACTION_STOP);
	EXPECT_TRUE(strstr(fake_console, "logical destination") != NULL);
}

static void test_icr_init_self(void)
{
	struct hv_vps *vps = boot("\x89\x07", 2);

	EXPECT_EQ(store(vps, 0x300, 0x44500), HV_ACTION_STOP); /* shorthand self */
	EXPECT_TRUE(strstr(fake_console, "root VM stopped on pp 0: INIT to its own processor") != NULL);
	EXPECT_EQ(fake_lapic[0x300 / 16], 0);
}

static void test_icr_passthrough(void)
{
	struct hv_vps *vps = boot("\x89\x07", 2);

	EXPECT_EQ(store(vps, 0x300, 0xC00F1), HV_ACTION_RESUME); /* fixed, all but self */
	EXPECT_EQ(fake_lapic[0x300 / 16], 0xC00F1);
	EXPECT_EQ(store(vps, 0x300, 0xC0400), HV_ACTION_RESUME); /* NMI: never the hardware's */
	EXPECT_EQ(fake_lapic[0x300 / 16], 0xC00F1);
	EXPECT_EQ(store(vps, 0x300, 0xC0200), HV_ACTION_RESUME); /* SMI: not delivered */
	EXPECT_EQ(fake_lapic[0x300 / 16], 0xC00F1);
	EXPECT_EQ(store(vps, 0x80, 0x20), HV_ACTION_RESUME);     /* TPR */
	EXPECT_EQ(fake_lapic[0x80 / 16], 0x20);
	EXPECT_EQ(fake_regs(vps)->reg[bf_reg_t_cr8], 2); /* CR8 = TPR[7:4] */
	EXPECT_EQ(store(vps, 0xB0, 0), HV_ACTION_RESUME);        /* EOI */
	EXPECT_EQ(store(vps, 0x310, 5u << 24), HV_ACTION_RESUME);
	EXPECT_EQ(fake_lapic[0x310 / 16], 5u << 24);
}

/* NMI IPIs: queued to the target root VPs that run, never sent. */
static void test_icr_nmi(void)
{
	struct hv_vps *vps = boot("\x89\x07", 2);
	struct hv_pp *pp1 = pp_get(1), *pp2 = pp_get(2);

	EXPECT_EQ(core_pp_init(1), 0);
	EXPECT_EQ(core_pp_init(2), 0);
	fake_lapic[0x310 / 16] = 0; /* its own APIC ID */
	EXPECT_EQ(store(vps, 0x300, 0x4400), HV_ACTION_RESUME);
	EXPECT_TRUE(vps->evq.nmi);
	EXPECT_EQ(fake_regs(vps)->reg[bf_reg_t_rip], CODE + 2);
	EXPECT_EQ(fake_lapic[0x300 / 16], 0); /* nothing reached the hardware */
	vps->evq.nmi = false;
	/* All but self while PPs 1 and 2 wait for a SIPI (NMIs blocked): nothing. */
	EXPECT_EQ(store(vps, 0x300, 0xC4400), HV_ACTION_RESUME);
	EXPECT_TRUE(!vps->evq.nmi && !pp1->root_vps->evq.nmi && !pp2->root_vps->evq.nmi);
	/* PP 1 runs its root VP: all but self reaches it, and only it. */
	pp1->online = true;
	EXPECT_EQ(store(vps, 0x300, 0xC4400), HV_ACTION_RESUME);
	EXPECT_TRUE(pp1->root_vps->evq.nmi && !pp2->root_vps->evq.nmi && !vps->evq.nmi);
	pp1->root_vps->evq.nmi = false;
	/* Its APIC ID as the destination; then an APIC ID no PP has. */
	fake_lapic[0x310 / 16] = 1u << 24;
	EXPECT_EQ(store(vps, 0x300, 0x4400), HV_ACTION_RESUME);
	EXPECT_TRUE(pp1->root_vps->evq.nmi && !vps->evq.nmi);
	pp1->root_vps->evq.nmi = false;
	fake_lapic[0x310 / 16] = 0x3Eu << 24;
	EXPECT_EQ(store(vps, 0x300, 0x4400), HV_ACTION_RESUME);
	EXPECT_TRUE(!pp1->root_vps->evq.nmi && !vps->evq.nmi);
	/* All including self: itself and PP 1. */
	EXPECT_EQ(store(vps, 0x300, 0x84400), HV_ACTION_RESUME);
	EXPECT_TRUE(vps->evq.nmi && pp1->root_vps->evq.nmi && !pp2->root_vps->evq.nmi);
	EXPECT_EQ(fake_lapic[0x300 / 16], 0);
	/* A logical destination is refused (the root stops; the stop waits at
	 * most 1 s for PP 1, which runs no core here: E-66). */
	fake_lapic[0x310 / 16] = 1u << 24;
	fake_tsc_auto = 100000000;
	EXPECT_EQ(store(vps, 0x300, 0x4C00), HV_ACTION_STOP);
	EXPECT_TRUE(strstr(fake_console, "INIT/SIPI/NMI with a logical destination") != NULL);
	pp1->online = false;
}

static void test_lvt_refused(void)
{
	struct hv_vps *vps = boot("\x89\x07", 2);

	EXPECT_EQ(store(vps, 0x350, 0x700), HV_ACTION_RESUME); /* LINT0 ExtINT */
	EXPECT_EQ(fake_lapic[0x350 / 16], 0x700);
	EXPECT_EQ(store(vps, 0x360, 0x400), HV_ACTION_RESUME); /* LINT1 NMI */
	EXPECT_EQ(fake_lapic[0x360 / 16], 0x400);
	EXPECT_EQ(store(vps, 0x350, 0x500), HV_ACTION_RESUME); /* LINT0 INIT: refused */
	EXPECT_EQ(fake_lapic[0x350 / 16], 0x700);
	EXPECT_EQ(store(vps, 0x340, 0x200), HV_ACTION_RESUME); /* perf SMI: refused */
	EXPECT_EQ(fake_lapic[0x340 / 16], 0);
	EXPECT_EQ(store(vps, 0x320, 0x200F8), HV_ACTION_RESUME); /* timer: no mode field */
	EXPECT_EQ(fake_lapic[0x320 / 16], 0x200F8);
}

static void test_apic_msrs(void)
{
	struct hv_vps *vps = boot("\x0f\x32", 2);
	struct fake_vps_regs *r = fake_regs(vps);
	struct hv_exit e = { .type = HV_EXIT_MSR, .rip = CODE };

	e.u.msr.index = 0x1B;
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0xFEE00900);
	EXPECT_EQ(r->reg[bf_reg_t_rdx], 0);
	e.u.msr.write = 1;
	e.u.msr.value = 0xFEE00900;
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	e.u.msr.value = 0xFEE00800; /* BSP is read-only: same value */
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	e.u.msr.value = 0xFED00900;
	EXPECT_EQ(apic_root_msr(vps, &e), -1);
	e.u.msr.value = 0xFEE00D00; /* x2APIC */
	EXPECT_EQ(apic_root_msr(vps, &e), -1);
	e.u.msr.value = 0xFEE00100; /* disable: virtual, reads back EN=0 */
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	e.u.msr.write = 0;
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0xFEE00100);
	e.u.msr.write = 1;
	e.u.msr.value = 0xFED00100; /* disabled, and moved: still #GP */
	EXPECT_EQ(apic_root_msr(vps, &e), -1);
	e.u.msr.value = 0xFEE00900; /* enable again */
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	e.u.msr.write = 0;
	EXPECT_EQ(apic_root_msr(vps, &e), 0);
	EXPECT_EQ(r->reg[bf_reg_t_rax], 0xFEE00900);
	e.u.msr.write = 1;
	e.u.msr.index = 0x830;
	EXPECT_EQ(apic_root_msr(vps, &e), -1);
	e.u.msr.write = 0;
	e.u.msr.index = 0x802;
	EXPECT_EQ(apic_root_msr(vps, &e), -1);
	EXPECT_TRUE(apic_is_root_msr(0x1B) && apic_is_root_msr(0x800) && apic_is_root_msr(0x8FF));
	EXPECT_TRUE(!apic_is_root_msr(0x1C) && !apic_is_root_msr(0x7FF) && !apic_is_root_msr(0x900));
	/* Through the exit path: RIP advances by 2 for the allowed read. */
	e.u.msr.index = 0x1B;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(r->reg[bf_reg_t_rip], CODE + 2);
}

static void test_store_refused(void)
{
	struct hv_vps *vps = boot("\xc6\x07\x00", 3);

	EXPECT_EQ(store(vps, 0x80, 0), HV_ACTION_STOP);
	EXPECT_TRUE(strstr(fake_console, "not a MOV r/m32 store") != NULL);
	EXPECT_TRUE(strstr(fake_console, "local APIC store at rip 0x200000 not emulated") != NULL);
	EXPECT_TRUE(strstr(fake_console, "root VM stopped on pp 0: store to a device register in a "
					 "form the hypervisor does not emulate") != NULL);
	/* Unaligned. */
	EXPECT_EQ(store(vps, 0x81, 0), HV_ACTION_STOP);
	/* Code the root cannot fetch (outside its memory). */
	fake_regs(vps)->reg[bf_reg_t_rip] = FAKE_MEM_SIZE - 0x1000;
	struct hv_exit e = { .type = HV_EXIT_SLPT_VIOLATION, .rip = FAKE_MEM_SIZE - 0x1000 };
	e.u.slpt.gpa = LAPIC_PAGE + 0x80;
	e.u.slpt.access = HV_ACCESS_WRITE;
	e.u.slpt.present = 1;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_STOP);
	EXPECT_TRUE(strstr(fake_console, "cannot be fetched") != NULL);
}

/* A store in 64-bit mode (EFER.LMA, CS.L): `44 89 07` is MOV [RDI], R8D
 * there (REX.R), stored from R8; in 32-bit mode 44 is no prefix at all. */
static void test_store_64bit(void)
{
	struct hv_vps *vps = boot("\x44\x89\x07", 3);
	struct fake_vps_regs *r = fake_regs(vps);

	r->reg[bf_reg_t_efer] = 0x500;
	r->reg[bf_reg_t_cr0] = 0x11;
	r->reg[bf_reg_t_cs_attrib] = 0xA09B;
	r->reg[bf_reg_t_r8] = 0x30;
	EXPECT_EQ(store(vps, 0x80, 0x99), HV_ACTION_RESUME); /* EAX 0x99 is not the value */
	EXPECT_EQ(fake_lapic[0x80 / 16], 0x30);
	EXPECT_EQ(r->reg[bf_reg_t_rip], CODE + 3);
	r->reg[bf_reg_t_cs_attrib] = 0xC09B; /* the same bytes in 32-bit mode: refused */
	EXPECT_EQ(store(vps, 0x80, 0x99), HV_ACTION_STOP);
}

static void test_ioapic_rte(void)
{
	fake_ioapic_page = 0xFEC00000ull;
	struct hv_vps *vps = boot("\x89\x07", 2);
	struct fake_vps_regs *r = fake_regs(vps);
	struct hv_exit e = { .type = HV_EXIT_SLPT_VIOLATION, .rip = CODE };

	e.u.slpt.access = HV_ACCESS_WRITE;
	e.u.slpt.present = 1;
	EXPECT_TRUE(ioapic_is_root_page(0xFEC00010) && !ioapic_is_root_page(0xFEC01000));
	/* IOREGSEL <- 0x12 (RTE 1 low), then IOWIN: fixed vector 0x40 goes through. */
	e.u.slpt.gpa = 0xFEC00000;
	r->reg[bf_reg_t_rax] = 0x12;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(fake_ioapic[0], 0x12);
	EXPECT_EQ(r->reg[bf_reg_t_rip], CODE + 2);
	e.u.slpt.gpa = 0xFEC00010;
	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_rax] = 0x10040;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(fake_ioapic[4], 0x10040);
	/* INIT and SMI delivery: not performed, the root continues. */
	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_rax] = 0x10500;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(fake_ioapic[4], 0x10040);
	EXPECT_EQ(r->reg[bf_reg_t_rip], CODE + 2);
	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_rax] = 0x10200;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(fake_ioapic[4], 0x10040);
	EXPECT_TRUE(strstr(fake_console, "redirection entry 1 write 0x00010500 (delivery mode 5) not "
					 "performed") != NULL);
	/* The high half (destination) of an RTE is not filtered. */
	fake_ioapic[0] = 0x13;
	r->reg[bf_reg_t_rip] = CODE;
	r->reg[bf_reg_t_rax] = 0x500;
	EXPECT_EQ(exit_handle(pp_get(0), vps, &e), HV_ACTION_RESUME);
	EXPECT_EQ(fake_ioapic[4], 0x500);
}

int main(int argc, char **argv)
{
	static const struct test_case tests[] = {
		{ "insn_forms", test_insn_forms },
		{ "insn_refused", test_insn_refused },
		{ "icr_start_up", test_icr_start_up },
		{ "icr_init_self", test_icr_init_self },
		{ "icr_passthrough", test_icr_passthrough },
		{ "icr_nmi", test_icr_nmi },
		{ "lvt_refused", test_lvt_refused },
		{ "apic_msrs", test_apic_msrs },
		{ "store_refused", test_store_refused },
	{ "store_64bit", test_store_64bit },
		{ "ioapic_rte", test_ioapic_rte },
	};
	return test_main(argv[0], tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
