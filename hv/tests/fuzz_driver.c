/*
 * The core fuzz driver (fuzz_driver.h): events from the root VPS (random
 * opcodes/indices biased toward the catalogue, IDs biased toward live objects
 * and their 16-bit boundaries, GPAs inside and outside RAM and over device
 * memory, valid and broken MDL chains written into root memory), mv_vp_run_vp
 * of guest VPs, and, while a guest VPS runs, random exits of it (its own
 * hypercalls, CPUID, HLT, I/O, MSR, faults...) fed to core_handle_exit.
 *
 * After every event: a failed hypercall changed no register but RAX (and a
 * continuation without SCC none at all), and it left the core's tables, the
 * second-level tables, XVIO and the page pool as they were; then the
 * invariants of fuzz_invariants.c.  At the end every guest object is
 * destroyed (destroy_vm with its continuation): the pool's free count is back
 * where it started and every VM/VP/VPS slot but the root's is free again.
 * An hv_panic aborts (arch_halt): the front end reports it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microv/mv.h>
#include <microv/mv_catalog.h>

#include <hv/mm.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>
#include <hv/xvio.h>

_Static_assert(HV_MAX_VMS <= HV_MAX_VPS, "pick_id's array holds the largest table");

#include "fake_arch.h"
#include "fuzz_driver.h"
#include "mm_int.h"
#include "xvio_int.h"

/* ---- the generator ----------------------------------------------------------- */

static uint64_t rng;
static const uint8_t *input;
static size_t input_len, input_pos;
static bool from_input;
static char origin[512] = "seed 0x1";
unsigned long fuzz_iter, fuzz_guest_events;
static char last_event[256];
void (*fuzz_on_failure)(void);

void fuzz_set_origin(const char *o)
{
	snprintf(origin, sizeof(origin), "%s", o);
}

void fuzz_use_seed(uint64_t seed)
{
	rng = seed ? seed : 1;
	from_input = false;
	snprintf(origin, sizeof(origin), "seed 0x%llx", (unsigned long long)rng);
}

void fuzz_use_input(const uint8_t *data, size_t len)
{
	input = data, input_len = len, input_pos = 0;
	from_input = true;
}

/* Input mode: the next step's stream from the next 8 bytes (splitmix64 so
 * that short or zero bytes still give a busy stream); false at the end. */
static bool next_step_seed(void)
{
	uint64_t v = 0;

	if (!from_input)
		return true;
	if (input_pos >= input_len)
		return false;
	for (unsigned i = 0; i < 8 && input_pos < input_len; i++)
		v |= (uint64_t)input[input_pos++] << (8 * i);
	v += 0x9E3779B97F4A7C15ull;
	v = (v ^ v >> 30) * 0xBF58476D1CE4E5B9ull;
	v = (v ^ v >> 27) * 0x94D049BB133111EBull;
	rng = (v ^ v >> 31) | 1;
	return true;
}

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned pct)
{
	return below(100) < pct;
}

static unsigned long failures;

/* A failure: the input (seed or path), the event, the invariant. */
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "core.fuzz: %s, event %lu (%s): ", origin, fuzz_iter, last_event);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
	if (fuzz_on_failure)
		fuzz_on_failure();
	if (failures > 20)
		exit(1);
}
#define FAIL(...) fail(__VA_ARGS__)

void fuzz_report_panic(void)
{
	fprintf(stderr, "core.fuzz: hv_panic (arch_halt) with %s at event %lu: %s\n", origin,
		fuzz_iter, last_event);
}

/* ---- the machine --------------------------------------------------------------- */

#define RAM_END (FAKE_MEM_SIZE - (8ull << 20)) /* the root owns [0, 56 MiB) */
#define MDL_SRC 0x400000ull                    /* 16 pages of source chain */
#define MDL_DST 0x410000ull                    /* 16 pages of destination chain */
#define ROOT_POOL 0x1000000ull                 /* root pages handed out: 512 */
#define ROOT_POOL_PAGES 512u
#define ROOT_HOLE 0x100000000ull               /* root GPAs outside RAM */
#define FUZZ_ROOT_MMIO (ROOT_HOLE + 60 * HV_PAGE_SIZE) /* 8 pages of root device memory */
#define FUZZ_ROOT_MMIO_PAGES 8u
#define GUEST_BASE 0x200000ull                 /* guest GPAs: 256 pages */
#define GUEST_PAGES 256u

static struct hv_vps *root_vps;

static const uint64_t catalogue[] = {
#define CAT(name, op, idx) (op) | (idx),
	MV_CATALOG_HYPERCALLS(CAT)
#undef CAT
};
#define NCAT (sizeof(catalogue) / sizeof(catalogue[0]))

static uint64_t rax_of(uint64_t op, uint64_t idx)
{
	return op | idx;
}

static bool vm_live(uint16_t i) { return vm_get(i) != NULL; }
static bool vp_live(uint16_t i) { return vp_get(i) != NULL; }
static bool vps_live(uint16_t i) { return vps_get(i) != NULL; }

/* A live ID of a table of `max` (always when `live`, else `pct` percent of
 * the time), or a random / boundary one. */
static uint64_t pick_id(uint16_t max, bool (*exists)(uint16_t), unsigned pct, bool live)
{
	if (live || chance(pct)) {
		uint16_t ids[HV_MAX_VPSS > HV_MAX_VPS ? HV_MAX_VPSS : HV_MAX_VPS], n = 0;
		for (uint16_t i = 0; i < max; i++)
			if (exists(i))
				ids[n++] = i;
		if (n)
			return ids[below(n)];
	}
	return below((uint64_t)max + 2);
}

static uint64_t pick_vmid(bool live)
{
	return pick_id(HV_MAX_VMS, vm_live, 70, live);
}

