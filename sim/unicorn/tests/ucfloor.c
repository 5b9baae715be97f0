/*
 * Unicorn 2.0.1's own costs, without mvsim: the floor under mvsim's
 * figures (docs/performance.md, "mvsim").  A bare engine (64-bit mode,
 * paging off, 16 MiB of RAM) runs one of three tiny guest programs; run it
 * under callgrind with N and with 0 and divide the difference by N:
 *
 *   ucfloor exits N [hook]    N CPUID exits, each a uc_emu_start that the
 *                             CPUID hook ends with uc_emu_stop (2 guest
 *                             instructions per round trip: CPUID, JMP back)
 *   ucfloor stores N [hook]   a loop of N iterations of MOV [RBX],EAX; DEC;
 *                             JNZ, one uc_emu_start
 *   ucfloor loads N [hook]    the same loop with MOV EAX,[RBX]: stores - loads
 *                             is what one guest store costs more than a load
 *
 * `hook` adds a UC_HOOK_CODE hook on all code that does nothing, as mvsim's
 * code hook is on all code: (hook - no hook) / 3N is the hook's cost per
 * guest instruction.  `block` adds an empty UC_HOOK_BLOCK hook on all code
 * instead (the loop's body is one translated block of 3 instructions):
 * (block - no hook) / N is what a hook per executed block would cost.  The data RBX points at lies on the page after the
 * code (`far`: 8 MiB away, in another 1024-page group of Unicorn's page
 * descriptors).  Prints what ran; exit status 0 when the guest did exactly
 * that (N exits; ECX counted down to 0), else 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#define CODE 0x1000ull
#define RAM_SIZE (16ull << 20)

static unsigned long exits;

static int on_cpuid(uc_engine *uc, void *user)
{
	(void)user;
	exits++;
	uc_emu_stop(uc);
	return 1; /* skip Unicorn's CPUID */
}

static void on_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	(void)uc;
	(void)addr;
	(void)size;
	(void)user;
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	on_code(uc, addr, size, user);
}

static int usage(void)
{
	fprintf(stderr, "usage: ucfloor exits|stores|loads N [hook|block] [far]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *mode = argv[1];
	unsigned long n = strtoul(argv[2], NULL, 0);
	bool hook = false, block = false, far = false;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "hook"))
			hook = true;
		else if (!strcmp(argv[i], "block"))
			block = true;
		else if (!strcmp(argv[i], "far"))
			far = true;
		else
			return usage();
	}
	if (n > 0xFFFFFFFFul)
		return usage();

	uc_engine *uc;
	uc_hook h;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK || uc_mem_map(uc, 0, RAM_SIZE, UC_PROT_ALL) != UC_ERR_OK)
		return 1;
	if (hook)
		uc_hook_add(uc, &h, UC_HOOK_CODE, on_code, NULL, 1, 0);
	if (block)
		uc_hook_add(uc, &h, UC_HOOK_BLOCK, on_block, NULL, 1, 0);
	uint64_t data = far ? CODE + (8ull << 20) : CODE + 0x1000;
	uint64_t rsp = CODE + 0x3000, rbx = data, rcx = 0;
	uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
	uc_reg_write(uc, UC_X86_REG_RBX, &rbx);

	if (!strcmp(mode, "exits")) {
		static const uint8_t code[] = { 0x0F, 0xA2, 0xEB, 0xFC }; /* cpuid; jmp back */
		uc_mem_write(uc, CODE, code, sizeof(code));
		uc_hook_add(uc, &h, UC_HOOK_INSN, on_cpuid, NULL, 1, 0, UC_X86_INS_CPUID);
		uint64_t rip = CODE;
		for (unsigned long i = 0; i < n; i++) {
			if (uc_emu_start(uc, rip, 0xDEAD0000ull, 0, 0) != UC_ERR_OK)
				return 1;
			uc_reg_read(uc, UC_X86_REG_RIP, &rip);
		}
		printf("ucfloor: %lu CPUID exits%s%s\n", exits, hook ? ", code hook" : "",
		       block ? ", block hook" : "");
		return exits == n ? 0 : 1;
	}
	bool store = !strcmp(mode, "stores");
	if (!store && strcmp(mode, "loads"))
		return usage();
	uint8_t code[] = {
		0xB9, 0, 0, 0, 0,            /* mov ecx, n */
		0x85, 0xC9,                  /* test ecx, ecx */
		0x74, 0x08,                  /* jz end */
		store ? 0x89 : 0x8B, 0x03,   /* mov [rbx], eax | mov eax, [rbx] */
		0xFF, 0xC9,                  /* dec ecx */
		0x75, 0xFA,                  /* jnz the mov */
		0x90, 0x90,                  /* nop; nop */
		0xF4,                        /* end: hlt (never reached) */
	};
	memcpy(&code[1], &(uint32_t){ (uint32_t)n }, 4);
	uc_mem_write(uc, CODE, code, sizeof(code));
	if (uc_emu_start(uc, CODE, CODE + sizeof(code) - 1, 0, 0) != UC_ERR_OK)
		return 1;
	uc_reg_read(uc, UC_X86_REG_RCX, &rcx);
	printf("ucfloor: %lu %s%s%s%s\n", n, store ? "stores" : "loads", hook ? ", code hook" : "",
	       block ? ", block hook" : "", far ? ", data far from code" : "");
	uc_close(uc);
	return rcx == 0 ? 0 : 1;
}
