/*
 * The arch interface: everything hv/core needs from the hardware.
 *
 * hv/core is freestanding C with no VMX or SVM instruction in it.  It reaches
 * the machine only through the functions below.  Three backends implement
 * them:
 *
 *   hv/arch/x86/svm/   AMD SVM with nested paging   (bare metal, QEMU, Bochs)
 *   hv/arch/x86/vmx/   Intel VMX with EPT           (bare metal, KVM, Bochs)
 *   sim/               the userspace simulator (Unicorn CPU, stubbed VMX/SVM;
 *                      sim/README.md lists which file implements what)
 *
 * The list is deliberately short: per-CPU state, second-level mappings, VPS
 * register access, run-until-exit, event injection, and the few host services
 * (console, physical memory access, halting) that a hypervisor cannot do
 * without.  A backend reports a native exit as a struct hv_exit (hv/arch/exit.h);
 * it never makes policy decisions itself.
 */
#ifndef HV_ARCH_ARCH_H
#define HV_ARCH_ARCH_H

#include <hv/arch/exit.h>
#include <hv/types.h>
#include <microv/mv_reg.h>

struct hv_vm;
struct hv_vps;

/* Opaque per-object backend state; each backend defines these. */
struct arch_vm;
struct arch_vps;

/* ---- per-CPU state --------------------------------------------------- */

/* Index of the physical processor this code runs on (0 = bootstrap PP). */
uint16_t arch_pp_id(void);

/*
 * What CPUID returns on this processor without the hypervisor (the core adds
 * the hypervisor-present bit and the MicroV leaves on top).
 */
void arch_cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* ---- VMs and second-level mappings (EPT / NPT / simulator map) ------- */

/* Create the backend state (an empty second-level table) for vm->arch. */
int arch_vm_init(struct hv_vm *vm);
/* Free everything arch_vm_init and the mappings allocated. */
void arch_vm_fini(struct hv_vm *vm);

/*
 * Map one 4 KiB page: guest-physical `gpa` -> system-physical `spa`.
 * `flags` is a set of MV_GPA_FLAG_* bits: READ/WRITE/EXECUTE access and one
 * cacheability flag.  Replaces an existing mapping of `gpa`.
 * Returns 0, or -1 when the backend ran out of table memory (the core then
 * undoes the operation it was in the middle of).
 */
int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
/*
 * Map 2 MiB at once (both addresses 2 MiB-aligned), where nothing of that
 * 2 MiB is mapped yet: the root's RAM and device memory.  A backend without
 * large leaves maps 512 pages.  Returns 0, or -1 (no table memory, or part
 * of the 2 MiB already mapped).  A 2 MiB mapping is split into 512 pages
 * with the same translation by arch_slpt_split, or by an arch_slpt_map of
 * one page inside it (which fails, the map unchanged, when the split finds
 * no table memory).
 */
#define HV_SLPT_2M 0x200000ull
int arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
/*
 * Hold the page at `gpa` in its own 4 KiB mapping from now on: a 2 MiB
 * mapping around it is split (the translation of every address unchanged,
 * so no flush is due for it).  0 (also when there was nothing to split), or
 * -1 with nothing changed when the backend has no table memory.  The core
 * calls it before it commits to unmapping a page of the root's RAM, so that
 * arch_slpt_unmap never has to allocate.
 */
int arch_slpt_split(struct hv_vm *vm, uint64_t gpa);
/* Remove the mapping of `gpa` (no-op if none; inside a 2 MiB mapping not
 * split first, the backend splits it and panics if it cannot). */
void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa);
/*
 * Make earlier map/unmap calls visible to every PP: each PP's next entry of a
 * VPS of the VM flushes (INVEPT, ASID/VPID flush).  The core then waits for
 * the PPs that run a VPS of the VM now (hv/core/occupancy.c, arch_pp_kick).
 */
void arch_slpt_flush(struct hv_vm *vm);

/* ---- other PPs ---------------------------------------------------------- */

/*
 * Make PP `pp` leave the VPS it runs now (a VM exit, HV_EXIT_EXTINT) soon:
 * the hypervisor's own IPI to a guest VPS, an NMI to a root VPS (taken by the
 * hypervisor, never seen by the root).  Never blocks; harmless when `pp` runs
 * no VPS (nothing is sent, or its next run ends at once).  A PP that waits
 * parked for a SIPI wakes to look again (apic.c kicks it with each SIPI).
 */
void arch_pp_kick(uint16_t pp);

/* ---- VPS: register state, run, inject -------------------------------- */

/*
 * Create backend state (VMCB / VMCS / simulator context) for vps->arch.
 * The new VPS is in the processor's reset state (real mode at F000:FFF0,
 * CR0 0x60000010, the FPU as FNINIT leaves it: E-49); the core sets the
 * registers it needs through arch_vps_set_reg.
 */
int arch_vps_init(struct hv_vps *vps);
void arch_vps_fini(struct hv_vps *vps);

