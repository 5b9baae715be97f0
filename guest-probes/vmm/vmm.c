/* Root-VM helpers (vmm.h). */
#include <stdarg.h>

#include "vmm.h"

extern char _bss_end[];

uint64_t vmm_handle;
static uint64_t free_next, free_end;
static uint64_t not_owned;
static const uint8_t *agent_elf;
static uint64_t agent_len;

/* ---- multiboot: memory map and modules --------------------------------- */

#define PAGE 0x1000ull
#define ALIGN_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

static bool contains(const uint8_t *p, uint64_t len, const char *s)
{
	uint64_t n = rt_strlen(s);

	for (uint64_t i = 0; i + n <= len && i < 0x10000; i++)
		if (p[i] == (uint8_t)s[0] && !memcmp(p + i, s, n))
			return true;
	return false;
}

void vmm_init(bool need_agent)
{
	const struct mb_info *mbi = (const void *)mb_info();
	struct hc_regs o;
	uint64_t lo = ALIGN_UP((uint64_t)(uintptr_t)_bss_end), ram_end = 0;

	if (!mbi)
		probe_error("no multiboot information");
	if (lo < 0x200000)
		lo = 0x200000;
	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			if (ALIGN_UP(m[i].mod_end) > lo)
				lo = ALIGN_UP(m[i].mod_end);
			if (!agent_elf && contains((const void *)(uintptr_t)m[i].mod_start,
						   m[i].mod_end - m[i].mod_start, GUEST_IMAGE_TAG)) {
				agent_elf = (const void *)(uintptr_t)m[i].mod_start;
				agent_len = m[i].mod_end - m[i].mod_start;
			}
		}
	}
	if (need_agent && !agent_elf)
		probe_error("no multiboot module holds the guest agent ('%s'): list "
			    "guest-probes/guest-agent.elf in the probe's modules", GUEST_IMAGE_TAG);
	if (!(mbi->flags & MB_INFO_MMAP))
		probe_error("the multiboot information has no memory map");
	for (uint32_t off = 0; off < mbi->mmap_length;) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		uint64_t s = e->addr, end = e->addr + e->len;
		off += e->size + 4;
		if (e->type != 1 && s >= 0x100000 && (!not_owned || s < not_owned))
			not_owned = ALIGN_UP(s);
		if (e->type == 1 && ALIGN_UP(end) > ram_end)
			ram_end = ALIGN_UP(end);
		if (e->type != 1 || end <= lo)
			continue;
		if (s < lo)
			s = lo;
		s = ALIGN_UP(s);
		end &= ~(PAGE - 1);
		if (end > 0x100000000ull)
			end = 0x100000000ull;
		if (end > s && end - s > free_end - free_next) {
			free_next = s;
			free_end = end;
		}
	}
	if (!not_owned)
		not_owned = ram_end;
	if (free_end - free_next < 256 * PAGE)
		probe_error("less than 1 MiB of free RAM above the image and modules");
	rt_log("free RAM for guests: 0x%llx-0x%llx", (unsigned long long)free_next,
	       (unsigned long long)free_end);

	uint64_t st = hc_call(EXP_HC_OPEN_HANDLE, HC_LOAD(&o, EXP_SPEC_ID1));
	if (st != EXP_STATUS_SUCCESS)
		probe_error("cannot open a handle (status 0x%llx)", (unsigned long long)st);
	vmm_handle = o.r[0];
}

uint64_t vmm_not_owned_gpa(void)
{
	return not_owned;
}

/*
 * Zero n pages at gpa, storing only from the first word of a page that is
 * not zero yet: the words before it are only read (REPE SCASQ).  RAM no one
 * wrote since boot is usually zero already, and every guest store is dear
 * on an emulator (on mvsim about 1,000 host instructions, a load a few
 * dozen: docs/performance.md "mvsim"); the pages end up zero either way.
 */
static void zero_pages(uint64_t gpa, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *w = vmm_gpa_ptr(gpa + i * PAGE), left = PAGE / 8;
		bool zero;

		__asm__ volatile("repe scasq"
				 : "+D"(w), "+c"(left), "=@ccz"(zero)
				 : "a"(0ull)
				 : "memory");
		if (!zero) /* w is past the first word that is not zero */
			memset(w - 1, 0, (left + 1) * 8);
	}
}

