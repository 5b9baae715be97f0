/*
 * Unit test of mvsim's arch_vps_gprs (sim/unicorn/regs.c: regs_gprs, what
 * arch_vps_gprs returns for a VPS) on a bare engine: the entries the caller
 * names hold the engine's registers at the call (others are not read);
 * while they are handed out a register access as arch_vps_get_reg / set_reg
 * make it (regs_gpr_get / regs_gpr_set) reads and writes them, not the
 * engine, and the other GPRs still go to the engine; regs_gprs_flush (the
 * start of every run) writes back exactly the handed-out registers that
 * changed, and after it the engine is read again.
 */
#include <string.h>

#include "../../tests/check.h"
#include "../ucsim.h"

#define ALL ((1u << HV_GPR_COUNT) - 1)

int main(void)
{
	struct arch_vps a;

	memset(&a, 0, sizeof(a));
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &a.uc) != UC_ERR_OK) {
		printf("FAIL: uc_open\n");
		return 1;
	}
	for (int i = 0; i < HV_GPR_COUNT; i++)
		regs_gpr_set(&a, (enum bf_reg_t)(bf_reg_t_rax + i), 0x1000 + (uint64_t)i);
	CHECK(regs_read(a.uc, UC_X86_REG_R15) == 0x100E, "nothing handed out: set goes to the engine");

	/* RAX and R10 only: RBX is neither read nor taken over. */
	uint64_t *g = regs_gprs(&a, HV_GPR_BIT(bf_reg_t_rax) | HV_GPR_BIT(bf_reg_t_r10));
	CHECK(g[HV_GPR(bf_reg_t_rax)] == 0x1000, "RAX 0x%llx", (unsigned long long)g[0]);
	CHECK(g[HV_GPR(bf_reg_t_r10)] == 0x1009, "R10");
	CHECK(a.gprs_loaded == (HV_GPR_BIT(bf_reg_t_rax) | HV_GPR_BIT(bf_reg_t_r10)),
	      "only the named entries are loaded");
	regs_gpr_set(&a, bf_reg_t_rbx, 0x7777);
	CHECK(regs_read(a.uc, UC_X86_REG_RBX) == 0x7777, "RBX, not handed out, goes to the engine");

	/* All of them: the rest is read now, RAX and R10 are kept as they are. */
	g[HV_GPR(bf_reg_t_rax)] = 0xAAAA;
	CHECK(regs_gprs(&a, ALL) == g, "a second call hands out the same array");
	CHECK(g[HV_GPR(bf_reg_t_rax)] == 0xAAAA, "a loaded entry is not read again");
	CHECK(g[HV_GPR(bf_reg_t_rbx)] == 0x7777, "RBX read at the second call");
	for (int i = 2; i < HV_GPR_COUNT; i++)
		if (i != HV_GPR(bf_reg_t_rbx))
			CHECK(g[i] == 0x1000 + (uint64_t)i, "gprs[%d] = 0x%llx", i,
			      (unsigned long long)g[i]);
	CHECK(regs_gpr_get(&a, bf_reg_t_rax) == 0xAAAA, "get reads the array");
	CHECK(regs_read(a.uc, UC_X86_REG_RAX) == 0x1000, "the engine is not written yet");
	regs_gpr_set(&a, bf_reg_t_r11, 0xBBBB);
	CHECK(g[HV_GPR(bf_reg_t_r11)] == 0xBBBB, "set writes the array");

	/* The engine changes a register behind the array's back: an unchanged
	 * entry must not overwrite it. */
	regs_write(a.uc, UC_X86_REG_R12, 0xCCCC);
	regs_gprs_flush(&a);
	CHECK(a.gprs_loaded == 0, "the array is given back");
	CHECK(regs_read(a.uc, UC_X86_REG_RAX) == 0xAAAA, "RAX written back");
	CHECK(regs_read(a.uc, UC_X86_REG_R11) == 0xBBBB, "R11 written back");
	CHECK(regs_read(a.uc, UC_X86_REG_R10) == 0x1009, "R10 as it was");
	CHECK(regs_read(a.uc, UC_X86_REG_R12) == 0xCCCC, "an unchanged entry is not written");
	regs_write(a.uc, UC_X86_REG_RBX, 0xDDDD);
	CHECK(regs_gpr_get(&a, bf_reg_t_rbx) == 0xDDDD, "after the flush get reads the engine");
	regs_gprs_flush(&a); /* nothing handed out: nothing written */
	CHECK(regs_read(a.uc, UC_X86_REG_RBX) == 0xDDDD, "a flush with nothing handed out writes nothing");
	CHECK(regs_gprs(&a, ALL)[HV_GPR(bf_reg_t_rbx)] == 0xDDDD, "the next call reads the engine again");

	uc_close(a.uc);
	printf("sim_test_gprs: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