static uint64_t pick_vpid(void)
{
	return pick_id(HV_MAX_VPS, vp_live, 75, false);
}

static uint64_t pick_vpsid(void)
{
	return pick_id(HV_MAX_VPSS, vps_live, 75, false);
}

/* An ID register: mostly the ID, sometimes with bits above 15 (REVI/REVZ). */
static uint64_t id_reg(uint64_t id)
{
	switch (below(10)) {
	case 0:
		return id | 0x10000;
	case 1:
		return id | (rnd() << 16);
	case 2:
		return 0xFFFF;
	default:
		return id;
	}
}

static uint64_t root_page(void)
{
	return ROOT_POOL + below(ROOT_POOL_PAGES) * HV_PAGE_SIZE;
}

static uint64_t guest_page(void)
{
	return GUEST_BASE + below(chance(70) ? 16 : GUEST_PAGES) * HV_PAGE_SIZE;
}

/* A GPA: page-aligned and not, inside and outside RAM and the GPA space. */
static uint64_t any_gpa(void)
{
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return ~0ull & ~0xFFFull;
	case 2:
		return MM_GPA_LIMIT - HV_PAGE_SIZE;
	case 3:
		return MM_GPA_LIMIT;
	case 4:
		return RAM_END + below(2048) * HV_PAGE_SIZE; /* the hypervisor's own memory */
	case 5:
		return ROOT_HOLE + below(64) * HV_PAGE_SIZE;
	case 6:
		return root_page() + below(HV_PAGE_SIZE);
	case 7:
	case 8:
		return root_page();
	case 9:
	case 10:
		return guest_page();
	default:
		return rnd();
	}
}

static uint64_t any_val(void)
{
	switch (below(14)) {
	case 0:
		return 0;
	case 1:
		return ~0ull;
	case 2:
		return 0xFFFF;
	case 3:
		return 0x10000;
	case 4:
		return below(40);
	case 5:
		return 1ull << below(64);
	case 6:
		return rnd() & 0xFFFFFFFF;
	case 7:
		return (1ull << below(64)) - 1;
	case 8:
	case 9:
		return any_gpa();
	case 10:
		return pick_vmid(false);
	case 11:
		return pick_vpid();
	case 12:
		return pick_vpsid();
	default:
		return rnd();
	}
}

static uint64_t gpa_flags(void)
{
	static const uint64_t cache[] = { 0, MV_GPA_FLAG_UNCACHEABLE, MV_GPA_FLAG_WRITE_BACK,
					  MV_GPA_FLAG_WRITE_COMBINING, MV_GPA_FLAG_WRITE_THROUGH };
	if (chance(10))
		return any_val();
	uint64_t f = MV_GPA_FLAG_READ_ACCESS * chance(90) | MV_GPA_FLAG_WRITE_ACCESS * chance(70) |
		     MV_GPA_FLAG_EXECUTE_ACCESS * chance(40) | cache[below(5)];
	if (chance(30))
		f |= MV_GPA_FLAG_DONATE;
	if (chance(30))
		f |= MV_GPA_FLAG_ZOMBIE;
	return f;
}

/* ---- MDLs in root memory ------------------------------------------------------ */

struct range {
	uint64_t gpa, size;
};

/* The memory of `vmid` that an MDL entry names: the root's pool pages, the
 * guests' window, the root's hole; sometimes anything. */
static uint64_t mdl_gpa_for(uint64_t vmid, bool as_dst)
{
	if (chance(5))
		return any_gpa() & ~0xFFFull;
	if (vmid == 0)
		return as_dst ? ROOT_HOLE + below(64) * HV_PAGE_SIZE : root_page();
	return guest_page();
}

/* Write a chain at `at` describing `n` ranges; sometimes broken. */
static void mdl_write(uint64_t at, const struct range *r, unsigned n)
{
	unsigned per = chance(80) ? MV_MDL_MAP_MAX_NUM_ENTRIES : 1 + (unsigned)below(3);
	unsigned pages = (n + per - 1) / per;
	if (pages == 0)
		pages = 1;
	for (unsigned p = 0, k = 0; p < pages && p < 16; p++) {
		struct mv_mdl_t *m = (struct mv_mdl_t *)(fake_mem + at + p * HV_PAGE_SIZE);
		unsigned cnt = n - k < per ? n - k : per;
		memset(m, 0, sizeof(*m));
		m->num_entries = cnt;
		m->next = p + 1 < pages ? at + (p + 1) * HV_PAGE_SIZE : 0;
		for (unsigned i = 0; i < cnt; i++, k++) {
			m->entries[i].gpa = r[k].gpa;
			m->entries[i].size = r[k].size;
		}
	}
	if (chance(12)) { /* break it */
		struct mv_mdl_t *m = (struct mv_mdl_t *)(fake_mem + at);
		switch (below(9)) {
		case 0:
			m->num_entries = 0;
			break;
		case 1:
			m->num_entries = MV_MDL_MAP_MAX_NUM_ENTRIES + below(3);
			break;
		case 2:
			m->next = at; /* a loop */
			break;
		case 3:
			m->next = at + 8;
			break;
		case 4:
			m->revz[below(3)] = 1;
			break;
		case 5:
			m->entries[0].flags = 1ull << below(64);
			break;
		case 6:
			m->entries[0].size = any_val();
			break;
		case 7:
			m->entries[0].gpa = any_val();
			break;
		default:
			m->next = any_gpa();
			break;
		}
	}
}

/* Recent successful map_mdl calls: unmap and set_gpa_flags name them. */
struct made_map {
	uint64_t src, dst;
	unsigned n;
	struct range s[4], d[4];
};
static struct made_map made[32];
static unsigned made_n;
static struct made_map pending; /* the map_mdl being tried */

