/*
 * Root-VM helpers for the probes that create and run guests (vm, vp, vps,
 * mdl, run, isolation, ...): hypercalls by name, a page allocator over the
 * multiboot memory map, MDL pages, and the guest agent (guest-probes/guest,
 * guest_abi.h) loaded from a multiboot module.  Every exported name starts
 * with vmm_ (the hypervisor core's own vm_*, vps_* ... are different code).
 *
 * Every value is built from expect.h; nothing here includes include/microv.
 * Setup failures end the probe with ERROR (probe_error); the checks are the
 * probes' own.
 */
#ifndef PROBE_VMM_H
#define PROBE_VMM_H

#include "probe.h"
#include "guest_abi.h"

/* Raw hypercalls: the runtime's hc_call (hypercall.h) with HC_REGS / HC_LOAD. */

extern uint64_t vmm_handle;

/* Opens the handle (ERROR if it cannot), maps out free memory, finds the
 * guest agent module (need_agent: ERROR if missing). */
void vmm_init(bool need_agent);

/* ---- memory: pages the root owns -------------------------------------- */

/* A page-aligned address the root VM does not own: the start of a reserved
 * (non-RAM) range of the memory map at or above 1 MiB, else the end of RAM. */
uint64_t vmm_not_owned_gpa(void);
/* n zeroed pages, contiguous; their GPA (== the root's address). */
uint64_t vmm_alloc(uint64_t n);
static inline void *vmm_gpa_ptr(uint64_t gpa) { return (void *)(uintptr_t)gpa; }

/* ---- MDLs ------------------------------------------------------------- */

struct mdl_ent {
	uint64_t gpa, size, flags;
};

/* A fresh MDL page with n entries (n may exceed 169 only as a raw count:
 * entries beyond the page are not written), next = 0. */
uint64_t vmm_mdl_make(const struct mdl_ent *e, uint64_t n);
/* One-entry MDL. */
uint64_t vmm_mdl_one(uint64_t gpa, uint64_t size);
/* Raw access to an MDL page's fields. */
void vmm_mdl_set_num(uint64_t mdl, uint64_t n);
void vmm_mdl_set_next(uint64_t mdl, uint64_t next);
void vmm_mdl_set_revz(uint64_t mdl, unsigned i, uint64_t v);
void vmm_mdl_set_entry(uint64_t mdl, unsigned i, uint64_t gpa, uint64_t size, uint64_t flags);

/* ---- hypercalls by name ---------------------------------------------- */

uint64_t vmm_vm_create(uint64_t *vmid);
uint64_t vmm_vm_destroy(uint64_t vmid);
uint64_t vmm_vp_create(uint64_t vmid, uint64_t *vpid);
uint64_t vmm_vp_destroy(uint64_t vpid);
uint64_t vmm_vps_create(uint64_t vpid, uint64_t *vpsid);
uint64_t vmm_vps_destroy(uint64_t vpsid);
uint64_t vmm_vps_set_reg(uint64_t vpsid, uint64_t reg, uint64_t val);
uint64_t vmm_vps_get_reg(uint64_t vpsid, uint64_t reg, uint64_t *val);
uint64_t vmm_map_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl,
		 uint64_t flags);
uint64_t vmm_unmap_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid, uint64_t dst_mdl);
uint64_t vmm_set_gpa_flags_mdl(uint64_t src_vmid, uint64_t src_mdl, uint64_t dst_vmid,
			   uint64_t dst_mdl, uint64_t flags);
/* Root pages [src, src+size) -> dst_vmid's [dst, dst+size) (one-entry MDLs). */
uint64_t vmm_map_range(uint64_t dst_vmid, uint64_t src, uint64_t dst, uint64_t size, uint64_t flags);
uint64_t vmm_unmap_range(uint64_t dst_vmid, uint64_t src, uint64_t dst, uint64_t size);
uint64_t vmm_run_vp(uint64_t vpid, uint64_t *reason, uint64_t *arg);

/* ---- the guest agent ------------------------------------------------ */

struct guest {
	uint64_t vmid, vpid, vpsid;
	struct guest_mbox *mb;  /* the shared mailbox, in the root */
	uint64_t mb_gpa;        /* its root GPA */
	uint64_t image_gpa;     /* root GPA where the image was copied (donated away) */
	uint64_t image_size;
	uint64_t entry;
};

/* Creates VM, VP, VPS; loads the agent (donated RWX), stack (donated RW),
 * mailbox (shared RW), page tables (donated RW), set_identity_map, RIP/RSP.
 * ERROR on any failure (prefix says which guest). */
void vmm_guest_new(struct guest *g, const char *what);
/* Only VM/VP/VPS, memory, mailbox: no identity map or registers. */
void vmm_guest_new_bare(struct guest *g, const char *what);
/* The rest of vmm_guest_new after vmm_guest_new_bare. */
void vmm_guest_boot(struct guest *g, const char *what);
/* RIP = entry, RSP = stack top (after a fault). */
void vmm_guest_reset(struct guest *g);
/* Sets the command and its args, runs once; returns the status of vmm_run_vp
 * (reason/arg filled on success). */
/* Runs the guest once with a command in its mailbox: whatever exit comes
 * first, preemptions included (the external_interrupt checks need that). */
uint64_t vmm_guest_run_once(struct guest *g, uint64_t cmd, const uint64_t *args, unsigned nargs,
			uint64_t *reason, uint64_t *arg);
/* Bound on the re-runs vmm_guest_run makes after preemptions. */
#define GUEST_MAX_PREEMPTIONS 100000u
uint64_t vmm_guest_run(struct guest *g, uint64_t cmd, const uint64_t *args, unsigned nargs,
		   uint64_t *reason, uint64_t *arg);
/* A guest hypercall through the agent: returns the guest's RAX, *o gets
 * its registers; *reason the exit reason of the run (hlt expected). */
uint64_t vmm_guest_hc(struct guest *g, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2,
		  uint64_t r3, uint64_t r4, uint64_t r5, struct hc_regs *o, uint64_t *reason);
/* Destroys VPS, VP, VM; returns the first failing status or 0. */
uint64_t vmm_guest_free(struct guest *g);

/* Guest snippets (snippet.c): a new root page, zeroed, with the code
 * [start, end) at its start (check "snippet-fits": below data_off, where
 * the snippet's data block begins), shared RWX with the guest at `gpa`
 * (check "share-snippet"); returns the page in the root. */
volatile uint8_t *vmm_snippet_page(const struct guest *g, const char *start, const char *end,
				   uint64_t data_off, uint64_t gpa);
/* One run of the agent's G_EXEC of the snippet at guest `gpa`: false, after
 * a failed check `id` and vmm_guest_reset, unless it ends with the agent's HLT. */
bool vmm_snippet_exec(struct guest *g, const char *id, uint64_t gpa);

const char *vmm_exit_name(uint64_t reason);
const char *vmm_status_name(uint64_t st);

/* check_eq of a status: items = "<hc>,<vmm_status_name(expected)>". */
bool vmm_check_st(const char *id, const char *hc, uint64_t expected, uint64_t got,
	      const char *desc, ...) RT_PRINTF(5, 6);
/* check_eq with items "<a>" and a formatted desc (a thin alias). */
#define CHECK check_eq

#endif /* PROBE_VMM_H */
