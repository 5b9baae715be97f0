/*
 * mbcraft's ACPI scenarios (main.c says what mbcraft is): the firmware's
 * tables changed before the hypervisor reads them (common/acpi.c,
 * boot/madt.c, boot/tsc.c's clock choice).
 *
 *   noacpi   the RSDP's signature wiped (F segment unlocked through q35's
 *            PAM registers): no ACPI table at all
 *   acpibad  a revision-2 RSDP with a bad extended checksum in the EBDA, then
 *            a sound one whose XSDT is out of reach (above 4 GiB) and whose
 *            RSDT is the firmware's, where the MADT's checksum is broken and
 *            the FADT's length is too big
 *   madt     a MADT of mbcraft's own through an RSDP in the EBDA: one enabled
 *            local APIC, one disabled, one enabled x2APIC, an I/O APIC, an
 *            entry whose length ends the walk, and an enabled local APIC after
 *            it: 2 processors
 */
#include "mbcraft.h"

#define BIOS_AREA 0xE0000u
#define BIOS_AREA_END 0x100000u
#define EBDA_SEG_PTR 0x40Eu
#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC
#define Q35_PAM0 0x90 /* host bridge 0:0.0; PAM0..PAM6: 0xC0000-0xFFFFF */
#define PAM_RW 0x33
#define HDR_LEN 36
#define RSDT_MAX 32

struct rsdp {
	char sig[8];
	uint8_t csum;
	char oem[6];
	uint8_t rev;
	uint32_t rsdt, len;
	uint64_t xsdt;
	uint8_t ext_csum, reserved[3];
} __attribute__((packed));

struct sdt {
	char sig[4];
	uint32_t len;
	uint8_t rev, csum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static struct {
	struct sdt h;
	uint32_t entry[RSDT_MAX];
} __attribute__((packed)) rsdt;

static struct {
	struct sdt h;
	uint32_t lapic_addr, flags;
	uint8_t entries[64];
} __attribute__((packed)) madt;

static uint8_t sum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

static void fix_csum(uint8_t *csum, const void *p, uint32_t len)
{
	*csum = 0;
	*csum = (uint8_t)-sum(p, len);
}

static int is_sig(const char *s, const char *sig, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != sig[i])
			return 0;
	return 1;
}

static struct rsdp *rsdp_find(void)
{
	for (uint32_t pa = BIOS_AREA; pa < BIOS_AREA_END; pa += 16) {
		struct rsdp *r = (struct rsdp *)pa;
		if (is_sig(r->sig, "RSD PTR ", 8) && !sum(r, 20))
			return r;
	}
	fail("no RSDP in the BIOS area");
}

static struct sdt *rsdt_table(const struct rsdp *r, const char *sig)
{
	const struct sdt *t = (const struct sdt *)r->rsdt;

	for (uint32_t i = 0; i < (t->len - HDR_LEN) / 4; i++) {
		struct sdt *h = (struct sdt *)((const uint32_t *)(t + 1))[i];
		if (is_sig(h->sig, sig, 4))
			return h;
	}
	fail("a table the scenario changes is not in the RSDT");
}

/* The EBDA, where the hypervisor looks for the RSDP first. */
static uint8_t *ebda(void)
{
	uint32_t bda = EBDA_SEG_PTR;

	__asm__("" : "+r"(bda)); /* a physical address, not an object gcc knows */
	uint32_t p = (uint32_t)*(volatile uint16_t *)bda << 4;

	if (p < 0x80000 || p >= 0xA0000)
		fail("no EBDA");
	return (uint8_t *)p;
}

static void rsdp_make(struct rsdp *r, uint8_t rev, uint32_t rsdt_pa, uint64_t xsdt_pa)
{
	*r = (struct rsdp){ .rev = rev, .rsdt = rsdt_pa, .len = sizeof(*r), .xsdt = xsdt_pa };
	memcpy(r->sig, "RSD PTR ", 8);
	memcpy(r->oem, "MBCRFT", 6);
	fix_csum(&r->csum, r, 20);
	fix_csum(&r->ext_csum, r, sizeof(*r));
}

