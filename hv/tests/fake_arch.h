/* A fake arch backend for unit tests: registers in arrays, memory in a
 * malloc'd buffer, the console captured for inspection. */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <hv/arch/arch.h>
#include <hv/arch/core.h>
#include <hv/vps.h>

#define FAKE_MEM_SIZE (64ull << 20)

struct fake_vps_regs {
	uint64_t reg[bf_reg_t_invalid];
};

extern uint8_t *fake_mem;
extern char fake_console[65536];
extern size_t fake_console_len;
/* ---- fake_slpt.c: the second-level tables, shadowed ---------------------- */
extern uint64_t fake_slpt_pages[64]; /* mapped GPAs per VMID */
extern uint64_t fake_slpt_sum;       /* order-independent digest of every mapping */
#define FAKE_SLPT_DIRTY_MAX 4096u
struct fake_slpt_ref {
	uint16_t vmid;
	uint64_t gfn;
};
void fake_slpt_set(uint16_t vmid, uint64_t gpa, uint64_t spa, uint64_t flags);
void fake_slpt_clear(uint16_t vmid, uint64_t gpa);
void fake_slpt_drop_vm(uint16_t vmid); /* the VM's tables are gone */
bool fake_slpt_get(uint16_t vmid, uint64_t gpa, uint64_t *spa, uint64_t *flags);
void fake_slpt_each(void (*fn)(uint16_t vmid, uint64_t gpa, uint64_t spa, uint64_t flags));
/* The GPAs mapped or unmapped since the last call (*lost: more than fit). */
unsigned fake_slpt_take_dirty(struct fake_slpt_ref *out, bool *lost);

extern uint64_t fake_tsc; /* arch_tsc_now */
extern uint64_t fake_tsc_auto; /* added to fake_tsc at each arch_tsc_now (0) */
/* arch_pp_kick: kicks per PP, and a hook that plays the kicked PP */
extern unsigned fake_kicks[HV_MAX_PPS];
extern unsigned fake_windows; /* arch_vps_request_window calls */
extern bool fake_fail_split;    /* arch_slpt_split fails (no table memory) */
extern unsigned fake_splits;     /* arch_slpt_split calls */
extern void (*fake_kick_hook)(uint16_t pp);
/* The event each VPS's "backend" holds (arch_vps_inject / take_event). */
extern struct hv_event fake_held[HV_MAX_VPSS];
extern bool fake_held_valid[HV_MAX_VPSS];
/* arch_vps_take_event calls so far. */
extern unsigned fake_takes;
/* Failure injection: arch_vm_init / arch_vps_init fail while set;
 * arch_vps_set_reg refuses register fake_refuse_reg (-1: none). */
extern int fake_fail_vm_init, fake_fail_vps_init, fake_refuse_reg;
/* Called by arch_tsc_khz (mv_vps_op_get_tsc_khz runs it under the
 * hypercall lock): tests use it to hold the lock from another thread. */
extern void (*fake_tsc_hook)(void);

/* Called by arch_halt (an hv_panic) before it aborts. */
extern void (*fake_halt_hook)(void);

void fake_reset(void);
struct fake_vps_regs *fake_regs(struct hv_vps *vps);
/* Boot the core on a fake machine with `image` as module 0. */
int fake_boot(const void *image, size_t len);
/* Device memory ranges fake_boot hands the core (set before booting). */
extern struct hv_mem_range fake_mmio[2];
extern uint32_t fake_num_mmio;
/* Firmware ranges (reserved, ACPI, ...) fake_boot hands the core (none). */
extern struct hv_fw_range fake_fw[4];
extern uint32_t fake_num_fw;
/* The PP count and the local APIC page fake_boot hands the core (1, 0). */
extern uint16_t fake_num_pps;
extern uint64_t fake_lapic_page;
/* The fake local APIC's registers, one per 16-byte xAPIC offset. */
extern uint32_t fake_lapic[256];
/* The I/O APIC page fake_boot hands the core (0) and its registers. */
extern uint64_t fake_ioapic_page;
extern uint32_t fake_ioapic[1024];
/* The device memory of the last boot (the root maps it identity, UC, RW;
 * none of it overlaps RAM in the tests that use it), and its page count. */
extern struct hv_mem_range fake_boot_mmio[2];
extern uint32_t fake_boot_num_mmio;
uint64_t fake_boot_mmio_pages(void);
/* A minimal multiboot image (256 bytes: header using the address fields,
 * then NOPs) loaded at `load`, entered at load + entry_off.  Returns 256. */
size_t fake_image(uint8_t img[256], uint32_t load, uint32_t entry_off, uint32_t bss);
/* fake_boot of fake_image(0x100000, 0x40, 0), or exit(1) printing the
 * console; returns the root VPS of PP 0. */
struct hv_vps *fake_boot_default(void);
/* Execute one hypercall in `vps` as if the guest had run VMCALL. */
uint64_t fake_hypercall(struct hv_vps *vps, uint64_t rax, uint64_t regs[6]);
/* Write an MDL with one range (gpa, size) at fake guest-physical address `at`. */
void fake_mdl1(uint64_t at, uint64_t gpa, uint64_t size);

#endif
