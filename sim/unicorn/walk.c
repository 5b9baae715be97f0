/*
 * mvsim's walk of a guest's own page tables, for the accesses Unicorn reports
 * as unmapped (vcpu.c) and for the memory an event's delivery touches
 * (events.c, inject.c).
 */
#include "ucsim.h"

/*
 * The guest's own page walk for `va` (4-level paging; without paging the
 * address is physical).  Unicorn checks a linear address against its memory
 * map before it walks the guest's tables (docs/emulators.md: GVA == GPA), so
 * an access it reports as unmapped may be a guest #PF (a not-present entry:
 * WALK_NOT_PRESENT) or, as on hardware, a second-level fault at the
 * GPA of a paging-structure entry that is not mapped (WALK_TABLE,
 * *gpa set).  32-bit paging is not walked (mvsim's loader never enters it).
 */
enum walk_result walk_guest(uc_engine *uc, uint64_t va, uint64_t *gpa)
{
	uint64_t e = regs_read(uc, UC_X86_REG_CR3);
	if (!(regs_read(uc, UC_X86_REG_CR0) & (1ull << 31)) || !(regs_efer(uc) & EFER_LMA))
		return WALK_MAPPED;
	for (int level = 3; level >= 0; level--) {
		uint64_t at = (e & 0x000FFFFFFFFFF000ull) + ((va >> (12 + 9 * level)) & 511) * 8;
		if (uc_mem_read(uc, at, &e, 8) != UC_ERR_OK) {
			*gpa = at;
			return WALK_TABLE;
		}
		if (!(e & 1))
			return WALK_NOT_PRESENT;
		if (level > 0 && level < 3 && (e & 0x80))
			return WALK_MAPPED;
	}
	return WALK_MAPPED;
}
