/*
 * mvsim: the MicroV hypervisor core on an emulated CPU (sim/unicorn/).
 *
 *   mvsim [--vendor intel|amd] [--cpus N] [--mem-mib N] [--timeout-ms N]
 *         [--max-exits N] [--slice-insns N] [--trace] [--cmdline STR]
 *         [PLATFORM OPTIONS] PROBE.elf [MODULE ...]
 *
 * System memory is one host buffer (SPA 0 .. --mem-mib MiB).  The top 16 MiB
 * are the hypervisor's (reserved, and its page pool); the 64 KiB below them
 * are the firmware's ACPI reclaimable memory (memory-map type 3, as the
 * ACPI tables of a PC sit at the top of low RAM).  PROBE.elf and the
 * MODULEs are placed as multiboot modules from 64 MiB up; core_init() loads
 * module 0 into the root VM.
 *
 * PLATFORM OPTIONS craft the boot information handed to core_init (the
 * hypervisor's boot checks, guest-probes/probes/bootplat; sim/README.md):
 *   --boot-pps N         the PP count it reports (default --cpus; 0..HV_MAX_PPS+1)
 *   --ram-ranges N       N RAM ranges (default 2): the last is the hypervisor's
 *                        16 MiB, the others split the low RAM into equal parts
 *   --reserved-ranges N  the hypervisor's 16 MiB as N reserved ranges (default 1)
 *   --mmio-ranges N      N one-page device ranges (default 0)
 *   --firmware-ranges N  the ACPI range and N-1 one-page type-2 ranges (default 1)
 *                        (both in PLAT_HOLE, below the ACPI range)
 *   --unaligned ram|firmware  the first such range 2 KiB longer
 *   --pool SPA+LEN       the page pool (default: the hypervisor's 16 MiB)
 *   --stale-ranges       every array slot past its count holds STALE_RANGE
 *   --firmware-type T    the type of --firmware-ranges' one-page ranges (default 2)
 *   --extra-modules N    N more modules after the files, each a copy of PROBE.elf
 *                        (with 16 modules already, the count alone goes up)
 *   --mmio-over-hv       the first device range is the ACPI range's last page
 *                        and the hypervisor's first 2 MiB (the core must skip those)
 *   --ram-cut-image      the low RAM cut where module 0's multiboot header says
 *                        its image lies (load_addr, bss_end_addr): that image is
 *                        a RAM range of its own, exactly (with --ram-ranges 2)
 * A count of HV_MAX_MEM_RANGES + 1 is handed as the count alone (the arrays
 * hold HV_MAX_MEM_RANGES), as a broken boot loader would.
 *
 * --slice-insns N: a guest VP is preempted (mv_vp_exit_t_external_interrupt)
 * after N guest instructions of one run (default SIM_GUEST_SLICE_INSNS,
 * 100000): counted, so runs are deterministic.
 *
 * Exit status: the value the guest wrote to port 0xF4; 124 on timeout or exit
 * budget; 125 when the root VM died (diagnosis on stderr); 126 when the
 * hypervisor failed: it could not boot the root (an invalid image) or it
 * panicked, as under run-hv-qemu; 2 on bad usage (a missing file, a directory).
 */
#include <errno.h>
#include <stdatomic.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "sim.h"

#define MIB (1024ull * 1024ull)
#define HV_RESERVED (16 * MIB)
#define FW_ACPI_LEN (64 * 1024)
#define MODULES_BASE (64 * MIB)
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 124
#define EXIT_CRASH SIM_EXIT_ROOT_STOPPED
#define EXIT_HV_FAILED SIM_EXIT_HV_FAILED
/* --mmio-ranges / --firmware-ranges > 1 take PLAT_HOLE off the top of the
 * low RAM (mvsim's second-level tables map system memory only): the device
 * pages from its start, the firmware's from its middle, one page apart. */
#define PLAT_HOLE (64 * 0x1000ull)
#define PLAT_MAX_RANGES (HV_MAX_MEM_RANGES + 1)
/* --stale-ranges: what a boot loader left in the slots past each count
 * (the hypervisor must read none of them): not page aligned, and over the
 * last RAM page below PLAT_HOLE and the whole hole (its device and firmware
 * pages), so a loop that reads one slot too many refuses the platform,
 * maps or skips the wrong pages, or lists it in the root's memory map. */
#define STALE_RANGE(hole) ((struct hv_mem_range){ (hole) - 0x1800, PLAT_HOLE + 0x1000 })