/* Build a source and a destination chain; returns the REG2/REG4 GPAs. */
static void mdl_pair(uint64_t src, uint64_t dst, uint64_t *r2, uint64_t *r4)
{
	static struct range s[64], d[64];
	unsigned n = 1 + (unsigned)(chance(80) ? below(3) : below(40));
	pending.n = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pages = chance(80) ? 1 : 1 + below(4);
		s[i].gpa = mdl_gpa_for(src, false);
		s[i].size = pages * HV_PAGE_SIZE;
		d[i].gpa = mdl_gpa_for(dst, true);
		d[i].size = pages * HV_PAGE_SIZE;
	}
	if (chance(5) && n > 1)
		d[0].size += HV_PAGE_SIZE; /* sizes differ */
	if (n <= 4) {
		pending.src = src, pending.dst = dst, pending.n = n;
		memcpy(pending.s, s, n * sizeof(s[0]));
		memcpy(pending.d, d, n * sizeof(d[0]));
	}
	mdl_write(MDL_SRC, s, n);
	mdl_write(MDL_DST, d, n);
	*r2 = chance(95) ? MDL_SRC : any_gpa();
	*r4 = chance(95) ? MDL_DST : any_gpa();
}

/* ---- state digest: what a failed hypercall must leave alone ------------------ */

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001B3ull;
}

static uint64_t digest(uint16_t target_vps)
{
	uint64_t h = mix(0xCBF29CE484222325ull, page_free_count());
	h = mix(h, xvio_digest());
	for (uint16_t i = 0; i < HV_MAX_VMS; i++) {
		struct hv_vm *vm = vm_get(i);
		if (!vm)
			continue;
		struct mm_vm *m = mm_vm_of(vm);
		h = mix(h, i);
		h = mix(h, vm->state);
		h = mix(h, vm->handle);
		h = mix(h, vm->partition);
		h = mix(h, vm->num_vps);
		h = mix(h, m->pages);
		h = mix(h, m->shares_out);
		h = mix(h, m->shares_strict);
		h = mix(h, m->tree.top);
		h = mix(h, fake_slpt_pages[i]);
	}
	h = mix(h, fake_slpt_sum);
	for (uint16_t i = 0; i < HV_MAX_VPS; i++) {
		struct hv_vp *vp = vp_get(i);
		if (vp)
			h = mix(mix(mix(mix(h, i), vp->vmid), vp->running),
				(uint64_t)vp->num_vpss << 16 | (vp->active ? vp->active->id : 0xFFFF));
	}
	for (uint16_t i = 0; i < HV_MAX_VPSS; i++) {
		struct hv_vps *v = vps_get(i);
		if (v)
			h = mix(mix(h, i), v->vpid);
	}
	struct hv_vps *t = vps_get(target_vps);
	if (t && t != pp_get(0)->current) { /* the caller's RAX/RIP are checked apart */
		const struct fake_vps_regs *r = fake_regs(t);
		for (unsigned k = 0; k < bf_reg_t_invalid; k++)
			h = mix(h, r->reg[k]);
		for (unsigned k = 0; k < HV_VPS_MAX_CPUID; k++)
			h = mix(mix(h, t->cpuid[k].used), t->cpuid[k].regs[0] ^
						       (uint64_t)t->cpuid[k].leaf << 32);
	}
	return mix(h, pp_get(0)->current ? pp_get(0)->current->id : 0xFFFF);
}

/* ---- one hypercall from a VPS ---------------------------------------------------- */

static const char *status_name(uint64_t st)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)st);
	return buf;
}

/* Execute the VMCALL in `vps` (RIP stays on it without SCC while the call
 * continues, like the hardware re-executing it).  Checks the invariants;
 * returns the status. */
static unsigned long calls_ok[NCAT], calls_all[NCAT];

static void count(uint64_t rax, uint64_t st)
{
	for (unsigned i = 0; i < NCAT; i++) {
		if (catalogue[i] == (rax & ~MV_HYPERCALL_FLAGS_SCC)) {
			calls_all[i]++;
			calls_ok[i] += st == MV_STATUS_SUCCESS;
		}
	}
}

