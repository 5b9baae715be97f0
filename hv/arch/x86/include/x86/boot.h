/* Shared declarations of the x86 boot code (hv/arch/x86/boot/). */
#ifndef X86_BOOT_H
#define X86_BOOT_H

#include <hv/arch/core.h>
#include <multiboot/multiboot.h>

/* Linker symbols (boot/link.ld). */
extern char __image_start[], __image_end[];
extern char __bss_start[], __bss_end[], __load_end[];

/* boot/relocate.c: copies the image from where the loader put it to the
 * top of RAM (the page pool right below it), relocates the copy and builds its
 * page tables; returns the distance to add to jump into the copy (0: it
 * stays where it was loaded).  Runs before anything else (entry.S). */
uint64_t boot_relocate(uint32_t magic, uint32_t mbi_pa);
/* Set in the copy: where the loader had put the image (0: not moved), the
 * page pool's place (0: not chosen; pool_place() chooses). */
extern uint64_t boot_load_spa, boot_pool_spa;

/* boot/place.c: the highest `align`-aligned `len` bytes inside one of `ram`,
 * below `limit`, that overlap none of `busy`; 0 if there are none. */
uint64_t place_top(const struct hv_mem_range *ram, uint32_t num_ram,
		   const struct hv_mem_range *busy, uint32_t num_busy, uint64_t len,
		   uint64_t align, uint64_t limit);

/* isa-debug-exit: the value written when the root VM stopped (QEMU status 251). */
#define DEBUG_EXIT_PORT 0xF4
#define EXIT_ROOT_STOPPED 0x7D

/* boot/serial.c */
void serial_init(void);
/* Writes without taking the console lock (exception handler). */
void serial_write_raw(const char *s, size_t len);
void serial_printf_raw(const char *fmt, ...) HV_PRINTF(1, 2);

/* boot/idt.c */
void idt_init(void);
void idt_load(void);

/* boot/mb.c: the multiboot information -> struct hv_boot_info. */
int mb_fill_boot_info(uint32_t magic, uint32_t mbi_pa, struct hv_boot_info *bi);
/* bi->pci_window from bi's RAM, firmware ranges and APIC pages (pciwin.c). */
void pciwin_find(struct hv_boot_info *bi);
/* The memory map's entry at *off (advanced past it); NULL after the last.
 * Inline: mb.c and relocate.c (before the image moves) both walk the map. */
static inline const struct mb_mmap_entry *mb_mmap_next(const struct mb_info *mbi, uint32_t *off)
{
	if (*off + sizeof(struct mb_mmap_entry) > mbi->mmap_length)
		return NULL;
	const struct mb_mmap_entry *e =
		(const struct mb_mmap_entry *)(uintptr_t)(mbi->mmap_addr + *off);
	*off += e->size + 4;
	return e;
}

/* boot/pool.c: the page pool (`len` bytes) at the top of RAM below 4 GiB,
 * added to bi->reserved; 0, or -1 after logging. */
#define HV_X86_POOL_SIZE 0x2000000ull
#define POOL_ALIGN 0x200000ull
int pool_place(struct hv_boot_info *bi, uint64_t len);

/* boot/tsc.c */
void tsc_cal_start(void); /* the calibration window's start (bsp_main) */
uint32_t tsc_read_bracketed(uint32_t (*read)(void), uint64_t *tsc, uint64_t *width);
void tsc_calibrate(void);
void tsc_delay_us(uint64_t us);

/* boot/boottime.c: the TSC at a step of the BSP's boot; all of them in one
 * console line (after tsc_calibrate). */
void boottime_mark(const char *what);
void boottime_log(void);

/* boot/madt.c: the enabled processors the ACPI MADT lists; 0: no MADT. */
uint32_t madt_cpu_count(void);

/* boot/smp.c */
void smp_register_bsp(void);
/* Sends the APs INIT-SIPI-SIPI (and sets up the BSP's local APIC: lapic);
 * smp_wait_aps then waits until they reported in and returns the number of
 * PPs (BSP included).  The BSP may calibrate in between. */
void smp_start_aps(void);
uint16_t smp_wait_aps(void);
void smp_release_aps(void);
/* boot/lapic.c: the local APIC (xAPIC MMIO, identity-mapped); NULL before
 * smp_start_aps maps it.  lapic_bind_pp: this CPU is PP `pp`. */
extern volatile uint32_t *lapic;
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint8_t lapic_apic_id(void);
void lapic_bind_pp(uint16_t pp);


/* boot/preempt.c: guest time slices on the local APIC timer. */
#define PREEMPT_VECTOR 0xF8
#define SPURIOUS_VECTOR 0xFF
/* boot/kick.c: the hypervisor's IPI (guest) or NMI (root) that makes a PP
 * leave its VPS. */
#define KICK_VECTOR 0xF9
void kick_run_enter(uint16_t pp, bool guest); /* around a VPS's run */
void kick_run_leave(uint16_t pp);
void kick_drain(uint16_t pp);       /* before a root VPS's run */
void kick_nap(uint16_t pp, uint32_t us); /* a parked PP's wait, ended by a kick */
void kick_nmi(uint16_t pp);         /* an NMI this PP took (host or VMX exit) */
void kick_nmi_unblock(void);        /* after a VMX NMI exit */
/* A parked AP sleeps about `us` (its own one-shot timer). */
void preempt_nap(uint32_t us);
struct preempt_state {
	bool armed;
	bool masked_host;        /* TPR raised, LINT0 masked for the run */
	uint32_t lvt_timer, divide, initial, current, lint0;
	uint8_t pic_imr;         /* the master PIC's IMR, masked for the run */
	uint64_t cr8;
};
void preempt_cal_start(void); /* the calibration window's start (bsp_main) */
void preempt_calibrate(void);
/* Before a guest VPS's run: arm a one-shot slice.  root_if: the PP's root
 * VP has interrupts enabled (its interrupts may end the run too). */
void preempt_arm(struct preempt_state *s, bool root_if);
/* After the run: true when the slice expired (its interrupt is consumed). */
bool preempt_disarm(struct preempt_state *s);
/* Take pending class-0xF interrupts in the host (a one-instruction STI
 * window with the TPR raised, LINT0 and the master PIC masked). */
void preempt_window(void);
/* A guest VM's time slice (the APIC timer or the VMX-preemption timer). */
#define HV_SLICE_US 50000u

/* VMX with the preemption timer: only the TPR/LINT0 part of preempt_arm
 * (for a run while the root VP has interrupts off), and its undoing. */
void preempt_hold(struct preempt_state *s);
void preempt_release(struct preempt_state *s);
/* isr.S -> exc_handler for the preemption and spurious vectors. */
void preempt_eoi(void);
HV_NORETURN void ap_main(uint32_t ppid);

/* boot/cpu.c: host CPU setup common to every PP (CR0/CR4 for FXSAVE, PAT). */
void host_cpu_setup(void);
/* Host PAT: WB WT UC- UC WB WC WP UC (svm/npt.c's cache bits index it). */
#define HOST_PAT 0x0005010600070406ull

/* The physical range that arch_spa_to_hva covers (identity map). */
#define HOST_MAP_LIMIT 0x100000000ull

#endif /* X86_BOOT_H */
