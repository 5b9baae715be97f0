/*
 * selftest: checks only the probe runtime (long mode, report API, the
 * expected-exception mechanism, serial, multiboot info).  Needs no
 * hypervisor: it must pass on bare QEMU as well as under any hypervisor.
 * It exercises no ABI item, hence items=none.
 */
#include "probe.h"

PROBE_TITLE("probe runtime self-test (no hypervisor needed)");

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define MSR_EFER 0xC0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static void check_cpu_mode(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	check_eq("cr0-pg", "none", CR0_PG, read_cr0() & CR0_PG, "paging enabled");
	check_eq("cr4-pae", "none", CR4_PAE, read_cr4() & CR4_PAE, "PAE enabled");
	check_eq("efer-lma", "none", EFER_LME | EFER_LMA, efer & (EFER_LME | EFER_LMA),
		 "long mode enabled and active (EFER=0x%llx)", (unsigned long long)efer);
	check_eq("efer-nxe", "none", 0, efer & EFER_NXE, "no NX (simulator constraint)");
}

static void check_multiboot(void)
{
	const struct mb_info *mbi = mb_info();

	check_eq("mb-magic", "none", EXP_MB_LOADER_MAGIC, rt_mb_magic,
		 "EAX at entry is the multiboot loader magic");
	check_tok("mb-info", "none", "present", mbi ? "present" : "absent", mbi != 0,
		  "EBX at entry points to the multiboot information (0x%x)", rt_mb_info);
	if (mbi)
		check_eq("mb-mem", "none", MB_INFO_MEM, mbi->flags & MB_INFO_MEM,
			 "memory info present (header flag 1): lower=%u KiB upper=%u KiB",
			 mbi->mem_lower, mbi->mem_upper);
	rt_log("cmdline: '%s'", mb_cmdline());
}

static void check_format(void)
{
	char b[64];

	rt_snprintf(b, sizeof(b), "0x%016llx %u %d %s|%5s|%c", 0x0123456789ABCDEFull, 42u, -7,
		    "ab", "x", 'z');
	check_tok("fmt", "none", "ok", rt_strcmp(b, "0x0123456789abcdef 42 -7 ab|    x|z") ? "bad" : "ok",
		  !rt_strcmp(b, "0x0123456789abcdef 42 -7 ab|    x|z"), "formatter: %s", b);
	rt_snprintf(b, 4, "abcdef");
	check_tok("fmt-trunc", "none", "abc", b, !rt_strcmp(b, "abc"), "truncation keeps a NUL");
	check_eq("report-count", "none", 2, report_checks(),
		 "report API counts checks (two so far; quotes \"become\" apostrophes)");
	check_eq("report-result", "none", RT_SUCCESS, report_result(),
		 "nothing failed so far, result still SUCCESS");
}

static void check_expected_ud(void)
{
	struct rt_exc e;
	bool fired = rt_try_ud2(&e);

	check_tok("ud2-caught", "none", "fired", fired ? "fired" : "missed", fired,
		  "expected #UD on UD2 is caught and execution resumes after it");
	check_eq("ud2-vector", "none", EXP_VECTOR_UD, e.vector, "recorded vector");
	check_eq("ud2-rip", "none", rt_ud2_addr(), e.rip, "recorded RIP is the UD2");
	fired = rt_try_ud2(&e);
	check_tok("ud2-again", "none", "fired", fired ? "fired" : "missed", fired,
		  "the mechanism re-arms");
	check_tok("disarmed", "none", "no", rt_expect_take(0) ? "yes" : "no",
		  !rt_expect_take(0), "nothing stays armed");
}

static void check_serial(void)
{
	serial_puts("probe: serial line written by serial_puts\n");
	check_eq("serial-thre", "none", 0, serial_poll_timeouts(),
		 "COM1 LSR reported THR empty for every character so far");
}

static void check_vendor(void)
{
	enum hc_vendor v = hc_vendor();

	check_tok("vendor", "none", "known",
		  v == HC_VENDOR_UNKNOWN ? "unknown" : v == HC_VENDOR_INTEL ? "intel" : "amd",
		  v != HC_VENDOR_UNKNOWN, "CPUID vendor '%s' selects the hypercall instruction",
		  hc_vendor_string());
}

void probe_main(void)
{
	check_format();
	check_cpu_mode();
	check_multiboot();
	check_expected_ud();
	check_vendor();
	check_serial();
}