static uint64_t hypercall(struct hv_vps *vps, uint64_t rax, uint64_t regs[6])
{
	struct fake_vps_regs *r = fake_regs(vps);
	static struct fake_vps_regs before;
	uint64_t st = 0;

	snprintf(last_event, sizeof(last_event),
		 "vm %u vps %u: rax 0x%llx r10 0x%llx r11 0x%llx r12 0x%llx r13 0x%llx r14 0x%llx "
		 "r15 0x%llx",
		 vps->vmid, vps->id, (unsigned long long)rax, (unsigned long long)regs[0],
		 (unsigned long long)regs[1], (unsigned long long)regs[2], (unsigned long long)regs[3],
		 (unsigned long long)regs[4], (unsigned long long)regs[5]);
	r->reg[bf_reg_t_rax] = rax;
	for (int i = 0; i < 6; i++)
		r->reg[bf_reg_t_r10 + i] = regs[i];
	r->reg[bf_reg_t_efer] |= 1ull << 10 | 1ull << 8; /* LMA LME */
	r->reg[bf_reg_t_cs_attrib] |= 1u << 13;          /* L */
	for (int again = 0; again < 100000; again++) {
		uint16_t target = (uint16_t)regs[1];
		fake_tsc += 20000000; /* 10 ms per call: debug_out's rate limit refills */
		uint64_t d = digest(target);
		struct hv_exit ex = { .type = HV_EXIT_HYPERCALL, .rip = r->reg[bf_reg_t_rip],
				      .insn_len = 3 };
		before = *r;
		enum hv_exit_action act = core_handle_exit(vps, &ex);
		bool switched = pp_get(0)->current != vps;
		st = r->reg[bf_reg_t_rax];
		if (act == HV_ACTION_STOP)
			FAIL("a hypercall stopped the PP");
		if (!switched && r->reg[bf_reg_t_rip] == before.reg[bf_reg_t_rip]) {
			/* continuation without SCC: nothing written, run it again */
			if (memcmp(r, &before, sizeof(before)))
				FAIL("a re-executed continuation changed registers");
			if (!(rax & MV_HYPERCALL_FLAGS_SCC) && again < 99999)
				continue;
			FAIL("RIP did not advance");
			break;
		}
		if (r->reg[bf_reg_t_rip] != before.reg[bf_reg_t_rip] + 3)
			FAIL("RIP advanced by %lld", (long long)(r->reg[bf_reg_t_rip] -
								  before.reg[bf_reg_t_rip]));
		if (switched) {
			if (st != rax || (uint64_t)regs[1] != r->reg[bf_reg_t_r11])
				FAIL("run_vp wrote registers before the guest returned");
			st = MV_STATUS_SUCCESS;
			break;
		}
		bool ok = st == MV_STATUS_SUCCESS || st == MV_STATUS_RETRY_CONTINUATION;
		for (unsigned k = 0; k < bf_reg_t_invalid; k++) {
			if (k == bf_reg_t_rax || k == bf_reg_t_rip)
				continue;
			if (ok && k >= bf_reg_t_r10 && k <= bf_reg_t_r15)
				continue;
			if (r->reg[k] != before.reg[k])
				FAIL("status %s changed register %u: 0x%llx -> 0x%llx", status_name(st),
				     k, (unsigned long long)before.reg[k],
				     (unsigned long long)r->reg[k]);
		}
		if (!ok && digest(target) != d)
			FAIL("failed call (status %s) changed the core's state", status_name(st));
		break;
	}
	for (int i = 0; i < 6; i++)
		regs[i] = r->reg[bf_reg_t_r10 + i];
	count(rax, st);
	return st;
}

/* ---- the root's calls --------------------------------------------------------- */

static uint64_t root_handle(void)
{
	return vm_root()->handle;
}