uint64_t vmm_alloc(uint64_t n)
{
	uint64_t gpa = free_next;

	if (n > (free_end - free_next) / PAGE)
		probe_error("out of free RAM (%llu pages wanted)", (unsigned long long)n);
	free_next += n * PAGE;
	zero_pages(gpa, n);
	return gpa;
}

/* ---- MDLs ----------------------------------------------------------------- */

void vmm_mdl_set_num(uint64_t mdl, uint64_t n)
{
	*(volatile uint64_t *)vmm_gpa_ptr(mdl + EXP_OFF_MV_MDL_T_NUM_ENTRIES) = n;
}

void vmm_mdl_set_next(uint64_t mdl, uint64_t next)
{
	*(volatile uint64_t *)vmm_gpa_ptr(mdl + EXP_OFF_MV_MDL_T_NEXT) = next;
}

void vmm_mdl_set_revz(uint64_t mdl, unsigned i, uint64_t v)
{
	*(volatile uint64_t *)vmm_gpa_ptr(mdl + EXP_OFF_MV_MDL_T_REVZ + 8 * i) = v;
}

void vmm_mdl_set_entry(uint64_t mdl, unsigned i, uint64_t gpa, uint64_t size, uint64_t flags)
{
	volatile uint64_t *e = vmm_gpa_ptr(mdl + EXP_OFF_MV_MDL_T_ENTRIES + EXP_SIZEOF_MV_MDL_ENTRY_T * i);

	e[EXP_OFF_MV_MDL_ENTRY_T_GPA / 8] = gpa;
	e[EXP_OFF_MV_MDL_ENTRY_T_SIZE / 8] = size;
	e[EXP_OFF_MV_MDL_ENTRY_T_FLAGS / 8] = flags;
}

uint64_t vmm_mdl_make(const struct mdl_ent *e, uint64_t n)
{
	uint64_t mdl = vmm_alloc(1);

	vmm_mdl_set_num(mdl, n);
	for (uint64_t i = 0; i < n && i < EXP_MDL_MAP_MAX_NUM_ENTRIES; i++)
		vmm_mdl_set_entry(mdl, (unsigned)i, e[i].gpa, e[i].size, e[i].flags);
	return mdl;
}

uint64_t vmm_mdl_one(uint64_t gpa, uint64_t size)
{
	struct mdl_ent e = { gpa, size, 0 };

	return vmm_mdl_make(&e, 1);
}

/* ---- hypercalls by name ------------------------------------------------ */

uint64_t vmm_vm_create(uint64_t *vmid)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_CREATE_VM, HC_LOAD(&o, vmm_handle));

	if (vmid)
		*vmid = st == EXP_STATUS_SUCCESS ? o.r[0] : EXP_INVALID_ID;
	return st;
}

uint64_t vmm_vm_destroy(uint64_t vmid)
{
	return hc_call(EXP_HC_DESTROY_VM, HC_REGS(vmm_handle, vmid));
}

uint64_t vmm_vp_create(uint64_t vmid, uint64_t *vpid)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_CREATE_VP, HC_LOAD(&o, vmm_handle, vmid));

	if (vpid)
		*vpid = st == EXP_STATUS_SUCCESS ? o.r[0] : EXP_INVALID_ID;
	return st;
}

uint64_t vmm_vp_destroy(uint64_t vpid)
{
	return hc_call(EXP_HC_DESTROY_VP, HC_REGS(vmm_handle, vpid));
}

uint64_t vmm_vps_create(uint64_t vpid, uint64_t *vpsid)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_VPS(EXP_IDX_CREATE_VPS), HC_LOAD(&o, vmm_handle, vpid));

	if (vpsid)
		*vpsid = st == EXP_STATUS_SUCCESS ? o.r[0] : EXP_INVALID_ID;
	return st;
}

uint64_t vmm_vps_destroy(uint64_t vpsid)
{
	return hc_call(EXP_HC_VPS(EXP_IDX_DESTROY_VPS), HC_REGS(vmm_handle, vpsid));
}

uint64_t vmm_vps_set_reg(uint64_t vpsid, uint64_t reg, uint64_t val)
{
	return hc_call(EXP_HC_VPS(EXP_IDX_SET_REG), HC_REGS(vmm_handle, vpsid, reg, val));
}

