/*
 * Diagnostics: capstone disassembly of guest instructions (the bytes come
 * from the emulator through emu.h), the --trace lines, and the final
 * "mvsim: <what happened>: exit=<type> rip=0x... insn=\"...\"" line.
 * Every exit is recorded as raw facts (the exit, the code bytes at its RIP
 * and the CPU mode); they are disassembled only when a diagnosis is printed.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "emu.h"
#include "sim.h"

static csh cs64, cs32;
static bool cs_ok;
static pthread_mutex_t cs_lock = PTHREAD_MUTEX_INITIALIZER;

struct last_exit {
	bool valid;
	struct hv_exit exit;
	uint16_t vmid, vpid;
	uint8_t code[15];
	uint8_t ncode;
	bool long_mode;
};
static struct last_exit last[HV_MAX_PPS];

void diag_init(void)
{
	cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &cs64) == CS_ERR_OK &&
		cs_open(CS_ARCH_X86, CS_MODE_32, &cs32) == CS_ERR_OK;
}

unsigned diag_disasm(const uint8_t *code, size_t n, uint64_t rip, bool long_mode, char *buf,
		     size_t len)
{
	if (n == 0) {
		snprintf(buf, len, "<unreadable>");
		return 0;
	}
	if (!cs_ok) {
		snprintf(buf, len, "<no capstone>");
		return 0;
	}
	pthread_mutex_lock(&cs_lock);
	cs_insn *insn = NULL;
	size_t count = cs_disasm(long_mode ? cs64 : cs32, code, n, rip, 1, &insn);
	unsigned size = 0;
	if (count == 1) {
		snprintf(buf, len, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		size = insn->size;
		cs_free(insn, count);
	} else {
		char *p = buf;
		size_t left = len;
		int w = snprintf(p, left, "(bad)");
		for (size_t i = 0; i < n && i < 4 && w > 0 && (size_t)w < left; i++) {
			p += w;
			left -= (size_t)w;
			w = snprintf(p, left, " %02x", code[i]);
		}
	}
	pthread_mutex_unlock(&cs_lock);
	return size;
}

unsigned diag_disasm_guest(struct hv_vps *vps, uint64_t rip, char *buf, size_t len)
{
	uint8_t code[15];
	size_t n = emu_read_code(vps, rip, code, sizeof(code));
	return diag_disasm(code, n, rip, emu_long_mode(vps), buf, len);
}

void diag_trace(struct hv_vps *vps, const char *what, uint64_t rip)
{
	char text[96];
	diag_disasm_guest(vps, rip, text, sizeof(text));
	platform_flush();
	fprintf(stderr, "mvsim: trace pp=%u vm=%u vp=%u exit=%s rip=0x%llx insn=\"%s\"\n",
		arch_pp_id(), vps_vmid(vps), vps_vpid(vps), what, (unsigned long long)rip, text);
}

void diag_record_exit(uint16_t ppid, struct hv_vps *vps, const struct hv_exit *e)
{
	if (ppid >= HV_MAX_PPS)
		return;
	struct last_exit *l = &last[ppid];
	l->valid = true;
	l->exit = *e;
	l->vmid = vps_vmid(vps);
	l->vpid = vps_vpid(vps);
	l->ncode = (uint8_t)emu_read_code(vps, e->rip, l->code, sizeof(l->code));
	l->long_mode = emu_long_mode(vps);
}

void diag_print_last(uint16_t ppid, const char *what)
{
	platform_flush();
	if (ppid >= HV_MAX_PPS || !last[ppid].valid) {
		fprintf(stderr, "mvsim: %s: no exit recorded on pp %u\n", what, ppid);
		return;
	}
	const struct last_exit *l = &last[ppid];
	char insn[96];
	diag_disasm(l->code, l->ncode, l->exit.rip, l->long_mode, insn, sizeof(insn));
	fprintf(stderr, "mvsim: %s: exit=%s rip=0x%llx insn=\"%s\" vm=%u vp=%u pp=%u",
		what, exit_type_name(l->exit.type), (unsigned long long)l->exit.rip, insn,
		l->vmid, l->vpid, ppid);
	switch (l->exit.type) {
	case HV_EXIT_SLPT_VIOLATION:
		fprintf(stderr, " gpa=0x%llx access=%s%s%s present=%u",
			(unsigned long long)l->exit.u.slpt.gpa,
			l->exit.u.slpt.access & HV_ACCESS_READ ? "r" : "",
			l->exit.u.slpt.access & HV_ACCESS_WRITE ? "w" : "",
			l->exit.u.slpt.access & HV_ACCESS_EXEC ? "x" : "", l->exit.u.slpt.present);
		break;
	case HV_EXIT_EXCEPTION:
		fprintf(stderr, " vector=%u", l->exit.u.exc.vector);
		break;
	case HV_EXIT_IO:
		fprintf(stderr, " port=0x%x", l->exit.u.io.port);
		break;
	default:
		break;
	}
	fputc('\n', stderr);
}

void diag_print_current(const char *what)
{
	for (uint16_t i = 0; i < g_cfg.cpus && i < HV_MAX_PPS; i++)
		if (last[i].valid)
			diag_print_last(i, what);
}
