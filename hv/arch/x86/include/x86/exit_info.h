/*
 * The parts of a VM exit both backends turn into struct hv_exit the same
 * way (common/exit_info.c), once each has read its own encoding (SVM
 * EXITINFO1, VMX exit qualification): port I/O, RDMSR/WRMSR, and which
 * exceptions push an error code.
 */
#ifndef X86_EXIT_INFO_H
#define X86_EXIT_INFO_H

#include <hv/arch/exit.h>
#include <hv/arch/core.h>

/* An intercepted IN/OUT/INS/OUTS, as the backend decoded it. */
struct x86_io_access {
	uint16_t port;
	uint8_t size; /* 1, 2 or 4 bytes */
	bool in, string, rep;
};

/* HV_EXIT_IO: fills u.io from `io`; an OUT's value is RAX cut to its size. */
void x86_exit_io(struct hv_exit *exit, const struct x86_io_access *io, uint64_t rax);

/* HV_EXIT_MSR: the MSR index from ECX; a WRMSR's value from EDX:EAX. */
void x86_exit_msr(struct hv_exit *exit, bool write, uint64_t rcx, uint64_t rdx, uint64_t rax);

/* True for the exceptions that push an error code (#DF #TS #NP #SS #GP #PF
 * #AC #CP #VC #SX). */
bool x86_exception_has_error(unsigned vector);

#endif /* X86_EXIT_INFO_H */
