/*
 * difffuzz: executes a batch of hypercall programs from a multiboot module
 * (written by scripts/difffuzz, format in df.h and docs/difffuzz.md) and
 * prints one canonical trace line per call (trace.c), so that the runner can
 * compare the same programs across backends.  Between programs it resets what
 * a program may have created: the handle (reopened if the program closed it),
 * the root's XVIO services, every guest VPS, VP and VM (VMs with SCC
 * continuations, in rounds, which gives their pages back).  A reset that cannot destroy a VM wedges
 * the batch: a DFW line, then ERROR.  Each program gets fresh arena pages.
 *
 * A program with an expected trace hash (a regression case, or the make-check
 * set) is a check: id case-<name>, the hypercalls it made as items, the hash
 * of its trace against the recorded one.  A malformed program is a DFE line
 * and makes the probe end in ERROR; the batch goes on with the next one.
 */
#include <stddef.h>

#include "df.h"

PROBE_TITLE("difffuzz: hypercall programs from a module, one canonical trace line per call");

uint64_t df_root_vps;

/* Root VPs are VPIDs 0..n-1, before any guest VP exists. */
static uint64_t count_root_vps(void)
{
	struct hc_regs o;
	uint64_t n = 0;

	while (n < EXP_MAX_VPS &&
	       hc_call(EXP_HC_VP_VMID, HC_LOAD(&o, vmm_handle, n)) == EXP_STATUS_SUCCESS && !o.r[0])
		n++;
	return n;
}

static const uint8_t *find_batch(uint32_t *len)
{
	const struct mb_info *mbi = mb_info();

	if (!mbi || !(mbi->flags & MB_INFO_MODS))
		return NULL;
	const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		const uint8_t *p = (const void *)(uintptr_t)m[i].mod_start;
		uint32_t n = m[i].mod_end - m[i].mod_start;

		if (m[i].mod_end >= m[i].mod_start + DF_BATCH_HDR && !memcmp(p, DF_BATCH_MAGIC, 8)) {
			*len = n;
			return p;
		}
	}
	return NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Puts back what a program may have changed; false if a VM stays. */
static bool reset(void)
{
	struct hc_regs o;

	if (hc_call(EXP_HC_VM_VMID, HC_LOAD(&o, vmm_handle)) != EXP_STATUS_SUCCESS) {
		if (hc_call(EXP_HC_OPEN_HANDLE, HC_LOAD(&o, EXP_SPEC_ID1)) != EXP_STATUS_SUCCESS) {
			serial_puts("DFW the handle cannot be reopened\n");
			return false;
		}
		vmm_handle = o.r[0];
	}
	for (uint64_t svc = 0; svc < 32; svc++)
		hc_call(EXP_HC_XVIO_CLEANUP, HC_REGS(vmm_handle, svc));
	for (uint64_t id = 0; id < EXP_MAX_VPSS; id++)
		hc_call(EXP_HC_VPS(EXP_IDX_DESTROY_VPS), HC_REGS(vmm_handle, id));
	for (uint64_t id = 0; id < EXP_MAX_VPS; id++)
		hc_call(EXP_HC_DESTROY_VP, HC_REGS(vmm_handle, id));
	/* Rounds: a VM that shares memory with another guest goes after it. */
	for (int round = 0;; round++) {
		uint64_t left = 0, st = 0, which = 0;

		for (uint64_t vmid = 1; vmid < EXP_MAX_VMS; vmid++) {
			uint64_t s;
			int n = 0;

			do
				s = hc_call(EXP_HC_DESTROY_VM | EXP_HYPERCALL_FLAGS_SCC,
					    HC_REGS(vmm_handle, vmid));
			while (s == EXP_STATUS_RETRY_CONTINUATION && ++n < 1000000);
			if (s != EXP_STATUS_SUCCESS && s != EXP_STATUS_INVALID_PARAMS1) {
				left++;
				st = s;
				which = vmid;
			}
		}
		if (!left)
			break;
		if (round == (int)EXP_MAX_VMS) {
			serial_puts(rt_fmt("DFW vm %llu cannot be destroyed: status 0x%llx\n",
					   (unsigned long long)which, (unsigned long long)st));
			return false;
		}
	}
	return true;
}

/* Runs one program at p (len bytes left in the batch); its length, 0 if the
 * header is unusable (the batch cannot go on). */
static uint32_t run_one(uint32_t index, const uint8_t *p, uint32_t left, bool *malformed)
{
	static struct df_prog g;
	uint32_t len;

	if (left < DF_PROG_HDR || memcmp(p, DF_PROG_MAGIC, 8)) {
		serial_puts(rt_fmt("DFE %u malformed: no program header\n", index));
		*malformed = true;
		return 0;
	}
	len = le32(p + 8);
	if (len < DF_PROG_HDR || len > left) {
		serial_puts(rt_fmt("DFE %u malformed: length %u (%u bytes left)\n", index, len, left));
		*malformed = true;
		return 0;
	}
	memset(&g, 0, offsetof(struct df_prog, st)); /* not st/out: 14 KiB of guest stores */
	g.p = p;
	g.len = len;
	g.pos = DF_PROG_HDR;
	g.nops = le32(p + 12);
	g.expected = le64(p + 16);
	g.index = index;
	g.hash = DF_HASH_INIT;
	for (uint32_t i = 0; i < DF_NAME_LEN; i++) {
		char c = (char)p[24 + i];

		if (!c)
			break;
		g.name[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '_';
	}
	for (unsigned r = 0; r < DF_NREGIONS; r++)
		g.arena.base[r] = vmm_alloc(DF_REGION_PAGES);
	serial_puts(rt_fmt("DFP %u begin name=%s ops=%u\n", index, g.name, g.nops));
	if (!df_exec(&g)) {
		serial_puts(rt_fmt("DFE %u malformed: %s at byte %u\n", index, g.error, g.pos));
		*malformed = true;
	}
	serial_puts(rt_fmt("DFP %u end hash=%llx\n", index, (unsigned long long)g.hash));
	if (g.expected)
		check_eq(rt_fmt("case-%s", g.name[0] ? g.name : "unnamed"),
			 g.items[0] ? g.items : "none", g.expected, g.error ? 0 : g.hash,
			 "program %u: trace hash as recorded", index);
	return len;
}

void probe_main(void)
{
	uint32_t len = 0, count, pos = DF_BATCH_HDR;
	const uint8_t *b = find_batch(&len);
	bool malformed = false;

	vmm_init(false);
	if (!b)
		probe_error("no multiboot module starts with %s (scripts/difffuzz writes it)",
			    DF_BATCH_MAGIC);
	count = le32(b + 8);
	df_root_vps = count_root_vps();
	serial_puts(rt_fmt("DFB count=%u bytes=%u root-vps=%llu\n", count, len,
			   (unsigned long long)df_root_vps));
	for (uint32_t i = 0; i < count; i++) {
		uint32_t n = run_one(i, b + pos, len - pos, &malformed);

		if (!n)
			break;
		pos += n;
		if (!reset()) {
			probe_error("program %u left state the reset cannot remove (DFW line)", i);
		}
	}
	serial_puts(rt_fmt("DFB done\n"));
	if (malformed)
		probe_error("malformed program(s): see the DFE lines");
}