/* The platform options (see above); -1: the default. */
static struct {
	int64_t pps, ram, reserved, mmio, firmware, extra_modules, fw_type;
	bool unaligned_ram, unaligned_fw, pool_set, stale, mmio_over_hv, cut_image;
	struct hv_mem_range pool;
} g_plat = { -1, 2, 1, 0, 1, 0, 2, false, false, false, false, false, false, { 0, 0 } };

static enum hv_stop_reason pp_result[HV_MAX_PPS];

static void usage(FILE *f)
{
	fprintf(f, "usage: mvsim [--vendor intel|amd] [--cpus N] [--mem-mib N] [--timeout-ms N]\n"
		   "             [--max-exits N] [--slice-insns N] [--trace] [--cmdline STR]\n"
		   "             [--boot-pps N] [--ram-ranges N] [--reserved-ranges N]\n"
		   "             [--mmio-ranges N] [--firmware-ranges N] [--unaligned ram|firmware]\n"
		   "             [--pool SPA+LEN] [--stale-ranges] [--mmio-over-hv]\n"
		   "             [--extra-modules N] [--firmware-type T] [--ram-cut-image]\n"
		   "             PROBE.elf [MODULE ...]\n");
}

static HV_NORETURN void bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "mvsim: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		bad_usage("%s needs a non-negative number", opt);
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "mvsim: %s: '%s' is not a number\n", opt, s);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (v < min || v > max) {
		fprintf(stderr, "mvsim: %s %llu out of range [%llu, %llu]\n", opt, v,
			(unsigned long long)min, (unsigned long long)max);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	return v;
}

