/*
 * crexit: a guest's control-register instructions behave as on the CPU.
 * The root copies snippet.S into a page it shares with the guest agent
 * (RWX) and makes the agent call it (G_EXEC) once per instruction.  For
 * each: the value the guest reads back, the value the root reads with
 * mv_vps_op_get_reg, and, for writes the SDM / APM refuse (CR0 bits 63:32,
 * PG without PE, NW without CD, CR4 bits 63:32, CR4.VMXE the guest's CPU
 * does not have, CR4.PAE cleared in long mode), #GP(0) in the guest with
 * the register unchanged.  Writes that change CR0.NE or CR4.VMXE are the
 * ones the VMX backend owns (guest/host masks): they cause CR-access exits
 * that hv/arch/x86/vmx/exit.c completes.  Every run must end with the
 * agent's HLT.
 */
#include "vmm.h"
#include "crexit.h"
#include "multiboot.h"

PROBE_TITLE("a guest's MOV CR0/CR3/CR4, CLTS and LMSW: values read back and #GP(0)");

#define RUN "mv_vp_run_vp,mv_vp_exit_t_hlt"
#define GET "mv_vps_op_get_reg,mv_vp_run_vp,mv_vp_exit_t_hlt"

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_TSD (1ull << 2)
#define CR4_PAE (1ull << 5)
#define CR4_VMXE (1ull << 13)

extern const char crx_snippet[], crx_snippet_end[];

static struct guest g;
static volatile uint8_t *page;   /* the shared page, in the root */
static uint64_t page_gpa_guest = GUEST_SCRATCH_GPA;

static volatile uint64_t *data(unsigned off)
{
	return (volatile uint64_t *)(page + CRX_DATA + off);
}

/* Runs one instruction in the guest; returns false (after a failed check)
 * when the run did not end with the agent's HLT. */
static bool exec(const char *id, uint64_t op, uint64_t val)
{
	*data(CRX_OP) = op;
	*data(CRX_VAL) = val;
	*data(CRX_OUT) = ~0ull;
	*data(CRX_VEC) = ~0ull;
	return vmm_snippet_exec(&g, id, page_gpa_guest);
}

static uint64_t root_reg(uint64_t reg)
{
	uint64_t v = ~0ull;

	if (vmm_vps_get_reg(g.vpsid, reg, &v) != EXP_STATUS_SUCCESS)
		return ~1ull;
	return v;
}

/* A write the CPU completes: the guest reads back `expect`, and so does
 * the root. */
static void write_ok(const char *id, uint64_t op, uint64_t reg, uint64_t val, uint64_t expect,
		     const char *what)
{
	if (!exec(id, op, val))
		return;
	bool no_fault = *data(CRX_VEC) == CRX_NO_VECTOR;
	check_eq(id, RUN, expect, no_fault ? *data(CRX_OUT) : ~0ull,
		 "%s: no fault (vector 0x%llx), the guest reads back 0x%llx", what,
		 (unsigned long long)*data(CRX_VEC), (unsigned long long)expect);
	check_eq(rt_fmt("%s-root", id), GET, expect, root_reg(reg),
		 "the root's mv_vps_op_get_reg reads the same after it");
}

/* A write the CPU refuses: #GP(0) in the guest, the register unchanged. */
static void write_gp(const char *id, uint64_t op, uint64_t val, uint64_t before, const char *what)
{
	if (!exec(id, op, val))
		return;
	uint64_t vec = *data(CRX_VEC), err = *data(CRX_ERR), out = *data(CRX_OUT);
	bool ok = vec == 13 && err == 0 && out == before;
	check_tok(id, RUN, "gp0-unchanged",
		  ok ? "gp0-unchanged" : rt_fmt("vec-0x%llx-err-0x%llx-reg-0x%llx",
						 (unsigned long long)vec, (unsigned long long)err,
						 (unsigned long long)out), ok,
		  "%s (0x%llx): #GP(0), the register stays 0x%llx", what, (unsigned long long)val,
		  (unsigned long long)before);
}

static uint64_t guest_read(const char *id, uint64_t op)
{
	return exec(id, op, 0) ? *data(CRX_OUT) : ~0ull;
}

/*
 * Writes the SDM and the APM refuse with #GP(0) (E-56).  Run only with
 * "refused" on the command line: the suite's variant crexit.refused, which
 * needs the feature cr-write-checks (bochs-intel, where the VMX backend's
 * CR-access exit makes the checks).  QEMU 7.2 TCG (qemu-tcg-amd) completes
 * CR0 writes of bit 32 and of PG without PE, Unicorn (mvsim) completes
 * every one of them (CR4.PAE cleared in long mode shuts its CPU down) and
 * Bochs 2.7's SVM ends the emulator on PG without PE, so the plain run,
 * which expects the same outcome on every backend, skips them.  SVM
 * intercepts no CR write.
 */
