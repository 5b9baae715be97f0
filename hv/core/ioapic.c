/*
 * The root VM's I/O APIC (docs/root-vm.md, "I/O APIC"): the page is the real
 * one, mapped read-only; every store traps, is decoded (mmio_store.c) and
 * performed, except an IOWIN write that would make a redirection entry
 * deliver SMI or INIT: an interrupt pin could then reset or SMI a processor
 * while it runs the hypervisor.  IOREGSEL and IOWIN stores of all root VPs
 * are serialized, so the register an IOWIN write selects is the one checked.
 */
#include <hv/arch/arch.h>
#include <hv/ioapic.h>
#include <hv/log.h>
#include <hv/mmio_store.h>
#include <hv/pp.h>
#include <hv/spinlock.h>

#define IOAPIC_REGSEL 0x00u
#define IOAPIC_WIN 0x10u
/* Redirection entries: two registers each from 0x10 on, as many as the I/O
 * APIC's version register says (24 on QEMU and Bochs, more on some
 * chipsets): every even register from 0x10 up is taken as an entry's low
 * half (none of them is anything else; one past the last does not exist). */
#define IOAPIC_RTE_FIRST 0x10u
#define RTE_MODE(v) (((v) >> 8) & 7u)
#define MODE_SMI 2u
#define MODE_INIT 5u

static uint64_t ioapic_page;
static struct hv_spinlock ioapic_lock = HV_SPINLOCK_INIT;

int ioapic_root_map(struct hv_vm *root, uint64_t spa)
{
	ioapic_page = spa;
	return mmio_store_map_page(root, spa);
}

bool ioapic_is_root_page(uint64_t gpa)
{
	return mmio_store_in_page(ioapic_page, gpa);
}

const char *ioapic_root_store(struct hv_pp *pp, struct hv_vps *vps, const struct hv_exit *exit)
{
	uint32_t off = (uint32_t)(exit->u.slpt.gpa - ioapic_page), val;
	uint8_t len;
	const char *why = mmio_store_decode(pp, vps, exit, "I/O APIC", &val, &len);

	if (why)
		return why;
	hv_spin_lock(&ioapic_lock);
	uint32_t sel = arch_mmio_read32(ioapic_page + IOAPIC_REGSEL) & 0xFF;
	bool rte_low = sel >= IOAPIC_RTE_FIRST && !(sel & 1);
	if (off == IOAPIC_WIN && rte_low && (RTE_MODE(val) == MODE_SMI || RTE_MODE(val) == MODE_INIT))
		hv_log("pp %u: root's I/O APIC redirection entry %u write 0x%08x (delivery mode %u) "
		       "not performed", pp->id, (sel - IOAPIC_RTE_FIRST) / 2, val, RTE_MODE(val));
	else
		arch_mmio_write32(ioapic_page + off, val);
	hv_spin_unlock(&ioapic_lock);
	arch_vps_set_reg(vps, bf_reg_t_rip, exit->rip + len);
	return NULL;
}