/* Read or write one register of a VPS (bf_reg_t, mv_reg.h generated from abi/mv-abi.toml).
 * set returns 0, or -1 for a register the backend does not support. */
uint64_t arch_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg);
int arch_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val);

/*
 * The general-purpose registers of a VPS in place, for the hypercall path
 * (RAX and REG0..REG5 = R10..R15 at every hypercall): an array of
 * HV_GPR_COUNT words indexed by HV_GPR(reg) for bf_reg_t_rax .. bf_reg_t_r15
 * (RAX RBX RCX RDX RBP RSI RDI R8..R15; RSP is not in it), the same
 * registers arch_vps_get_reg / arch_vps_set_reg read and write (every value
 * is valid for them).  `use` names the entries the caller reads or writes
 * (HV_GPR_BIT(reg) each); only those are valid, on the VPS's PP, from its
 * exit until its next arch_vps_run, which runs it with what they then hold;
 * every call returns the same array for a VPS (a later call may name more).
 * The backends' own save area (KVM's vcpu->arch.regs[] in the same way):
 * VMX's world switch saves all fifteen there, SVM's all but RAX, which it
 * copies from and to the VMCB around VMRUN (both ignore `use`); mvsim's is
 * a copy of the engine's registers, the `use` ones read at the call and the
 * changed ones written back at the next run.
 */
#define HV_GPR_COUNT 15
#define HV_GPR(reg) ((reg) - bf_reg_t_rax)
#define HV_GPR_BIT(reg) (1u << HV_GPR(reg))
uint64_t *arch_vps_gprs(struct hv_vps *vps, uint32_t use);

/*
 * Run the VPS on this PP until the next VM exit and describe the exit.
 * On return the VPS's registers reflect the guest at the exit; RIP points at
 * the exiting instruction (the core advances it when it emulates one).
 */
void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit);

/*
 * Deliver `event` at the next entry of the VPS (one per entry; an external
 * interrupt waits for the guest's interrupt window).  The core keeps every
 * other pending event itself (hv/core/evq.c) and calls this only on the
 * VPS's own PP, between its exits and entries.
 */
void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event);
/*
 * Take back the event the backend holds but has not delivered yet (one the
 * core injected, or an event delivery a VM exit interrupted, which hardware
 * reports for re-injection): true and *event filled, the backend then holds
 * none; false when it holds none.
 */
bool arch_vps_take_event(struct hv_vps *vps, struct hv_event *event);
/*
 * The core holds more events for the VPS than the one it just injected:
 * end this entry's run (HV_EXIT_IRQ_WINDOW) as soon as the guest could take
 * an external interrupt (RFLAGS.IF = 1, no interrupt shadow) after what the
 * backend delivers at the entry, so that the core hands over the next one
 * (SVM V_IRQ + VINTR intercept, VMX interrupt-window exiting).  Holds for
 * the next run only.
 */
void arch_vps_request_window(struct hv_vps *vps);

/*
 * MSRs the backend keeps per VPS (the list is hv/core/msr.c's
 * msr_supported[]; EFER is also bf_reg_t_efer).  Return 0, or -1 for an MSR
 * the backend does not keep.
 */
int arch_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val);
int arch_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val);

/* x87/SSE state in the 512-byte FXSAVE layout.  set returns -1 when the
 * image is invalid for the processor (e.g. reserved MXCSR bits). */
void arch_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512]);
int arch_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512]);

/* The TSC frequency of this machine in kHz (constant TSC assumed). */
uint64_t arch_tsc_khz(void);
/* This PP's time stamp counter now (the core's clock for rate limits and
 * the hypercall lock's hold time; arch_tsc_khz ticks per millisecond). */
uint64_t arch_tsc_now(void);

/* ---- this PP's local APIC (the root's APIC policy, hv/core/apic.c) ------ */

/* IA32_APIC_BASE of this PP as the hardware holds it. */
uint64_t arch_apic_base(void);
/* Read / write one 32-bit register of this PP's local APIC (xAPIC offset). */
uint32_t arch_lapic_read(uint32_t offset);
void arch_lapic_write(uint32_t offset, uint32_t value);
/* The PP whose local APIC has ID `apic_id`, or 0xFFFF for none. */
uint16_t arch_apic_id_to_pp(uint32_t apic_id);
/* Read / write a 32-bit device register at `spa` (the I/O APIC's, which the
 * root VM programs through the core: hv/core/ioapic.c). */
uint32_t arch_mmio_read32(uint64_t spa);
void arch_mmio_write32(uint64_t spa, uint32_t value);

/* ---- host services ---------------------------------------------------- */

/* Write to the hypervisor's console (serial on hardware, stdout in mvsim). */
void arch_console_write(const char *s, size_t len);

/*
 * The hypervisor's pointer to `len` bytes of system-physical memory at `spa`,
 * or NULL if that range is not RAM the hypervisor can reach.
 */
void *arch_spa_to_hva(uint64_t spa, size_t len);

/* Stop this PP for good after a core panic (never used for guest errors). */
HV_NORETURN void arch_halt(void);

#endif /* HV_ARCH_ARCH_H */