uint64_t vmm_vps_get_reg(uint64_t vpsid, uint64_t reg, uint64_t *val)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_VPS(EXP_IDX_GET_REG), HC_LOAD(&o, vmm_handle, vpsid, reg));

	if (val)
		*val = o.r[0];
	return st;
}

uint64_t vmm_map_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl,
		 uint64_t flags)
{
	return hc_call(EXP_HC_MAP_MDL, HC_REGS(vmm_handle, src_vmid, src_mdl, dst_vmid, dst_mdl, flags));
}

uint64_t vmm_unmap_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl)
{
	return hc_call(EXP_HC_UNMAP_MDL, HC_REGS(vmm_handle, src_vmid, src_mdl, dst_vmid, dst_mdl));
}

uint64_t vmm_set_gpa_flags_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid,
			   uint64_t dst_mdl, uint64_t flags)
{
	return hc_call(EXP_HC_SET_GPA_FLAGS_MDL, HC_REGS(vmm_handle, src_vmid, src_mdl, dst_vmid, dst_mdl, flags));
}

/* One scratch page pair reused for one-entry MDLs. */
static uint64_t scratch_src, scratch_dst;

static void scratch_mdls(uint64_t src, uint64_t dst, uint64_t size)
{
	if (!scratch_src) {
		scratch_src = vmm_alloc(1);
		scratch_dst = vmm_alloc(1);
	}
	memset(vmm_gpa_ptr(scratch_src), 0, PAGE);
	memset(vmm_gpa_ptr(scratch_dst), 0, PAGE);
	vmm_mdl_set_num(scratch_src, 1);
	vmm_mdl_set_entry(scratch_src, 0, src, size, 0);
	vmm_mdl_set_num(scratch_dst, 1);
	vmm_mdl_set_entry(scratch_dst, 0, dst, size, 0);
}

uint64_t vmm_map_range(uint64_t dst_vmid, uint64_t src, uint64_t dst, uint64_t size, uint64_t flags)
{
	scratch_mdls(src, dst, size);
	return vmm_map_mdl(EXP_ROOT_VMID, scratch_src, dst_vmid, scratch_dst, flags);
}

uint64_t vmm_unmap_range(uint64_t dst_vmid, uint64_t src, uint64_t dst, uint64_t size)
{
	scratch_mdls(src, dst, size);
	return vmm_unmap_mdl(EXP_ROOT_VMID, scratch_src, dst_vmid, scratch_dst);
}

uint64_t vmm_run_vp(uint64_t vpid, uint64_t *reason, uint64_t *arg)
{
	struct hc_regs o;
	uint64_t st = hc_call(EXP_HC_RUN_VP, HC_LOAD(&o, vmm_handle, vpid));

	if (reason)
		*reason = o.r[0];
	if (arg)
		*arg = o.r[1];
	return st;
}

/* ---- the guest agent ------------------------------------------------------ */

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

#define SETUP(what, expr)                                                        \
	do {                                                                     \
		uint64_t st_ = (expr);                                           \
		if (st_ != EXP_STATUS_SUCCESS)                                   \
			probe_error("%s: %s failed with 0x%llx (%s)", gname, what,  \
				    (unsigned long long)st_, vmm_status_name(st_));  \
	} while (0)

static void load_agent(struct guest *g, const char *gname)
{
	const uint8_t *e = agent_elf;
	uint64_t lo = ~0ull, hi = 0;

	if (!e || agent_len < 64 || memcmp(e, "\177ELF", 4) || e[4] != 2)
		probe_error("%s: the guest agent module is not an ELF64 image", gname);
	uint64_t phoff = rd64(e + 32);
	uint16_t phentsize = rd16(e + 54), phnum = rd16(e + 56);
	g->entry = rd64(e + 24);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
		if (rd32(ph) != 1)
			continue;
		uint64_t pa = rd64(ph + 24), memsz = rd64(ph + 40);
		if (pa < lo)
			lo = pa;
		if (pa + memsz > hi)
			hi = pa + memsz;
	}
	if (lo != GUEST_IMAGE_GPA || hi <= lo || hi - lo > 0x100000)
		probe_error("%s: the agent's load segments 0x%llx-0x%llx are not at 0x%llx",
			    gname, (unsigned long long)lo, (unsigned long long)hi,
			    (unsigned long long)GUEST_IMAGE_GPA);
	g->image_size = ALIGN_UP(hi) - lo;
	g->image_gpa = vmm_alloc(g->image_size / PAGE);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
		if (rd32(ph) != 1)
			continue;
		uint64_t off = rd64(ph + 8), pa = rd64(ph + 24), filesz = rd64(ph + 32);
		if (off + filesz > agent_len)
			probe_error("%s: the agent's segment lies outside the module", gname);
		memcpy(vmm_gpa_ptr(g->image_gpa + (pa - lo)), e + off, filesz);
	}
}

