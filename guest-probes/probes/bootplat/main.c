/*
 * bootplat: what the root VM gets from the platform the backend describes
 * to the hypervisor (hv/core/core.c core_init, boot_info_valid; issue 17,
 * "boot checks of the platform's information"), read from inside the root:
 *
 *  - the memory map's entries are sorted and disjoint;
 *  - the root owns every type-1 (RAM) range: the first and last byte of each
 *    one read back what the root wrote there (the same value: nothing moves);
 *  - with the command line's expectations (the [[variant]]s of probe.toml,
 *    each on a platform crafted by mvsim's platform options): the number of
 *    entries of type 1, 2, 3 and 4 (t1=, t2=, t3=, t4=) and the KiB of type-1 RAM
 *    (ram-kib=), the multiboot information's mem_upper (mem-upper-kib=) and
 *    module count (mods=); the one-page type-2 to 4 (firmware) entries whose first byte
 *    reads back what the root wrote (fw-pages=: tried only then; the
 *    hypervisor's own type-2 ranges are larger), and likewise the device
 *    pages dev=SPA, dev-n=N (one page every 8 KiB, not in the map; mvsim's
 *    are memory).  A page the root does not own stops it: the run crashes.  Without them those checks are skipped.
 *  - on every run, what the hypervisor says it took at boot, each promised
 *    as its exact "[hv] boot: ..." line in the check's desc (the harness's
 *    boot cross-check, conformance/mvconf/crosschecks.py): the MiB of RAM the
 *    root owns (the type-1 entries' total) and the root-stop delay of
 *    microv.stop_delay_ms (stop-delay= of the command line: the delay the
 *    option must give, docs/spec-errata.md E-66; 0 without the key, as no
 *    other run of this probe has the option);
 *  - last, with deny=SPA: the root reads that page, which the platform gives
 *    it no right to (a page next to a device page, the hypervisor's memory
 *    under a device range), and the hypervisor must stop it (EXPECT-STOP
 *    deny-read-stops: slpt-violation, not owned, at rt_stop_load64).
 *
 * The refused variants never run: the hypervisor must refuse to boot with
 * their exact "[hv] boot: ..." line (conformance/mvconf/protocol.py
 * judge_refused).  The root's platform is no ABI item: items=none.
 */
#include "probe.h"

PROBE_TITLE("the platform's boot information: the root's memory map and RAM on edge platforms");

#define IT "none"

/* A number token of the command line (decimal, or hex after 0x), or -1
 * when absent or not a number. */
static int64_t cmdline_num(const char *key)
{
	char buf[24];
	const char *s = mb_cmdline_get(key, buf, sizeof(buf));
	int64_t v = 0, base = 10;

	if (!s || !*s)
		return -1;
	if (s[0] == '0' && s[1] == 'x' && s[2]) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * base + d;
	}
	return v;
}

static bool touch(uint64_t pa)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)pa;
	uint8_t v = *p;

	*p = v;
	return *p == v;
}

static void expect_num(const char *key, const char *id, uint64_t got, const char *what)
{
	int64_t want = cmdline_num(key);

	if (want < 0)
		check_skip(id, IT, "%s: no %s= on the command line (no crafted platform)", what, key);
	else
		check_eq(id, IT, (uint64_t)want, got, "%s is %s= of the command line", what, key);
}

void probe_main(void)
{
	const struct mb_info *mbi = mb_info();
	uint64_t count[5] = { 0 }, ram = 0, prev_end = 0, overlap = 0, untouched = 0, fw = 0;
	bool read_fw = cmdline_num("fw-pages") >= 0;
	int64_t dev = cmdline_num("dev"), dev_n = cmdline_num("dev-n");
	uint32_t n = 0;

	if (!mbi || !(mbi->flags & MB_INFO_MMAP))
		probe_error("the multiboot information has no memory map");
	for (uint32_t off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length; n++) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);

		off += e->size + 4;
		if (n && e->addr < prev_end && !overlap)
			overlap = e->addr;
		prev_end = e->addr + e->len;
		if (e->type < 5)
			count[e->type]++;
		if (read_fw && e->type >= 2 && e->type <= 4 && e->len == 0x1000)
			fw += touch(e->addr);
		if (e->type != 1 || !e->len)
			continue;
		ram += e->len;
		if (!touch(e->addr) || !touch(e->addr + e->len - 1))
			untouched = untouched ? untouched : e->addr;
	}
	check_eq("mmap-sorted-disjoint", IT, 0, overlap,
		 "the %u memory-map entries are sorted and disjoint (got: the first entry that "
		 "starts inside its predecessor, 0 if none)", n);
	check_eq("ram-owned", IT, 0, untouched,
		 "the first and last byte of every type-1 range read back what the root wrote "
		 "(got: the first range that did not, 0 if none)");
	expect_num("t1", "mmap-type1-entries", count[1], "the number of type-1 (RAM) entries");
	expect_num("t2", "mmap-type2-entries", count[2], "the number of type-2 (reserved) entries");
	expect_num("t3", "mmap-type3-entries", count[3], "the number of type-3 (ACPI) entries");
	expect_num("t4", "mmap-type4-entries", count[4], "the number of type-4 (ACPI NVS) entries");
	expect_num("ram-kib", "ram-kib", ram >> 10, "the KiB of type-1 RAM");
	expect_num("mods", "mods-count", mbi->flags & MB_INFO_MODS ? mbi->mods_count : 0,
		   "the number of modules the root was handed (module 0 is the root itself)");
	expect_num("mem-upper-kib", "mem-upper-kib", mbi->mem_upper,
		   "mem_upper (the KiB of RAM from 1 MiB up to the first hole)");
	expect_num("fw-pages", "fw-pages-read", fw, "the number of one-page type-2 to 4 entries the root wrote and read back");
	check_eq("ram-mib-logged", IT, ram >> 20, ram >> 20,
		 "the root owns the type-1 RAM of its map; console: [hv] boot: root VM owns %llu MiB of RAM",
		 (unsigned long long)(ram >> 20));
	int64_t delay = cmdline_num("stop-delay");
	delay = delay < 0 ? 0 : delay;
	check_eq("stop-delay-logged", IT, (uint64_t)delay, (uint64_t)delay,
		 "the root-stop delay microv.stop_delay_ms gives (stop-delay= of the command line, "
		 "else 0); console: [hv] boot: root stop delay %llu ms", (unsigned long long)delay);
	uint64_t devs = 0;
	for (int64_t i = 0; dev > 0 && i < dev_n; i++)
		devs += touch((uint64_t)dev + (uint64_t)i * 0x2000);
	expect_num("dev-n", "device-pages-read", devs, "the number of device pages (dev=) the root wrote and read back");

	int64_t deny = cmdline_num("deny");
	if (deny <= 0)
		return;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)deny;
	probe_expect_stop(&(struct probe_stop){ 0, EXP_STOP_EXIT_SLPT, EXP_STOP_WHY_NOT_OWNED,
						RT_STOP_RIP(rt_stop_load64) },
			  "deny-read-stops", IT,
			  "the root reads (rt_stop_load64) 0x%llx (deny= of the command line), which the "
			  "platform gives it no right to: the hypervisor must stop the root VM",
			  (unsigned long long)deny);
	uint64_t v = rt_stop_load64(p);
	check_eq("deny-read-not-stopped", IT, 0, 1,
		 "the root read 0x%llx at 0x%llx (deny=): it was not stopped", (unsigned long long)v,
		 (unsigned long long)deny);
}
