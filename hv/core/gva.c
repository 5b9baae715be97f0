/*
 * A VPS's linear addresses: the walk of its own page tables (32-bit with
 * PSE-36, PAE, 4- and 5-level; paging off is the identity), every table read through the VM's
 * memory (mm_read), and reads of guest-linear bytes (instruction fetches of
 * the root's trapped APIC stores, apic.c).
 */
#include <hv/arch/arch.h>
#include <hv/gva.h>
#include <hv/mm.h>
#include <hv/vps.h>

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

static int walk_read(const struct hv_vm *vm, uint64_t gpa, unsigned size, uint64_t *entry)
{
	*entry = 0;
	return mm_read(vm, gpa, entry, size);
}

/* 0 and *gpa, or -1 when the GVA is not mapped (or a table is not memory
 * of the VM), or is not canonical in long mode (48 bits, 57 with CR4.LA57:
 * the access would #GP).  SDM vol. 3 4.3-4.5: 32-bit paging's 4 MiB pages
 * take physical bits 39:32 from PDE bits 20:13 (PSE-36; bit 21 is reserved);
 * CR4.LA57 adds a fifth level. */
int gva_translate(struct hv_vps *vps, uint64_t gva, uint64_t *gpa)
{
	const struct hv_vm *vm = vps_vm(vps);
	uint64_t cr0 = arch_vps_get_reg(vps, bf_reg_t_cr0);
	uint64_t cr3 = arch_vps_get_reg(vps, bf_reg_t_cr3);
	uint64_t cr4 = arch_vps_get_reg(vps, bf_reg_t_cr4);
	uint64_t efer = arch_vps_get_reg(vps, bf_reg_t_efer);
	uint64_t e, table;

	if (!(cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (!(cr4 & CR4_PAE)) { /* 32-bit paging: 10+10+12, 4 MiB pages with PSE */
		if (gva >> 32)
			return -1;
		table = cr3 & 0xFFFFF000ull;
		if (walk_read(vm, table + ((gva >> 22) & 0x3FF) * 4, 4, &e) || !(e & PTE_P))
			return -1;
		if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
			if (e & (1ull << 21))
				return -1; /* reserved: a #PF on the CPU */
			*gpa = (e & 0xFFC00000ull) | ((e >> 13) & 0xFF) << 32 | (gva & 0x3FFFFF);
			return 0;
		}
		if (walk_read(vm, (e & 0xFFFFF000ull) + ((gva >> 12) & 0x3FF) * 4, 4, &e) ||
		    !(e & PTE_P))
			return -1;
		*gpa = (e & 0xFFFFF000ull) | (gva & 0xFFF);
		return 0;
	}
	/* PAE: 4 levels in long mode (5 with LA57), else a 4-entry PDPT and 2 levels. */
	int level;
	if (efer & EFER_LMA) {
		const unsigned bits = (cr4 & CR4_LA57) ? 57 : 48;
		if ((uint64_t)((int64_t)(gva << (64 - bits)) >> (64 - bits)) != gva)
			return -1; /* not canonical */
		level = (cr4 & CR4_LA57) ? 5 : 4;
		table = cr3 & PTE_ADDR;
	} else {
		if (gva >> 32)
			return -1;
		if (walk_read(vm, (cr3 & 0xFFFFFFE0ull) + ((gva >> 30) & 3) * 8, 8, &e) ||
		    !(e & PTE_P))
			return -1;
		level = 2;
		table = e & PTE_ADDR;
	}
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		if (walk_read(vm, table + ((gva >> shift) & 0x1FF) * 8, 8, &e) || !(e & PTE_P))
			return -1;
		if (level == 1 || ((e & PTE_PS) && level <= 3)) {
			uint64_t mask = (1ull << shift) - 1;
			*gpa = (e & PTE_ADDR & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -1;
}

int gva_read(struct hv_vps *vps, uint64_t gva, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t gpa;
		size_t chunk = HV_PAGE_SIZE - (gva & (HV_PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (gva_translate(vps, gva, &gpa) || mm_read(vps_vm(vps), gpa, out, chunk))
			return -1;
		gva += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}