static uint64_t hc_root(uint64_t rax, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			uint64_t r5, uint64_t *out0)
{
	uint64_t regs[6] = { root_handle(), r1, r2, r3, r4, r5 };
	uint64_t st = hypercall(root_vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	return st;
}

static struct hv_vm *caller_vm;

/* Arguments of one catalogue hypercall, structured (mostly valid-looking). */
static void args_for(uint64_t key, bool from_root, uint64_t r[6])
{
	uint64_t idx = key & MV_HYPERCALL_INDEX_MASK;
	uint64_t op = key & MV_HYPERCALL_OPCODE_NOSIG_MASK;

	for (int i = 1; i < 6; i++)
		r[i] = any_val();
	if (op == (MV_VM_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK)) {
		if (idx == MV_VM_OP_DESTROY_VM_IDX_VAL) {
			r[1] = id_reg(pick_vmid(true));
		} else if (idx >= MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL) {
			uint64_t s = pick_vmid(true), d = pick_vmid(true);
			if (chance(40))
				s = 0;
			if (idx != MV_VM_OP_MAP_MDL_IDX_VAL && made_n && chance(70)) {
				/* a mapping made before (or part of it) */
				const struct made_map *m = &made[below(made_n < 32 ? made_n : 32)];
				unsigned k = (unsigned)below(m->n), cnt = chance(50) ? m->n - k : 1;
				s = m->src, d = m->dst;
				mdl_write(MDL_SRC, m->s + k, cnt);
				mdl_write(MDL_DST, m->d + k, cnt);
				r[2] = MDL_SRC, r[4] = MDL_DST;
			} else {
				mdl_pair(s, d, &r[2], &r[4]);
			}
			r[1] = chance(90) ? s : id_reg(s);
			r[3] = chance(90) ? d : id_reg(d);
			r[5] = gpa_flags();
			if (idx == MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL)
				r[5] &= ~(MV_GPA_FLAG_DONATE | MV_GPA_FLAG_ZOMBIE) * chance(80);
		}
	} else if (op == (MV_VP_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK)) {
		r[1] = id_reg(idx == MV_VP_OP_CREATE_VP_IDX_VAL ? pick_vmid(true) : pick_vpid());
	} else if (op == (MV_VPS_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK)) {
		r[1] = id_reg(idx == MV_VPS_OP_CREATE_VPS_IDX_VAL ? pick_vpid() : pick_vpsid());
		switch (idx) {
		case MV_VPS_OP_GET_REG_IDX_VAL:
		case MV_VPS_OP_SET_REG_IDX_VAL:
			r[2] = chance(90) ? below(bf_reg_t_invalid + 1) : any_val();
			break;
		case MV_VPS_OP_GET_MSR_IDX_VAL:
		case MV_VPS_OP_SET_MSR_IDX_VAL: {
			static const uint64_t msrs[] = { 0x174, 0x175, 0x176, 0x277, 0xC0000080,
							 0xC0000081, 0xC0000082, 0xC0000083,
							 0xC0000084, 0xC0000100, 0xC0000101,
							 0xC0000102, 0x10, 0x1C0000080ull };
			r[2] = chance(90) ? msrs[below(sizeof(msrs) / sizeof(msrs[0]))] : any_val();
			break;
		}
		case MV_VPS_OP_GET_SUPPORTED_MSRS_IDX_VAL:
		case MV_VPS_OP_GET_SUPPORTED_FEATURE_MSRS_IDX_VAL:
			r[1] = chance(80) ? below(15) : any_val();
			break;
		case MV_VPS_OP_QUEUE_IRQ_IDX_VAL:
			r[2] = chance(80) ? below(300) : any_val();
			break;
		case MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL:
			r[2] = chance(70) ? guest_page() : any_gpa();
			break;
		case MV_VPS_OP_GET_FPU_IDX_VAL:
		case MV_VPS_OP_SET_FPU_IDX_VAL:
		case MV_VPS_OP_GET_XSAVE_IDX_VAL:
		case MV_VPS_OP_SET_XSAVE_IDX_VAL:
			r[2] = chance(70) ? root_page() : any_gpa();
			break;
		default:
			break;
		}
	} else if (op == (MV_VP_MANAGEMENT_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK)) {
		r[1] = chance(90) ? pick_vpid() : any_val();
	} else if (op == (MV_XVIO_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK)) {
		uint64_t mine = from_root ? root_page() : GUEST_BASE + below(8) * HV_PAGE_SIZE;
		r[1] = chance(70) ? below(3) : chance(85) ? below(MV_XVIO_MAX_SERVICES + 1) : any_val();
		switch (idx) {
		case MV_XVIO_OP_SET_PARTITION_IDX_VAL:
			r[1] = chance(85) ? pick_vmid(true) : any_val();
			r[2] = chance(85) ? 2 + below(2) : any_val();
			break;
		case MV_XVIO_OP_INITIALIZE_IDX_VAL:
			r[2] = chance(50) ? 0 : chance(85) ? below(5) : any_val();
			r[3] = chance(50) ? 0 : chance(80) ? 30 + below(230) : any_val();
			break;
		case MV_XVIO_OP_POST_MESSAGE_IDX_VAL:
			r[2] = chance(85) ? 1 + below(3) : any_val();
			r[3] = chance(85) ? below(0x10001) : any_val();
			r[4] = chance(85) ? below(240) : any_val();
			r[5] = chance(80) ? mine + below(HV_PAGE_SIZE) : any_gpa();
			break;
		case MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL:
			r[2] = chance(80) ? mine : any_gpa();
			break;
		case MV_XVIO_OP_CREATE_RING_IDX_VAL:
			r[2] = chance(85) ? 1 + below(3) : any_val();
			r[3] = chance(85) ? below(4) : chance(50) ? 256 + below(2) : any_val();
			r[4] = chance(85) ? below(4) : chance(50) ? 256 + below(2) : any_val();
			r[5] = chance(80) ? mine : any_gpa();
			break;
		case MV_XVIO_OP_ATTACH_RING_IDX_VAL:
			r[2] = chance(85) ? 1 + below(3) : any_val();
			if (chance(60)) { /* a ring that waits for the caller */
				uint8_t me = xvio_partition_of(caller_vm);
				for (uint8_t cp = 1; cp < XVIO_PARTS; cp++)
					for (uint32_t id = 0; id < XVIO_SERVICES; id++)
						if (xvio_parts[cp].svc[id].ring.used &&
						    !xvio_parts[cp].svc[id].ring.attached &&
						    xvio_parts[cp].svc[id].ring.peer == me && chance(50))
							r[1] = id, r[2] = cp;
			}
			r[3] = chance(80) ? (from_root ? ROOT_HOLE + below(64) * HV_PAGE_SIZE
						       : GUEST_BASE + (8 + below(16)) * HV_PAGE_SIZE)
					  : any_gpa();
			break;
		case MV_XVIO_OP_SET_FOCUS_IDX_VAL:
			r[1] = chance(85) ? below(5) : any_val();
			break;
		default:
			break;
		}
	} else if (op == (MV_HANDLE_OP_VAL & MV_HYPERCALL_OPCODE_NOSIG_MASK) &&
		   idx == MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL) {
		r[0] = chance(85) ? MV_SPEC_ID1_VAL | (chance(20) ? rnd() << 32 : 0) : any_val();
	}
}

/* A random RAX: mostly a catalogue hypercall, sometimes SCC, sometimes junk. */
static uint64_t random_rax(uint64_t *key)
{
	*key = catalogue[below(NCAT)];
	uint64_t rax = *key;
	if (chance(10))
		rax |= MV_HYPERCALL_FLAGS_SCC;
	if (chance(5)) {
		switch (below(4)) {
		case 0:
			rax ^= 1ull << (48 + below(16)); /* signature */
			break;
		case 1:
			rax |= 1ull << (33 + below(15)); /* flags */
			break;
		case 2:
			rax = MV_HYPERCALL_SIG_VAL | (below(16) << 16) | below(24); /* op/idx */
			break;
		default:
			rax = rnd();
			break;
		}
	}
	return rax;
}

/* The VPS of `vm`'s VP `vp` a fuzz step may run. */
static uint16_t runnable_vp(void)
{
	uint16_t ids[HV_MAX_VPS], n = 0;
	for (uint16_t i = 0; i < HV_MAX_VPS; i++) {
		struct hv_vp *vp = vp_get(i);
		if (vp && vp->vmid != 0 && vp->active)
			ids[n++] = i;
	}
	return n ? ids[below(n)] : 0xFFFF;
}

static void root_step(void)
{
	uint64_t key, r[6];
	unsigned dice = (unsigned)below(100);

	if (dice < 4) { /* a new guest: VM, VP, VPS, a few pages, a partition */
		uint64_t vm = 0, vp = 0, vps = 0, a, b;
		if (hc_root(rax_of(MV_VM_OP_VAL, MV_VM_OP_CREATE_VM_IDX_VAL), 0, 0, 0, 0, 0, &vm))
			return;
		if (chance(90) &&
		    !hc_root(rax_of(MV_VP_OP_VAL, MV_VP_OP_CREATE_VP_IDX_VAL), vm, 0, 0, 0, 0, &vp))
			hc_root(rax_of(MV_VPS_OP_VAL, MV_VPS_OP_CREATE_VPS_IDX_VAL), vp, 0, 0, 0, 0,
				&vps);
		struct range s = { root_page(), 8 * HV_PAGE_SIZE }, d = { GUEST_BASE, s.size };
		mdl_write(MDL_SRC, &s, 1);
		mdl_write(MDL_DST, &d, 1);
		a = MDL_SRC, b = MDL_DST;
		hc_root(rax_of(MV_VM_OP_VAL, MV_VM_OP_MAP_MDL_IDX_VAL), 0, a, vm, b,
			MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_DONATE, NULL);
		if (chance(60))
			hc_root(rax_of(MV_XVIO_OP_VAL, MV_XVIO_OP_SET_PARTITION_IDX_VAL), vm,
				2 + below(2), 0, 0, 0, NULL);
		return;
	}
	if (dice < 6) { /* tear a guest down: VPSs, VPs, then the VM (a continuation) */
		uint64_t vm = pick_vmid(true);
		for (uint16_t i = 0; i < HV_MAX_VPSS; i++) {
			struct hv_vps *v = vps_get(i);
			if (v && v->vmid == vm && vm != 0 && chance(90))
				hc_root(rax_of(MV_VPS_OP_VAL, MV_VPS_OP_DESTROY_VPS_IDX_VAL), i, 0, 0,
					0, 0, NULL);
		}
		for (uint16_t i = 0; i < HV_MAX_VPS; i++) {
			struct hv_vp *v = vp_get(i);
			if (v && v->vmid == vm && vm != 0 && chance(90))
				hc_root(rax_of(MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL), i, 0, 0, 0,
					0, NULL);
		}
		hc_root(rax_of(MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL) |
				(chance(50) ? MV_HYPERCALL_FLAGS_SCC : 0),
			id_reg(vm), 0, 0, 0, 0, NULL);
		return;
	}
	if (dice < 8) { /* a guest's page into the root's hole, where its device memory is */
		uint64_t vm = pick_vmid(true);
		struct range g = { GUEST_BASE + below(8) * HV_PAGE_SIZE, HV_PAGE_SIZE };
		struct range d = { ROOT_HOLE + below(64) * HV_PAGE_SIZE, HV_PAGE_SIZE };
		mdl_write(MDL_SRC, &g, 1);
		mdl_write(MDL_DST, &d, 1);
		uint64_t st = hc_root(rax_of(MV_VM_OP_VAL, chance(70) ? MV_VM_OP_MAP_MDL_IDX_VAL
								      : MV_VM_OP_UNMAP_MDL_IDX_VAL),
				      vm, MDL_SRC, 0, MDL_DST, gpa_flags() & ~MV_GPA_FLAG_DONATE, NULL);
		if (st == MV_STATUS_SUCCESS && made_n < 1u << 30) {
			made[made_n++ % 32] = (struct made_map){ vm, 0, 1, { g }, { d } };
		}
		return;
	}
	if (dice < 14) { /* run a guest VP */
		uint16_t vp = runnable_vp();
		if (vp != 0xFFFF)
			hc_root(rax_of(MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL),
				chance(95) ? vp : vp | 0x10000, 0, 0, 0, 0, NULL);
		return;
	}
	uint64_t rax = random_rax(&key);
	caller_vm = vm_root();
	r[0] = 0;
	args_for(key, true, r);
	/* the handle: mostly the open one, sometimes a wrong one */
	r[0] = key == (MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL) ? r[0]
	       : chance(95)                                                  ? root_handle()
									     : any_val();
	if (key == (MV_HANDLE_OP_VAL | MV_HANDLE_OP_CLOSE_IDX_VAL) && chance(80))
		return; /* keep the root's handle open most of the time */
	uint64_t st = hypercall(root_vps, rax, r);
	if (key == (MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL) && st == MV_STATUS_SUCCESS &&
	    pending.n)
		made[made_n++ % 32] = pending;
	if (!root_handle()) { /* reopen */
		uint64_t o[6] = { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 };
		hypercall(root_vps, rax_of(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL), o);
	}
}

/* ---- a running guest ---------------------------------------------------------------- */

static void guest_step(struct hv_vps *g)
{
	struct fake_vps_regs *r = fake_regs(g);
	unsigned dice = (unsigned)below(100);

	if (dice < 65) {
		uint64_t key, a[6];
		uint64_t rax = random_rax(&key);
		if (chance(60)) { /* the calls a guest may make */
			static const uint64_t mine[] = {
				MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL,
				MV_HANDLE_OP_VAL | MV_HANDLE_OP_CLOSE_IDX_VAL,
				MV_VM_OP_VAL | MV_VM_OP_VMID_IDX_VAL,
				MV_VP_OP_VAL | MV_VP_OP_VPID_IDX_VAL,
				MV_DEBUG_OP_VAL | MV_DEBUG_OP_OUT_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_INITIALIZE_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_CLEANUP_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_POST_MESSAGE_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_POST_MESSAGE_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_CREATE_RING_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_ATTACH_RING_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_SET_FOCUS_IDX_VAL,
				MV_XVIO_OP_VAL | MV_XVIO_OP_GET_PARTITION_IDX_VAL,
			};
			key = rax = mine[below(sizeof(mine) / sizeof(mine[0]))];
			if (chance(10))
				rax |= MV_HYPERCALL_FLAGS_SCC;
		}
		struct hv_vm *vm = vps_vm(g);
		if (vm && !vm->handle && chance(50))
			key = rax = MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL;
		caller_vm = vm;
		a[0] = 0;
		args_for(key, false, a);
		uint8_t me = vm ? xvio_partition_of(vm) : 0;
		for (uint8_t cp = 1; me && cp < XVIO_PARTS && vm->handle && chance(40); cp++) {
			for (uint32_t id = 0; id < XVIO_SERVICES; id++) {
				const struct xvio_ring *rg = &xvio_parts[cp].svc[id].ring;
				if (!rg->used || rg->attached || rg->peer != me)
					continue;
				/* a ring waits for this guest: initialize, then attach */
				if (!xvio_parts[me].svc[id].used) {
					key = rax = MV_XVIO_OP_VAL | MV_XVIO_OP_INITIALIZE_IDX_VAL;
					a[1] = id, a[2] = 0, a[3] = 0;
				} else {
					key = rax = MV_XVIO_OP_VAL | MV_XVIO_OP_ATTACH_RING_IDX_VAL;
					a[1] = id, a[2] = cp;
					a[3] = GUEST_BASE + (16 + below(8)) * HV_PAGE_SIZE;
				}
				cp = XVIO_PARTS;
				break;
			}
		}
		if (key != (MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL))
			a[0] = chance(90) && vm ? vm->handle : chance(50) ? root_handle() : any_val();
		hypercall(g, rax, a);
		return;
	}
	struct hv_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.rip = r->reg[bf_reg_t_rip];
	ex.insn_len = (uint32_t)below(4);
	ex.raw = rnd();
	static const enum hv_exit_type types[] = {
		HV_EXIT_CPUID, HV_EXIT_CPUID, HV_EXIT_HLT, HV_EXIT_IO, HV_EXIT_MSR, HV_EXIT_PAUSE,
		HV_EXIT_SLPT_VIOLATION, HV_EXIT_EXCEPTION, HV_EXIT_EXTINT, HV_EXIT_PREEMPT,
		HV_EXIT_TRIPLE_FAULT, HV_EXIT_ENTRY_FAILURE, HV_EXIT_UNKNOWN, HV_EXIT_NONE,
		HV_EXIT_HYPERCALL,
	};
	ex.type = chance(97) ? types[below(sizeof(types) / sizeof(types[0]))]
			     : (enum hv_exit_type)(HV_EXIT_TYPE_COUNT + below(1000));
	switch (ex.type) {
	case HV_EXIT_CPUID:
		r->reg[bf_reg_t_rax] = chance(50) ? 0x40000000 + below(0x300) : rnd();
		r->reg[bf_reg_t_rcx] = rnd();
		break;
	case HV_EXIT_HLT:
		r->reg[bf_reg_t_rflags] = 2 | (chance(50) ? 0x200 : 0);
		break;
	case HV_EXIT_IO:
		ex.u.io.port = chance(50) ? MV_PM1A_CNT_PORT : (uint16_t)rnd();
		ex.u.io.size = (uint8_t)(1u << below(3));
		ex.u.io.in = (uint8_t)below(2);
		ex.u.io.string = (uint8_t)below(2);
		ex.u.io.value = (uint32_t)rnd();
		break;
	case HV_EXIT_MSR:
		ex.u.msr.index = chance(50) ? MV_MSR_IA32_TSC : (uint32_t)rnd();
		ex.u.msr.write = (uint8_t)below(2);
		ex.u.msr.value = rnd();
		break;
	case HV_EXIT_SLPT_VIOLATION:
		ex.u.slpt.gpa = any_gpa();
		ex.u.slpt.access = (uint8_t)below(8);
		ex.u.slpt.present = (uint8_t)below(2);
		break;
	case HV_EXIT_EXCEPTION:
		ex.u.exc.vector = (uint8_t)rnd();
		ex.u.exc.error = (uint32_t)rnd();
		break;
	case HV_EXIT_ENTRY_FAILURE:
		ex.u.entry.code = rnd();
		break;
	case HV_EXIT_HYPERCALL: /* outside 64-bit mode: #UD */
		r->reg[bf_reg_t_efer] = 0;
		break;
	default:
		break;
	}
	snprintf(last_event, sizeof(last_event), "vm %u vps %u: exit type %u", g->vmid, g->id,
		 (unsigned)ex.type);
	if (core_handle_exit(g, &ex) == HV_ACTION_STOP)
		FAIL("a guest exit stopped the PP");
	if (pp_get(0)->current != g) {
		struct hv_vp *vp = vps_vp(g);
		if (pp_get(0)->current != root_vps || (vp && vp->running))
			FAIL("the return to the root left the VP running");
	}
}

/* ---- cleanup ---------------------------------------------------------------------- */

/* Unmap every shared-in or donated-in page of every VM (page by page, until
 * nothing more goes: a donated page shared onward goes after its borrowers). */
static void unmap_everything(void)
{
	for (int round = 0; round < 64; round++) {
		bool progress = false, left = false;
		for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
			struct hv_vm *vm = vm_get(id);
			if (!vm || vm->state != HV_VM_ACTIVE)
				continue;
			uint64_t gfn = 0;
			while (mm_tree_next(&mm_vm_of(vm)->tree, gfn, &gfn)) {
				struct mm_ent e = mm_get(vm, gfn);
				if (e.kind == MM_SHARED || e.kind == MM_DONATED) {
					struct range s = { e.src_gfn << 12, HV_PAGE_SIZE };
					struct range d = { gfn << 12, HV_PAGE_SIZE };
					mdl_write(MDL_SRC, &s, 1);
					mdl_write(MDL_DST, &d, 1);
					/* mdl_write may break a chain on purpose: rewrite */
					struct mv_mdl_t *ms = (struct mv_mdl_t *)(fake_mem + MDL_SRC);
					struct mv_mdl_t *md = (struct mv_mdl_t *)(fake_mem + MDL_DST);
					memset(ms, 0, sizeof(*ms));
					memset(md, 0, sizeof(*md));
					ms->num_entries = md->num_entries = 1;
					ms->entries[0] = (struct mv_mdl_entry_t){ .gpa = s.gpa, .size = s.size };
					md->entries[0] = (struct mv_mdl_entry_t){ .gpa = d.gpa, .size = d.size };
					if (hc_root(rax_of(MV_VM_OP_VAL, MV_VM_OP_UNMAP_MDL_IDX_VAL),
						    e.src_vmid, MDL_SRC, id, MDL_DST, 0, NULL) ==
					    MV_STATUS_SUCCESS)
						progress = true;
					else
						left = true;
				}
				gfn++;
			}
		}
		if (!left || !progress)
			return;
	}
}