void vmm_guest_new_bare(struct guest *g, const char *gname)
{
	uint64_t stack, pt;

	memset(g, 0, sizeof(*g));
	SETUP("mv_vm_op_create_vm", vmm_vm_create(&g->vmid));
	SETUP("mv_vp_op_create_vp", vmm_vp_create(g->vmid, &g->vpid));
	SETUP("mv_vps_op_create_vps", vmm_vps_create(g->vpid, &g->vpsid));
	load_agent(g, gname);
	SETUP("map_mdl (image, donate RWX)",
	      vmm_map_range(g->vmid, g->image_gpa, GUEST_IMAGE_GPA, g->image_size,
			EXP_GPA_RWX | EXP_GPA_FLAG_DONATE));
	stack = vmm_alloc(GUEST_STACK_PAGES);
	SETUP("map_mdl (stack, donate RW)",
	      vmm_map_range(g->vmid, stack, GUEST_STACK_GPA, GUEST_STACK_PAGES * PAGE,
			EXP_GPA_RW | EXP_GPA_FLAG_DONATE));
	g->mb_gpa = vmm_alloc(1);
	g->mb = vmm_gpa_ptr(g->mb_gpa);
	SETUP("map_mdl (mailbox, share RW)",
	      vmm_map_range(g->vmid, g->mb_gpa, GUEST_MBOX_GPA, PAGE, EXP_GPA_RW));
	pt = vmm_alloc(EXP_IDENTITY_MAP_PAGES);
	SETUP("map_mdl (page tables, donate RW)",
	      vmm_map_range(g->vmid, pt, GUEST_PT_GPA, EXP_IDENTITY_MAP_PAGES * PAGE,
			EXP_GPA_RW | EXP_GPA_FLAG_DONATE));
}

void vmm_guest_boot(struct guest *g, const char *gname)
{
	SETUP("mv_vps_op_set_identity_map",
	      hc_call(EXP_HC_VPS(EXP_IDX_SET_IDENTITY_MAP), HC_REGS(vmm_handle, g->vpsid, GUEST_PT_GPA)));
	SETUP("set_reg RIP", vmm_vps_set_reg(g->vpsid, EXP_REG_RIP, g->entry));
	SETUP("set_reg RSP", vmm_vps_set_reg(g->vpsid, EXP_REG_RSP, GUEST_STACK_TOP));
}

void vmm_guest_new(struct guest *g, const char *gname)
{
	vmm_guest_new_bare(g, gname);
	vmm_guest_boot(g, gname);
}

void vmm_guest_reset(struct guest *g)
{
	const char *gname = "guest reset";

	SETUP("set_reg RIP", vmm_vps_set_reg(g->vpsid, EXP_REG_RIP, g->entry));
	SETUP("set_reg RSP", vmm_vps_set_reg(g->vpsid, EXP_REG_RSP, GUEST_STACK_TOP));
}

uint64_t vmm_guest_run_once(struct guest *g, uint64_t cmd, const uint64_t *args, unsigned nargs,
			uint64_t *reason, uint64_t *arg)
{
	g->mb->cmd = cmd;
	for (unsigned i = 0; i < 8; i++)
		g->mb->arg[i] = i < nargs ? args[i] : 0;
	return vmm_run_vp(g->vpid, reason, arg);
}

/* Hardware may preempt a guest at any time (a timer interrupt ends the
 * slice): a command is done only at its final exit, so external_interrupt
 * just means "run it again". */
