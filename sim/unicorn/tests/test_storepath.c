/*
 * The recycled page collection of Unicorn's store slow path (storepath.c)
 * keeps self-modifying code exact: a bare engine, linked as mvsim is, runs
 * a loop whose first store rewrites the immediate of an instruction in the
 * same translated block (Unicorn then frees the collection itself and
 * leaves the block, cpu_loop_exit_noexc) and whose second store goes to a
 * data page (the wrapper keeps the collection as the thread's spare).  The
 * loop adds each rewritten immediate (N down to 1) to ESI: N(N+1)/2 only if
 * every rewrite took effect before the instruction ran.  Three engines one
 * after the other on the same thread (the spare outlives an engine), and
 * the code-page store also with a code hook on all code, as mvsim runs.
 * Exit status 0 when every sum is exact.
 */
#include <stdbool.h>
#include <stdio.h>

#include <unicorn/unicorn.h>

#define CODE 0x1000ull
#define DATA 0x3000ull

static void on_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	(void)uc;
	(void)addr;
	(void)size;
	(*(unsigned long *)user)++;
}

static bool run(uint32_t n, bool hook)
{
	static const uint8_t code[] = {
		0x89, 0x0D, 0x03, 0, 0, 0, /* 1000: mov [rip+3], ecx (the imm32 at 1009) */
		0x89, 0x0B,                /* 1006: mov [rbx], ecx */
		0xB8, 0, 0, 0, 0,          /* 1008: mov eax, imm32 */
		0x01, 0xC6,                /* 100d: add esi, eax */
		0xFF, 0xC9,                /* 100f: dec ecx */
		0x75, 0xED,                /* 1011: jnz 1000 */
		0xF4,                      /* 1013: hlt (the end address) */
	};
	uc_engine *uc;
	uc_hook h;
	unsigned long insns = 0;
	uint64_t rbx = DATA, rcx = n, rsi = 0, stored = 0;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return false;
	bool ok = uc_mem_map(uc, 0, 1u << 20, UC_PROT_ALL) == UC_ERR_OK &&
		  uc_mem_write(uc, CODE, code, sizeof(code)) == UC_ERR_OK &&
		  (!hook || uc_hook_add(uc, &h, UC_HOOK_CODE, on_code, &insns, 1, 0) == UC_ERR_OK) &&
		  uc_reg_write(uc, UC_X86_REG_RBX, &rbx) == UC_ERR_OK &&
		  uc_reg_write(uc, UC_X86_REG_RCX, &rcx) == UC_ERR_OK &&
		  uc_reg_write(uc, UC_X86_REG_RSI, &rsi) == UC_ERR_OK &&
		  uc_emu_start(uc, CODE, CODE + sizeof(code) - 1, 0, 0) == UC_ERR_OK &&
		  uc_reg_read(uc, UC_X86_REG_RSI, &rsi) == UC_ERR_OK &&
		  uc_mem_read(uc, DATA, &stored, 4) == UC_ERR_OK;
	uc_close(uc);
	uint64_t want = (uint64_t)n * (n + 1) / 2;
	printf("storepath: n %u%s: esi %llu (want %llu), data %llu (want 1)%s\n", n,
	       hook ? ", code hook" : "", (unsigned long long)rsi, (unsigned long long)want,
	       (unsigned long long)stored, ok ? "" : ", engine error");
	return ok && rsi == want && stored == 1 && (!hook || insns >= 6ul * n);
}

int main(void)
{
	bool ok = run(1000, false);
	ok = run(300, true) && ok;
	ok = run(1000, false) && ok;
	return ok ? 0 : 1;
}
