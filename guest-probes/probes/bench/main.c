/*
 * bench: a workload for scripts/bench, not a conformance check.  It makes
 * N VM exits of two kinds — CPUID of a MicroV leaf and a hypercall
 * (mv_vm_op_vmid with an open handle) — where N comes from the command line
 * (`exits=N`, default 0).  scripts/bench times the run with N = 0 and with a
 * large N and divides: exits per second, whatever the backend.
 *
 * Its checks only guard that the work really happened (every exit answered
 * correctly); the figures come from the harness's clock.
 */
#include "probe.h"

PROBE_TITLE("benchmark workload: N CPUID exits and N hypercalls");

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

void probe_main(void)
{
	char buf[32];
	uint64_t n = parse_u64(mb_cmdline_get("exits", buf, sizeof(buf)) ? buf : "0");
	uint64_t bad_cpuid = 0, bad_hc = 0;

	struct hc_regs r = { { EXP_SPEC_ID1 } };
	uint64_t st = hc_call(EXP_HC_OPEN_HANDLE, &r);
	if (st != EXP_STATUS_SUCCESS)
		probe_error("cannot open a handle: 0x%llx", (unsigned long long)st);
	uint64_t handle = r.r[0];

	for (uint64_t i = 0; i < n; i++) {
		uint32_t a = EXP_CPUID_XX00, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		bad_cpuid += b != EXP_CPUID_VENDOR_ID1_VAL;
		struct hc_regs v = { { handle } };
		bad_hc += hc_call(EXP_HC_VM_VMID, &v) != EXP_STATUS_SUCCESS || v.r[0] != EXP_ROOT_VMID;
	}
	check_eq("cpuid-exits", "none", 0, bad_cpuid, "%llu CPUID exits answered correctly",
		 (unsigned long long)n);
	check_eq("hypercall-exits", "none", 0, bad_hc, "%llu hypercalls answered correctly",
		 (unsigned long long)n);
}
