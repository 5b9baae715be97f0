/*
 * sim/emu.h for Unicorn: the process-wide set-up (excfix.c's calibration, no
 * transparent huge pages),
 * and the guest code bytes and CPU mode the host part's diagnostics read.
 */
#include <string.h>
#include <sys/prctl.h>

#include "ucsim.h"

int emu_init(void)
{
	/* No transparent huge pages for this process.  Every engine (one per
	 * VPS) allocates its translation buffer with MADV_HUGEPAGE, so the
	 * first block it translates makes the kernel zero a whole 2 MiB page:
	 * the vps probe opens dozens of engines, and its CPU time was mostly
	 * that zeroing (docs/performance.md, "mvsim").  With 4 KiB pages an
	 * engine touches only what it fills.  Best effort: a kernel without
	 * the call just keeps the huge pages. */
	(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	/* One scratch engine for both calibrations: an engine's start-up is
	 * about 0.9 million instructions and its page faults. */
	uc_engine *scratch;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &scratch) == UC_ERR_OK) {
		ctxseg_calibrate(scratch);
		excfix_calibrate(scratch);
		uc_close(scratch);
	}
	if (g_cfg.trace && !excfix_available())
		fprintf(stderr, "mvsim: note: Unicorn's exception-in-flight state could not be located; "
				"a second guest #PF/#GP may turn into #DF\n");
	if (g_cfg.trace && !ctxseg_available())
		fprintf(stderr, "mvsim: note: Unicorn's segment state could not be located; "
				"real-mode entry states are refused\n");
	return 0;
}

size_t emu_read_code(struct hv_vps *vps, uint64_t gva, uint8_t *buf, size_t len)
{
	struct arch_vps *a = vps_arch(vps);
	const uint8_t *p = slpt_host(a, gva, len);

	if (p) {
		memcpy(buf, p, len);
		return len;
	}
	/* As much as is mapped: the engine maps whole 4 KiB pages, so that is
	 * all of it, or what precedes the next page, or nothing. */
	if (uc_mem_read(a->uc, gva, buf, len) == UC_ERR_OK)
		return len;
	size_t head = 0x1000 - (gva & 0xFFF);
	if (head < len && uc_mem_read(a->uc, gva, buf, head) == UC_ERR_OK)
		return head;
	return 0;
}

bool emu_long_mode(struct hv_vps *vps)
{
	return (regs_efer(vps_arch(vps)->uc) & EFER_LMA) != 0;
}