static void pci_write8(uint32_t reg, uint8_t v)
{
	__asm__ volatile("outl %0, %w1" : : "a"(0x80000000u | (reg & ~3u)), "Nd"(PCI_ADDR));
	__asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(PCI_DATA + (reg & 3)));
}

static void acpi_none(void)
{
	for (uint32_t i = 0; i < 7; i++)
		pci_write8(Q35_PAM0 + i, PAM_RW); /* 0xC0000-0xFFFFF: RAM, writable */
	struct rsdp *r = rsdp_find();
	r->sig[0] = 'X';
	if (*(volatile char *)r->sig != 'X')
		fail("the F segment stayed read-only");
}

static void acpi_bad(void)
{
	struct rsdp *real = rsdp_find();
	struct rsdp *slot = (struct rsdp *)(ebda() + 16); /* after its size word */

	rsdp_make(&slot[0], 2, real->rsdt, real->rsdt);
	slot[0].ext_csum ^= 0x55; /* the first 20 bytes still sum to 0 */
	/* 48 bytes on: the next 16-byte slot the hypervisor tries. */
	rsdp_make((struct rsdp *)((uint8_t *)slot + 48), 2, real->rsdt, 0x100000000ull);
	struct sdt *m = rsdt_table(real, "APIC");
	m->csum ^= 0x55;
	struct sdt *f = rsdt_table(real, "FACP");
	f->len = 0x200000; /* over the hypervisor's 1 MiB table limit */
}

static void madt_entry(uint32_t *off, const uint8_t *e, uint8_t len)
{
	memcpy(madt.entries + *off, e, len);
	*off += len;
}

static void acpi_madt(void)
{
	const struct rsdp *real = rsdp_find();
	const struct sdt *t = (const struct sdt *)real->rsdt;
	uint32_t n = (t->len - HDR_LEN) / 4, off = 0;

	if (n > RSDT_MAX)
		fail("the firmware's RSDT is too long");
	memcpy(&madt.h, rsdt_table(real, "APIC"), HDR_LEN);
	madt.lapic_addr = 0xFEE00000u;
	madt.flags = 1;
	/* type, length, ACPI processor id, APIC id, flags (bit 0: enabled) */
	madt_entry(&off, (const uint8_t[]){ 0, 8, 0, 0, 1, 0, 0, 0 }, 8);
	madt_entry(&off, (const uint8_t[]){ 0, 8, 5, 5, 0, 0, 0, 0 }, 8);
	/* x2APIC: type 9, length 16, reserved[2], x2APIC id, flags, UID */
	madt_entry(&off, (const uint8_t[]){ 9, 16, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, 16);
	madt_entry(&off, (const uint8_t[]){ 1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0 }, 12);
	madt_entry(&off, (const uint8_t[]){ 0, 1, 0, 0, 0, 0, 0, 0 }, 8); /* length 1: the end */
	madt_entry(&off, (const uint8_t[]){ 0, 8, 7, 7, 1, 0, 0, 0 }, 8);
	madt.h.len = HDR_LEN + 8 + off;
	fix_csum(&madt.h.csum, &madt, madt.h.len);
	memcpy(&rsdt, t, t->len);
	for (uint32_t i = 0; i < n; i++)
		if (is_sig(((const struct sdt *)rsdt.entry[i])->sig, "APIC", 4))
			rsdt.entry[i] = (uint32_t)&madt;
	fix_csum(&rsdt.h.csum, &rsdt, rsdt.h.len);
	rsdp_make((struct rsdp *)(ebda() + 16), 0, (uint32_t)&rsdt, 0);
}

int acpi_scenario(const char *sc)
{
	if (is(sc, "noacpi"))
		acpi_none();
	else if (is(sc, "acpibad"))
		acpi_bad();
	else if (is(sc, "madt"))
		acpi_madt();
	else
		return 0;
	return 1;
}
