/*
 * Coverage of the bare-metal image (make coverage, -DMV_COVERAGE=ON):
 * hv/arch/x86/cov/gcov.c serialises gcc's gcov counters as .gcda images
 * and writes them, framed as text, to port 0xE9 (QEMU isa-debugcon, Bochs
 * port_e9_hack) before the image ends the run.  In other builds every hook
 * here is an empty inline function and X86_COV is 0.  coverage/README.md.
 */
#ifndef X86_COV_H
#define X86_COV_H

#include <hv/arch/exit.h>
#include <hv/arch/core.h>

struct hv_vps;

/* The root's isa-debug-exit port: intercepted for the root in coverage
 * builds only, so the counters can be written before QEMU exits. */
#define X86_COV_EXIT_PORT 0xF4

#ifdef MV_COVERAGE
#define X86_COV 1
/* Writes every counter once (later calls return at once); why names the
 * path that ends the run. */
void x86_cov_dump(const char *why);
/* After a VM exit: the root's OUT to X86_COV_EXIT_PORT dumps, then performs
 * the write itself (QEMU exits; elsewhere the root resumes after its OUT);
 * any other exit returns at once. */
void x86_cov_root_io(struct hv_vps *vps, struct hv_exit *exit);
/* In the relocated copy, before the load region is reused (cov/loaded.c):
 * adds the counters the loaded image bumped before the jump (boot_relocate)
 * to the copy's; returns the number of units, 0 when the image did not move. */
unsigned int x86_cov_adopt_loaded(void);
#else
#define X86_COV 0
static inline void x86_cov_dump(const char *why) { (void)why; }
static inline void x86_cov_root_io(struct hv_vps *vps, struct hv_exit *exit)
{
	(void)vps;
	(void)exit;
}
static inline unsigned int x86_cov_adopt_loaded(void) { return 0; }
#endif

/* Marks X86_COV_EXIT_PORT in a root I/O permission bitmap (one bit a port,
 * set = intercept: SVM's IOPM, VMX's I/O bitmap A) in coverage builds. */
static inline void x86_cov_intercept_exit_port(uint8_t *io_bitmap)
{
	if (X86_COV)
		io_bitmap[X86_COV_EXIT_PORT / 8] |= (uint8_t)(1u << (X86_COV_EXIT_PORT % 8));
}

#endif
