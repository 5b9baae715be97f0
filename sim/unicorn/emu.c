/*
 * sim/emu.h for Unicorn: the process-wide set-up (excfix.c's calibration),
 * and the guest code bytes and CPU mode the host part's diagnostics read.
 */
#include "ucsim.h"

int emu_init(void)
{
	excfix_calibrate();
	if (g_cfg.trace && !excfix_available())
		fprintf(stderr, "mvsim: note: Unicorn's exception-in-flight state could not be located; "
				"a second guest #PF/#GP may turn into #DF\n");
	return 0;
}

size_t emu_read_code(struct hv_vps *vps, uint64_t gva, uint8_t *buf, size_t len)
{
	struct arch_vps *a = vps_arch(vps);
	size_t n = 0;

	/* Byte by byte: as much as is mapped. */
	while (n < len && uc_mem_read(a->uc, gva + n, &buf[n], 1) == UC_ERR_OK)
		n++;
	return n;
}

bool emu_long_mode(struct hv_vps *vps)
{
	return (regs_efer(vps_arch(vps)->uc) & EFER_LMA) != 0;
}
