/*
 * The FXSAVE image handling both backends share (x86/fpu.h).
 */
#include <hv/arch/core.h>

#include <x86/fpu.h>

static uint32_t mxcsr_mask = 0xFFBF;

void x86_fpu_init(void)
{
	static uint8_t probe[512] __attribute__((aligned(16)));
	uint32_t mask;

	fxsave(probe);
	hv_memcpy(&mask, probe + 28, 4);
	mxcsr_mask = mask ? mask : 0xFFBF;
}

void x86_fpu_reset(uint8_t state[512])
{
	const uint16_t fcw = 0x037F;
	const uint32_t mxcsr = 0x1F80;

	hv_memset(state, 0, 512);
	hv_memcpy(state + 0, &fcw, 2);
	hv_memcpy(state + 24, &mxcsr, 4);
}

void x86_fpu_get(const uint8_t state[512], uint8_t fx[512])
{
	hv_memcpy(fx, state, 512);
	hv_memcpy(fx + 28, &mxcsr_mask, 4);
}

int x86_fpu_set(uint8_t state[512], const uint8_t fx[512])
{
	uint32_t mxcsr;

	hv_memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~mxcsr_mask)
		return -1;
	hv_memcpy(state, fx, 512);
	return 0;
}