static uint64_t pool_start, root_pages_start;

unsigned long fuzz_end(void)
{
	snprintf(last_event, sizeof(last_event), "cleanup");
	/* a running guest stops */
	struct hv_vps *cur = pp_get(0)->current;
	if (cur != root_vps) {
		struct hv_exit ex = { .type = HV_EXIT_HLT, .rip = fake_regs(cur)->reg[bf_reg_t_rip] };
		fake_regs(cur)->reg[bf_reg_t_rflags] = 2;
		core_handle_exit(cur, &ex);
	}
	if (!root_handle()) {
		uint64_t o[6] = { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 };
		hypercall(root_vps, rax_of(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL), o);
	}
	for (uint64_t id = 0; id < MV_XVIO_MAX_SERVICES; id++)
		hc_root(rax_of(MV_XVIO_OP_VAL, MV_XVIO_OP_CLEANUP_IDX_VAL), id, 0, 0, 0, 0, NULL);
	for (uint16_t i = 0; i < HV_MAX_VPSS; i++) {
		struct hv_vps *v = vps_get(i);
		if (v && v->vmid != 0 &&
		    hc_root(rax_of(MV_VPS_OP_VAL, MV_VPS_OP_DESTROY_VPS_IDX_VAL), i, 0, 0, 0, 0, NULL))
			FAIL("cannot destroy vps %u", i);
	}
	for (uint16_t i = 0; i < HV_MAX_VPS; i++) {
		struct hv_vp *v = vp_get(i);
		if (v && v->vmid != 0 &&
		    hc_root(rax_of(MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL), i, 0, 0, 0, 0, NULL))
			FAIL("cannot destroy vp %u", i);
	}
	unmap_everything();
	for (uint16_t id = 1; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		if (!vm || vm->state == HV_VM_ZOMBIE)
			continue;
		uint64_t st;
		int calls = 0;
		do {
			st = hc_root(rax_of(MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL) |
					     MV_HYPERCALL_FLAGS_SCC,
				     id, 0, 0, 0, 0, NULL);
		} while (st == MV_STATUS_RETRY_CONTINUATION && ++calls < 100000);
		if (st != MV_STATUS_SUCCESS)
			FAIL("destroy_vm %u: %s", id, status_name(st));
	}
	/* zombies go with the last borrower; anything left is a leak */
	for (uint16_t id = 1; id < HV_MAX_VMS; id++)
		if (vm_get(id))
			FAIL("vm %u left (state %u)", id, vm_get(id)->state);
	for (uint16_t i = 1; i < HV_MAX_VPS; i++)
		if (vp_get(i))
			FAIL("vp %u left", i);
	for (uint16_t i = 1; i < HV_MAX_VPSS; i++)
		if (vps_get(i))
			FAIL("vps %u left", i);
	if (xvio_queue_pages() != 0)
		FAIL("%u XVIO queue pages left", xvio_queue_pages());
	if (mm_page_count(vm_root()) != root_pages_start || mm_vm_of(vm_root())->tree.top)
		FAIL("the root's map did not come back (%llu pages, tree 0x%llx)",
		     (unsigned long long)mm_page_count(vm_root()),
		     (unsigned long long)mm_vm_of(vm_root())->tree.top);
	if (page_free_count() != pool_start)
		FAIL("page pool: %llu free, %llu at the start", (unsigned long long)page_free_count(),
		     (unsigned long long)pool_start);
	fuzz_check_invariants(true, fail);
	return failures;
}

