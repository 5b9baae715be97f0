/*
 * Port I/O and MSR exits -> struct hv_exit, and the exceptions with an
 * error code: the decoding svm/exit.c and vmx/exit.c share once each has
 * read its own exit information (x86/exit_info.h).
 */
#include <x86/exit_info.h>

void x86_exit_io(struct hv_exit *exit, const struct x86_io_access *io, uint64_t rax)
{
	exit->type = HV_EXIT_IO;
	exit->u.io.port = io->port;
	exit->u.io.size = io->size;
	exit->u.io.in = io->in ? 1 : 0;
	exit->u.io.string = io->string ? 1 : 0;
	exit->u.io.rep = io->rep ? 1 : 0;
	if (!io->in)
		exit->u.io.value = io->size == 1   ? (uint8_t)rax
				   : io->size == 2 ? (uint16_t)rax
						   : (uint32_t)rax;
}

void x86_exit_msr(struct hv_exit *exit, bool write, uint64_t rcx, uint64_t rdx, uint64_t rax)
{
	exit->type = HV_EXIT_MSR;
	exit->u.msr.index = (uint32_t)rcx;
	exit->u.msr.write = write ? 1 : 0;
	if (write)
		exit->u.msr.value = ((uint64_t)(uint32_t)rdx << 32) | (uint32_t)rax;
}

bool x86_exception_has_error(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 ||
	       vector == 29 || vector == 30;
}
