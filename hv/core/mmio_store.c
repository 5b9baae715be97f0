/*
 * The root's trapped 32-bit stores to device pages mapped read-only for it
 * (apic.c: the local APIC; ioapic.c: the I/O APIC): fetch the instruction at
 * CS.base + RIP through the root's own page tables (gva.c, only memory the
 * root owns), decode it (insn.c) in the VPS's mode, and read the stored
 * value (the immediate or the source register).  The address is the one the
 * exit reported; it is never recomputed.
 */
#include <microv/mv_abi.h>

#include <hv/arch/arch.h>
#include <hv/gva.h>
#include <hv/insn.h>
#include <hv/log.h>
#include <hv/mmio_store.h>
#include <hv/pp.h>

#define CR0_PE 1ull
#define EFER_LMA (1ull << 10)
#define SEG_L (1u << 13)
#define SEG_DB (1u << 14)

int mmio_store_map_page(struct hv_vm *root, uint64_t spa)
{
	if (!spa)
		return 0;
	return arch_slpt_map(root, spa, spa, MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_UNCACHEABLE);
}

bool mmio_store_in_page(uint64_t page, uint64_t gpa)
{
	return page && gpa - page < HV_PAGE_SIZE;
}

static enum insn_mode mmio_store_mode(struct hv_vps *vps)
{
	uint64_t cs = arch_vps_get_reg(vps, bf_reg_t_cs_attrib);

	if ((arch_vps_get_reg(vps, bf_reg_t_efer) & EFER_LMA) && (cs & SEG_L))
		return INSN_MODE_64;
	if ((arch_vps_get_reg(vps, bf_reg_t_cr0) & CR0_PE) && (cs & SEG_DB))
		return INSN_MODE_32;
	return INSN_MODE_16;
}

static const enum bf_reg_t mmio_store_gprs[16] = {
	bf_reg_t_rax, bf_reg_t_rcx, bf_reg_t_rdx, bf_reg_t_rbx,
	bf_reg_t_rsp, bf_reg_t_rbp, bf_reg_t_rsi, bf_reg_t_rdi,
	bf_reg_t_r8, bf_reg_t_r9, bf_reg_t_r10, bf_reg_t_r11,
	bf_reg_t_r12, bf_reg_t_r13, bf_reg_t_r14, bf_reg_t_r15,
};

const char *mmio_store_decode(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit,
			      const char *dev, uint32_t *val, uint8_t *len)
{
	enum insn_mode mode = mmio_store_mode(vps);
	uint64_t ip = exit->rip;

	if (exit->u.slpt.gpa & 3)
		return "unaligned store to a device register";
	if (mode != INSN_MODE_64)
		ip = (arch_vps_get_reg(vps, bf_reg_t_cs_base) + ip) & 0xFFFFFFFFull;
	/* Up to 15 bytes, fewer when the next page is not mapped. */
	uint8_t bytes[INSN_MAX_LEN];
	size_t n = INSN_MAX_LEN;
	if (gva_read(vps, ip, bytes, n)) {
		n = (size_t)(HV_PAGE_SIZE - (ip & (HV_PAGE_SIZE - 1)));
		if (n > INSN_MAX_LEN || gva_read(vps, ip, bytes, n))
			return "the store to a device register cannot be fetched";
	}
	struct insn_store st;
	const char *why = insn_decode_store32(bytes, n, mode, &st);
	if (why) {
		hv_log("pp %u: %s store at rip 0x%llx not emulated: %s", pp->id, dev,
		       (unsigned long long)exit->rip, why);
		return "store to a device register in a form the hypervisor does not emulate";
	}
	*val = st.is_imm ? st.imm : (uint32_t)arch_vps_get_reg(vps, mmio_store_gprs[st.reg]);
	*len = st.len;
	return NULL;
}