void fuzz_begin(void)
{
	if (!root_vps) {
		/* device memory of the root's, inside its hole: map_mdl must leave it alone */
		fake_mmio[0] = (struct hv_mem_range){ FUZZ_ROOT_MMIO, FUZZ_ROOT_MMIO_PAGES * HV_PAGE_SIZE };
		fake_num_mmio = 1;
		root_vps = fake_boot_default();
		fake_num_mmio = 0;
		uint64_t o[6] = { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 };
		if (hypercall(root_vps, rax_of(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL), o))
			FAIL("cannot open the root's handle");
	}
	made_n = 0;
	fuzz_iter = fuzz_guest_events = 0;
	pool_start = page_free_count();
	root_pages_start = mm_page_count(vm_root());
}

bool fuzz_step(void)
{
	if (!next_step_seed())
		return false;
	struct hv_vps *cur = pp_get(0)->current;
	if (cur == root_vps) {
		root_step();
	} else {
		guest_step(cur);
		fuzz_guest_events++;
	}
	fuzz_check_invariants(false, fail);
	fuzz_iter++;
	return true;
}

void fuzz_print_stats(void)
{
	for (unsigned i = 0; i < NCAT; i++)
		printf("  0x%016llx: %lu calls, %lu succeeded\n", (unsigned long long)catalogue[i],
		       calls_all[i], calls_ok[i]);
}