static void refused_writes(uint64_t cr0, uint64_t cr4)
{
	if (!mb_cmdline_has("refused")) {
		check_skip("refused-writes", RUN, "the #GP(0) of refused CR0/CR4 writes: QEMU TCG "
			   "and Unicorn complete them (variant crexit.refused: refused on the command line)");
		return;
	}
	write_gp("cr0-bit32-gp", CRX_OP_WR_CR0, cr0 | (1ull << 32), cr0, "MOV to CR0 setting bit 32");
	write_gp("cr0-bit32-ne-gp", CRX_OP_WR_CR0, (cr0 & ~CR0_NE) | (1ull << 32), cr0,
		 "MOV to CR0 setting bit 32 and clearing NE (on VMX a CR-access exit)");
	write_gp("cr0-pg-no-pe-gp", CRX_OP_WR_CR0, cr0 & ~CR0_PE, cr0, "MOV to CR0: PG without PE");
	write_gp("cr0-pg-no-pe-ne-gp", CRX_OP_WR_CR0, cr0 & ~(CR0_PE | CR0_NE), cr0,
		 "MOV to CR0: PG without PE, NE cleared (on VMX a CR-access exit)");
	write_gp("cr0-nw-no-cd-gp", CRX_OP_WR_CR0, (cr0 & ~CR0_CD) | CR0_NW, cr0,
		 "MOV to CR0: NW without CD");
	write_gp("cr4-bit63-gp", CRX_OP_WR_CR4, cr4 | (1ull << 63), cr4, "MOV to CR4 setting bit 63");
	write_gp("cr4-vmxe-gp", CRX_OP_WR_CR4, cr4 | CR4_VMXE, cr4,
		 "MOV to CR4 setting VMXE (the guest's CPUID has no VMX; reserved on AMD)");
	write_gp("cr4-pae-clear-gp", CRX_OP_WR_CR4, cr4 & ~CR4_PAE, cr4,
		 "MOV to CR4 clearing PAE in long mode");
}

void probe_main(void)
{
	vmm_init(true);
	vmm_guest_new(&g, "cr guest");

	page = vmm_snippet_page(&g, crx_snippet, crx_snippet_end, CRX_DATA, page_gpa_guest);

	/* reads: the guest's and the root's view agree */
	uint64_t cr0 = guest_read("cr0-read", CRX_OP_RD_CR0);
	check_eq("cr0-read", GET, root_reg(EXP_REG_CR0), cr0, "the guest's MOV from CR0 (0x%llx) "
		 "reads what the root's get_reg CR0 does", (unsigned long long)cr0);
	check_eq("cr0-read-paging", RUN, CR0_PE | CR0_PG, cr0 & (CR0_PE | CR0_PG),
		 "the guest runs with CR0.PE and CR0.PG (set_identity_map)");
	uint64_t cr4 = guest_read("cr4-read", CRX_OP_RD_CR4);
	check_eq("cr4-read", GET, root_reg(EXP_REG_CR4), cr4, "the guest's MOV from CR4 (0x%llx) "
		 "reads what the root's get_reg CR4 does", (unsigned long long)cr4);
	check_eq("cr4-read-vmxe", RUN, 0, cr4 & CR4_VMXE,
		 "CR4.VMXE reads 0 in the guest (the host's VMX is not the guest's)");
	uint64_t cr3 = guest_read("cr3-read", CRX_OP_RD_CR3);
	check_eq("cr3-read", GET, root_reg(EXP_REG_CR3), cr3, "the guest's MOV from CR3 (0x%llx) "
		 "reads what the root's get_reg CR3 does", (unsigned long long)cr3);

	/* writes the CPU completes */
	write_ok("cr0-ne-clear", CRX_OP_WR_CR0, EXP_REG_CR0, cr0 & ~CR0_NE, cr0 & ~CR0_NE,
		 "MOV to CR0 clearing NE (a bit VMX keeps set: a CR-access exit)");
	write_ok("cr0-ne-set", CRX_OP_WR_CR0, EXP_REG_CR0, cr0, cr0, "MOV to CR0 setting NE again");
	write_ok("cr0-ts-set", CRX_OP_WR_CR0, EXP_REG_CR0, cr0 | CR0_TS, cr0 | CR0_TS,
		 "MOV to CR0 setting TS");
	write_ok("clts", CRX_OP_CLTS, EXP_REG_CR0, 0, (cr0 | CR0_TS) & ~CR0_TS, "CLTS");
	uint64_t msw = (cr0 & 0xF & ~CR0_PE) | CR0_TS | CR0_MP;
	write_ok("lmsw-no-pe-clear", CRX_OP_LMSW, EXP_REG_CR0, msw, cr0 | CR0_TS | CR0_MP,
		 "LMSW with PE = 0, TS = MP = 1: sets TS and MP, cannot clear PE");
	write_ok("lmsw-restore", CRX_OP_LMSW, EXP_REG_CR0, cr0 & 0xF, cr0,
		 "LMSW of the original MSW");
	write_ok("cr4-tsd-set", CRX_OP_WR_CR4, EXP_REG_CR4, cr4 | CR4_TSD, cr4 | CR4_TSD,
		 "MOV to CR4 setting TSD");
	write_ok("cr4-tsd-clear", CRX_OP_WR_CR4, EXP_REG_CR4, cr4, cr4, "MOV to CR4 clearing it");
	write_ok("cr3-write", CRX_OP_WR_CR3, EXP_REG_CR3, cr3, cr3, "MOV to CR3 of the same tables");

	refused_writes(cr0, cr4);

	/* afterwards the guest runs as before */
	check_eq("cr0-after", GET, cr0, root_reg(EXP_REG_CR0), "CR0 is the original value at the end");
	check_eq("guest-destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_guest_free(&g), "the guest is destroyed after its runs");
}