uint64_t vmm_guest_run(struct guest *g, uint64_t cmd, const uint64_t *args, unsigned nargs,
		   uint64_t *reason, uint64_t *arg)
{
	uint64_t st = vmm_guest_run_once(g, cmd, args, nargs, reason, arg);

	for (unsigned n = 0; st == EXP_STATUS_SUCCESS && *reason == EXP_EXIT_EXTERNAL_INTERRUPT &&
			     n < GUEST_MAX_PREEMPTIONS;
	     n++)
		st = vmm_run_vp(g->vpid, reason, arg);
	return st;
}

uint64_t vmm_guest_hc(struct guest *g, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2,
		  uint64_t r3, uint64_t r4, uint64_t r5, struct hc_regs *o, uint64_t *reason)
{
	uint64_t a[7] = { rax, r0, r1, r2, r3, r4, r5 }, rs = ~0ull, ra = 0;
	uint64_t st = vmm_guest_run(g, G_HC, a, 7, &rs, &ra);

	if (reason)
		*reason = st == EXP_STATUS_SUCCESS ? rs : ~0ull;
	if (o) {
		for (int i = 0; i < 6; i++)
			o->r[i] = g->mb->res[1 + i];
	}
	return st == EXP_STATUS_SUCCESS && rs == EXP_EXIT_HLT ? g->mb->res[0] : ~0ull;
}

uint64_t vmm_guest_free(struct guest *g)
{
	uint64_t st;

	if ((st = vmm_vps_destroy(g->vpsid)) != EXP_STATUS_SUCCESS)
		return st;
	if ((st = vmm_vp_destroy(g->vpid)) != EXP_STATUS_SUCCESS)
		return st;
	return vmm_vm_destroy(g->vmid);
}

const char *vmm_exit_name(uint64_t reason)
{
	static const char *const n[] = {
		"mv_vp_exit_t_external_interrupt", "mv_vp_exit_t_yield", "mv_vp_exit_t_retry",
		"mv_vp_exit_t_hlt", "mv_vp_exit_t_fault", "mv_vp_exit_t_sync_tsc",
		"mv_vp_exit_t_suspend",
	};
	return reason < 7 ? n[reason] : "none";
}

const char *vmm_status_name(uint64_t st)
{
	switch (st) {
	case EXP_STATUS_SUCCESS: return "MV_STATUS_SUCCESS";
	case EXP_STATUS_FAILURE_UNKNOWN: return "MV_STATUS_FAILURE_UNKNOWN";
	case EXP_STATUS_FAILURE_UNSUPPORTED: return "MV_STATUS_FAILURE_UNSUPPORTED";
	case EXP_STATUS_FAILURE_INVALID_HANDLE: return "MV_STATUS_FAILURE_INVALID_HANDLE";
	case EXP_STATUS_INVALID_PERM_EXT: return "MV_STATUS_INVALID_PERM_EXT";
	case EXP_STATUS_INVALID_PERM_DENIED: return "MV_STATUS_INVALID_PERM_DENIED";
	case EXP_STATUS_INVALID_PARAMS0: return "MV_STATUS_INVALID_PARAMS0";
	case EXP_STATUS_INVALID_PARAMS1: return "MV_STATUS_INVALID_PARAMS1";
	case EXP_STATUS_INVALID_PARAMS2: return "MV_STATUS_INVALID_PARAMS2";
	case EXP_STATUS_INVALID_PARAMS3: return "MV_STATUS_INVALID_PARAMS3";
	case EXP_STATUS_INVALID_PARAMS4: return "MV_STATUS_INVALID_PARAMS4";
	case EXP_STATUS_INVALID_PARAMS5: return "MV_STATUS_INVALID_PARAMS5";
	case EXP_STATUS_RETRY_CONTINUATION: return "MV_STATUS_RETRY_CONTINUATION";
	default: return "unknown-status";
	}
}

bool vmm_check_st(const char *id, const char *hc, uint64_t expected, uint64_t got,
	      const char *desc, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, desc);
	rt_vsnprintf(buf, sizeof(buf), desc, ap);
	va_end(ap);
	return check_eq(id, rt_fmt("%s,%s", hc, vmm_status_name(expected)), expected, got, "%s", buf);
}