static int load_file(const char *path, uint64_t spa, uint64_t limit, uint64_t *len)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mvsim: %s: is a directory\n", path);
		return -1;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "mvsim: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || ftell(f) < 0) {
		fprintf(stderr, "mvsim: cannot read %s\n", path);
		fclose(f);
		return -1;
	}
	uint64_t n = (uint64_t)ftell(f);
	rewind(f);
	if (n == 0 || spa + n > limit) {
		fprintf(stderr, "mvsim: %s: %s\n", path,
			n == 0 ? "empty file" : "does not fit in the module area (raise --mem-mib)");
		fclose(f);
		return -1;
	}
	if (fread(g_mem + spa, 1, n, f) != n) {
		fprintf(stderr, "mvsim: cannot read %s\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = n;
	return 0;
}

/* --pool's SPA+LEN: two numbers (any base strtoull takes), nothing else. */
static struct hv_mem_range parse_pool(const char *s)
{
	char *plus = strchr(s, '+'), *end;
	unsigned long long spa, len;

	errno = 0;
	if (!plus || *s == '-' || plus[1] == '-' || plus[1] == '\0')
		bad_usage("--pool wants SPA+LEN, not '%s'", s);
	spa = strtoull(s, &end, 0);
	if (errno || end != plus || end == s)
		bad_usage("--pool wants SPA+LEN, not '%s'", s);
	len = strtoull(plus + 1, &end, 0);
	if (errno || *end)
		bad_usage("--pool wants SPA+LEN, not '%s'", s);
	return (struct hv_mem_range){ spa, len };
}

/* The boot information's memory ranges: the machine (see the file's
 * comment) as the platform options shape it. */
static void build_ranges(struct hv_boot_info *bi, uint64_t hv_base)
{
	uint64_t low = hv_base - FW_ACPI_LEN, n = g_plat.ram > 1 ? (uint64_t)g_plat.ram - 1 : 0;
	uint64_t hole = g_plat.mmio > 0 || g_plat.firmware > 1 ? low - PLAT_HOLE : low;
	uint64_t part = n ? (hole / n) & ~0xFFFull : 0;

	bi->num_ram = (uint32_t)g_plat.ram;
	for (uint64_t i = 0; i < n && i < HV_MAX_MEM_RANGES; i++)
		bi->ram[i] = (struct hv_mem_range){ i * part, i + 1 == n ? hole - i * part : part };
	if (g_plat.ram >= 1 && n < HV_MAX_MEM_RANGES)
		bi->ram[n] = (struct hv_mem_range){ hv_base, HV_RESERVED }; /* all reserved */
	if (g_plat.unaligned_ram)
		bi->ram[0].len += 0x800;

	uint64_t rpart = (HV_RESERVED / (uint64_t)g_plat.reserved) & ~0xFFFull;
	bi->num_reserved = (uint32_t)g_plat.reserved;
	for (int64_t i = 0; i < g_plat.reserved && i < HV_MAX_MEM_RANGES; i++)
		bi->reserved[i] = (struct hv_mem_range){
			hv_base + (uint64_t)i * rpart,
			i + 1 == g_plat.reserved ? HV_RESERVED - (uint64_t)i * rpart : rpart };
	bi->pool = g_plat.pool_set ? g_plat.pool : (struct hv_mem_range){ hv_base, HV_RESERVED };

	bi->num_mmio = (uint32_t)g_plat.mmio;
	for (int64_t i = 0; i < g_plat.mmio && i < HV_MAX_MEM_RANGES; i++)
		bi->mmio[i] = (struct hv_mem_range){ hole + (uint64_t)i * 0x2000, 0x1000 };
	if (g_plat.mmio_over_hv && g_plat.mmio > 0)
		bi->mmio[0] = (struct hv_mem_range){ hv_base - 0x1000, 0x1000 + 2 * MIB };

	bi->num_firmware = (uint32_t)g_plat.firmware;
	for (int64_t i = 0; i < g_plat.firmware && i < HV_MAX_MEM_RANGES; i++)
		bi->firmware[i] = i == 0 ? (struct hv_fw_range){ low, FW_ACPI_LEN, 3 }
					 : (struct hv_fw_range){ hole + PLAT_HOLE / 2 + (uint64_t)i * 0x2000,
								 0x1000, (uint32_t)g_plat.fw_type };
	if (g_plat.unaligned_fw && g_plat.firmware)
		bi->firmware[0].len += 0x800;
	for (uint64_t i = 0; g_plat.stale && i < HV_MAX_MEM_RANGES; i++) {
		const struct hv_mem_range j = STALE_RANGE(hole);
		if (i >= bi->num_ram)
			bi->ram[i] = j;
		if (i >= bi->num_reserved)
			bi->reserved[i] = j;
		if (i >= bi->num_mmio)
			bi->mmio[i] = j;
		if (i >= bi->num_firmware)
			bi->firmware[i] = (struct hv_fw_range){ j.spa, j.len, 2 };
		bi->pci_window[i] = j; /* mvsim reports no PCI window */
	}
}

/* PPs between a core_pp_run that returned HV_STOP_PARKED and the next. */
static atomic_uint pps_parked;

/* Runs this PP.  A parked PP (its root VP waits for a SIPI the root sends
 * through its local APIC, hv/core/apic.c), the BSP too, as on hardware
 * (hv/arch/x86/boot/main.c), asks again every ms until the machine stops.
 * Once every PP has stayed parked for 100 ms, no root VP runs that could
 * send that SIPI: the machine would hang for good, and mvsim ends the run
 * as a timeout at once (instead of never: --timeout-ms is counted at the
 * exits, and a parked PP makes none). */
static enum hv_stop_reason pp_run(void)
{
	enum hv_stop_reason r;

	for (unsigned all = 0;;) {
		r = core_pp_run();
		if (r != HV_STOP_PARKED || platform_stop_reason() != SIM_STOP_NONE)
			return r;
		all = atomic_fetch_add(&pps_parked, 1) + 1 == g_cfg.cpus ? all + 1 : 0;
		if (all == 100) {
			fprintf(stderr, "mvsim: every PP's root VP waits for a SIPI (parked by INIT): "
					"none can send one, the machine would hang\n");
			platform_request_stop(SIM_STOP_BUDGET);
		}
		usleep(1000);
		atomic_fetch_sub(&pps_parked, 1);
	}
}

/* --ram-cut-image: the low RAM (ram[0]) in three, the middle one exactly the
 * a.out-kludge image of module 0 (its multiboot header in its first 8 KiB);
 * the hypervisor's range moves to ram[3]. */
static void cut_ram_at_image(struct hv_boot_info *bi)
{
	const uint8_t *img = g_mem + bi->modules[0].spa;
	uint32_t h[8] = { 0 };

	for (uint64_t o = 0; o + sizeof(h) <= bi->modules[0].len && o < 8192; o += 4) {
		memcpy(h, img + o, sizeof(h));
		if (h[0] == 0x1BADB002u && h[0] + h[1] + h[2] == 0)
			break;
	}
	uint64_t lo = h[4], hi = h[6], end = bi->ram[0].spa + bi->ram[0].len;
	if (h[0] != 0x1BADB002u || !(h[1] & (1u << 16)) || bi->num_ram != 2 || (lo | hi) & 0xFFF ||
	    !lo || hi <= lo || hi >= end)
		bad_usage("%s", "--ram-cut-image wants --ram-ranges 2 and a page-aligned a.out-kludge image in low RAM");
	bi->ram[3] = bi->ram[1];
	bi->ram[1] = (struct hv_mem_range){ lo, hi - lo };
	bi->ram[2] = (struct hv_mem_range){ hi, end - hi };
	bi->ram[0].len = lo - bi->ram[0].spa;
	bi->num_ram = 4;
}

/* Loads `path` at *spa as the next module of `bi` (the caller keeps the
 * count within HV_MAX_MODULES) and moves *spa to the next page after it. */
static int add_module(struct hv_boot_info *bi, const char *path, const char *cmdline,
		      uint64_t *spa, uint64_t hv_base)
{
	uint64_t len;

	if (load_file(path, *spa, hv_base, &len))
		return -1;
	bi->modules[bi->num_modules++] = (struct hv_module){ *spa, len, cmdline };
	*spa = (*spa + len + 0xFFF) & ~0xFFFull;
	return 0;
}

static void *pp_thread(void *arg)
{
	uint16_t ppid = (uint16_t)(uintptr_t)arg;
	machine_set_pp_id(ppid);
	pp_result[ppid] = pp_run();
	if (pp_result[ppid] == HV_STOP_PARKED || pp_result[ppid] == HV_STOP_ROOT_ELSEWHERE)
		return NULL; /* the PP where the root died ends the run */
	/* Whatever stopped this PP stops the machine. */
	platform_request_stop(pp_result[ppid] == HV_STOP_ROOT_DEAD ? SIM_STOP_DEBUG_EXIT : SIM_STOP_NONE);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vendor", required_argument, NULL, 'v' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem-mib", required_argument, NULL, 'm' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "max-exits", required_argument, NULL, 'x' },
		{ "slice-insns", required_argument, NULL, 's' },
		{ "trace", no_argument, NULL, 'T' },
		{ "cmdline", required_argument, NULL, 'C' },
		{ "boot-pps", required_argument, NULL, 'P' },
		{ "ram-ranges", required_argument, NULL, 'R' },
		{ "reserved-ranges", required_argument, NULL, 'V' },
		{ "mmio-ranges", required_argument, NULL, 'M' },
		{ "firmware-ranges", required_argument, NULL, 'F' },
		{ "unaligned", required_argument, NULL, 'U' },
		{ "pool", required_argument, NULL, 'O' },
		{ "stale-ranges", no_argument, NULL, 'S' },
		{ "mmio-over-hv", no_argument, NULL, 'H' },
		{ "extra-modules", required_argument, NULL, 'E' },
		{ "firmware-type", required_argument, NULL, 'Y' },
		{ "ram-cut-image", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (!strcmp(optarg, "intel"))
				g_cfg.vendor = SIM_INTEL;
			else if (!strcmp(optarg, "amd"))
				g_cfg.vendor = SIM_AMD;
			else
				bad_usage("--vendor must be intel or amd, not '%s'", optarg);
			break;
		case 'c': g_cfg.cpus = (unsigned)parse_num("--cpus", optarg, 1, HV_MAX_PPS); break;
		case 'm': g_cfg.mem_mib = parse_num("--mem-mib", optarg, 96, 3072); break;
		case 't': g_cfg.timeout_ms = parse_num("--timeout-ms", optarg, 1, 86400000); break;
		case 'x': g_cfg.max_exits = parse_num("--max-exits", optarg, 1, UINT64_MAX); break;
		case 's': g_cfg.slice_insns = parse_num("--slice-insns", optarg, 1, 1ull << 40); break;
		case 'T': g_cfg.trace = true; break;
		case 'C': g_cfg.cmdline = optarg; break;
		case 'P': g_plat.pps = (int64_t)parse_num("--boot-pps", optarg, 0, HV_MAX_PPS + 1); break;
		case 'R': g_plat.ram = (int64_t)parse_num("--ram-ranges", optarg, 0, PLAT_MAX_RANGES); break;
		case 'V':
			g_plat.reserved = (int64_t)parse_num("--reserved-ranges", optarg, 1, PLAT_MAX_RANGES);
			break;
		case 'M': g_plat.mmio = (int64_t)parse_num("--mmio-ranges", optarg, 0, PLAT_MAX_RANGES); break;
		case 'F':
			g_plat.firmware = (int64_t)parse_num("--firmware-ranges", optarg, 0, PLAT_MAX_RANGES);
			break;
		case 'U':
			if (!strcmp(optarg, "ram"))
				g_plat.unaligned_ram = true;
			else if (!strcmp(optarg, "firmware"))
				g_plat.unaligned_fw = true;
			else
				bad_usage("--unaligned must be ram or firmware, not '%s'", optarg);
			break;
		case 'O':
			g_plat.pool = parse_pool(optarg);
			g_plat.pool_set = true;
			break;
		case 'S': g_plat.stale = true; break;
		case 'H': g_plat.mmio_over_hv = true; break;
		case 'I': g_plat.cut_image = true; break;
		case 'E':
			g_plat.extra_modules = (int64_t)parse_num("--extra-modules", optarg, 0, HV_MAX_MODULES);
			break;
		case 'Y': g_plat.fw_type = (int64_t)parse_num("--firmware-type", optarg, 2, 255); break;
		case 'h': usage(stdout); return 0;
		case ':': bad_usage("%s needs an argument", argv[optind - 1]); break;
		default: bad_usage("unknown option '%s'", argv[optind - 1]); break;
		}
	}
	if (optind >= argc)
		bad_usage("%s", "missing PROBE.elf");
	if (argc - optind > HV_MAX_MODULES)
		bad_usage("%s", "too many modules (at most 16 files)");

	g_mem_size = g_cfg.mem_mib * MIB;
	g_mem = mmap(NULL, g_mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		     -1, 0);
	if (g_mem == MAP_FAILED) {
		fprintf(stderr, "mvsim: cannot allocate %llu MiB of system memory\n",
			(unsigned long long)g_cfg.mem_mib);
		return EXIT_CRASH;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	platform_init();
	diag_init();
	if (emu_init()) {
		fprintf(stderr, "mvsim: the emulator cannot start\n");
		return EXIT_CRASH;
	}

	static struct hv_boot_info bi;
	uint64_t hv_base = g_mem_size - HV_RESERVED;
	bi.num_pps = (uint16_t)(g_plat.pps >= 0 ? (uint64_t)g_plat.pps : g_cfg.cpus);
	build_ranges(&bi, hv_base);
	bi.root_cmdline = g_cfg.cmdline;
	bi.backend = g_cfg.vendor == SIM_AMD ? "sim-amd" : "sim-intel";
	bi.lapic = SIM_LAPIC_BASE; /* each PP's xAPIC (lapic_dev.c) */
	uint64_t spa = MODULES_BASE;
	for (int i = optind; i < argc; i++)
		if (add_module(&bi, argv[i], i == optind ? g_cfg.cmdline : argv[i], &spa, hv_base))
			return EXIT_USAGE;
	for (int64_t i = 0; i < g_plat.extra_modules; i++) {
		if (bi.num_modules == HV_MAX_MODULES) { /* as a broken boot loader would */
			bi.num_modules++;
			break;
		}
		if (add_module(&bi, argv[optind], "extra", &spa, hv_base))
			return EXIT_USAGE;
	}
	if (g_plat.cut_image)
		cut_ram_at_image(&bi);

	machine_set_pp_id(0);
	if (core_init(&bi)) {
		platform_flush();
		fprintf(stderr, "mvsim: core_init failed (see the [hv] lines above)\n");
		return EXIT_HV_FAILED;
	}
	for (uint16_t i = 0; i < g_cfg.cpus; i++) {
		machine_set_pp_id(i);
		if (core_pp_init(i)) {
			platform_flush();
			fprintf(stderr, "mvsim: core_pp_init(%u) failed\n", i);
			return EXIT_HV_FAILED;
		}
	}
	machine_set_pp_id(0);
	if (g_cfg.cpus == 1) {
		pp_result[0] = pp_run();
	} else {
		pthread_t th[HV_MAX_PPS];
		for (unsigned i = 1; i < g_cfg.cpus; i++)
			pthread_create(&th[i], NULL, pp_thread, (void *)(uintptr_t)i);
		pp_result[0] = pp_run();
		if (pp_result[0] == HV_STOP_ROOT_DEAD)
			platform_request_stop(SIM_STOP_DEBUG_EXIT);
		for (unsigned i = 1; i < g_cfg.cpus; i++)
			pthread_join(th[i], NULL);
	}
	platform_flush();

	for (unsigned i = 0; i < g_cfg.cpus; i++) {
		if (pp_result[i] == HV_STOP_ROOT_DEAD) {
			diag_print_last((uint16_t)i, "root VM died");
			return EXIT_CRASH;
		}
	}
	int code = platform_debug_exit_code();
	if (code >= 0)
		return code;
	if (platform_stop_reason() == SIM_STOP_BUDGET) {
		diag_print_current(platform_budget_why());
		return EXIT_TIMEOUT;
	}
	fprintf(stderr, "mvsim: the hypervisor stopped without a result from the guest "
			"(no write to port 0xF4)\n");
	diag_print_current("last exit");
	return EXIT_CRASH;
}
