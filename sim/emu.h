/*
 * The boundary between mvsim's host part (the .c files of sim/) and an
 * emulator backend (sim/unicorn/): what the host part needs from an
 * emulator beyond hv/arch.h.  An emulator backend is one folder that
 * implements these functions and the VM/VPS half of hv/arch.h (arch_vm_*,
 * arch_slpt_*, arch_vps_*: second-level maps, vCPUs, registers, MSRs, FPU
 * state, event injection), using the host services of sim.h (system memory
 * g_mem, platform_io_in/out for the root VM's port I/O, the run budget,
 * diag_*, x86_decode.h for the guest-VM intercepts), and a CMakeLists.txt
 * that defines the object library mvsim_emu.  The host part implements the
 * rest of hv/arch.h: arch_pp_id, arch_spa_to_hva, arch_halt,
 * arch_console_write, arch_cpuid_native, arch_tsc_khz.
 */
#ifndef MVSIM_EMU_H
#define MVSIM_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vps;

/* Process-wide set-up, once, before the first arch_vps_init (after
 * g_cfg is final).  Returns 0, or -1 when the emulator cannot run. */
int emu_init(void);

/* Copy up to `len` bytes of guest code at guest address `gva` of the VPS
 * into buf, stopping at the first byte that cannot be read; returns how
 * many were copied (for diagnostics: never faults, never changes state). */
size_t emu_read_code(struct hv_vps *vps, uint64_t gva, uint8_t *buf, size_t len);

/* Is the VPS in long mode (EFER.LMA) now?  Picks the disassembly mode. */
bool emu_long_mode(struct hv_vps *vps);

#endif /* MVSIM_EMU_H */
