/*
 * Guest x87/SSE state as both backends keep it: a 512-byte FXSAVE image per
 * VPS (16-aligned), switched with FXRSTOR/FXSAVE around each run, read and
 * written by the core through arch_vps_get/set_fpu.
 */
#ifndef X86_FPU_H
#define X86_FPU_H

#include <hv/arch/core.h>

static inline void fxsave(void *area)
{
	__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static inline void fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

/* Probes the processor's MXCSR mask (FXSAVE bytes 28..31; 0 -> 0xFFBF). */
void x86_fpu_init(void);

/* The reset state: FCW 0x037F, MXCSR 0x1F80, everything else 0. */
void x86_fpu_reset(uint8_t state[512]);

/* arch_vps_get_fpu: the image, with the processor's MXCSR mask. */
void x86_fpu_get(const uint8_t state[512], uint8_t fx[512]);

/* arch_vps_set_fpu: -1 (state unchanged) when MXCSR sets a bit outside the
 * mask, else 0. */
int x86_fpu_set(uint8_t state[512], const uint8_t fx[512]);

#endif /* X86_FPU_H */
