/* A fake arch backend for the unit tests (fake_arch.h); its second-level
 * tables are shadowed in fake_slpt.c. */
#include "fake_arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microv/mv.h>

#include <hv/pp.h>
#include <hv/vm.h>
#include <hv/vps.h>

uint8_t *fake_mem;
char fake_console[65536];
size_t fake_console_len;
struct hv_event fake_held[HV_MAX_VPSS];
bool fake_held_valid[HV_MAX_VPSS];
int fake_fail_vm_init, fake_fail_vps_init, fake_refuse_reg = -1;

static struct fake_vps_regs regs_pool[128];
static bool regs_used[128];

void fake_reset(void)
{
	fake_console_len = 0;
	fake_console[0] = 0;
}

uint16_t arch_pp_id(void) { return 0; }

/* The local APIC: a register file the tests read back (test_apic in
 * test_core.c); APIC ID n is PP n. */
uint32_t fake_lapic[256];
uint64_t arch_apic_base(void) { return 0xFEE00900ull; }
uint32_t arch_lapic_read(uint32_t offset) { return fake_lapic[(offset & 0xFF0u) / 16]; }
void arch_lapic_write(uint32_t offset, uint32_t value) { fake_lapic[(offset & 0xFF0u) / 16] = value; }
uint16_t arch_apic_id_to_pp(uint32_t apic_id) { return apic_id < 64 ? (uint16_t)apic_id : 0xFFFF; }
/* Device registers (the I/O APIC): one page of 32-bit words at fake_ioapic_page. */
uint64_t fake_ioapic_page;
uint32_t fake_ioapic[1024];
uint32_t arch_mmio_read32(uint64_t spa) { return fake_ioapic[(spa - fake_ioapic_page) / 4 % 1024]; }
void arch_mmio_write32(uint64_t spa, uint32_t v) { fake_ioapic[(spa - fake_ioapic_page) / 4 % 1024] = v; }

void arch_cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)subleaf;
	out[0] = leaf;
	out[1] = 0x11111111;
	out[2] = leaf == 1 ? (1u << 5) | 1u : 0x22222222; /* VMX bit set natively */
	out[3] = 0x33333333;
}

int arch_vm_init(struct hv_vm *vm)
{
	if (fake_fail_vm_init)
		return -1;
	fake_slpt_drop_vm(vm->id);
	return 0;
}
void arch_vm_fini(struct hv_vm *vm) { fake_slpt_drop_vm(vm->id); }
int arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	fake_slpt_set(vm->id, gpa, spa, flags);
	return 0;
}
int arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	for (uint64_t off = 0; off < HV_SLPT_2M; off += 4096)
		fake_slpt_set(vm->id, gpa + off, spa + off, flags);
	return 0;
}
/* Pages only here: nothing to split; fake_fail_split makes it fail. */
bool fake_fail_split;
unsigned fake_splits;
int arch_slpt_split(struct hv_vm *vm, uint64_t gpa)
{
	(void)vm, (void)gpa;
	fake_splits++;
	return fake_fail_split ? -1 : 0;
}
void arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa) { fake_slpt_clear(vm->id, gpa); }
void arch_slpt_flush(struct hv_vm *vm) { (void)vm; }

unsigned fake_windows;
void arch_vps_request_window(struct hv_vps *vps)
{
	(void)vps;
	fake_windows++;
}

unsigned fake_kicks[HV_MAX_PPS];
void (*fake_kick_hook)(uint16_t pp);
void arch_pp_kick(uint16_t pp)
{
	if (pp < HV_MAX_PPS)
		fake_kicks[pp]++;
	if (fake_kick_hook)
		fake_kick_hook(pp);
}

int arch_vps_init(struct hv_vps *vps)
{
	if (fake_fail_vps_init)
		return -1;
	for (int i = 0; i < 128; i++) {
		if (!regs_used[i]) {
			regs_used[i] = true;
			vps->arch = (struct arch_vps *)&regs_pool[i];
			memset(vps->arch, 0, sizeof(struct fake_vps_regs));
			return 0;
		}
	}
	return -1;
}
/* A slot is reused once its VPS is gone (long fuzz runs churn VPSs). */
void arch_vps_fini(struct hv_vps *vps)
{
	if (vps->arch)
		regs_used[(struct fake_vps_regs *)vps->arch - regs_pool] = false;
}

struct fake_vps_regs *fake_regs(struct hv_vps *vps) { return (struct fake_vps_regs *)vps->arch; }

uint64_t arch_vps_get_reg(struct hv_vps *vps, enum bf_reg_t reg) { return fake_regs(vps)->reg[reg]; }
/* The same words arch_vps_get_reg reads: RAX..R15 are consecutive there. */
uint64_t *arch_vps_gprs(struct hv_vps *vps, uint32_t use)
{
	(void)use;
	return &fake_regs(vps)->reg[bf_reg_t_rax];
}
int arch_vps_set_reg(struct hv_vps *vps, enum bf_reg_t reg, uint64_t val)
{
	if (reg <= bf_reg_t_unsupported || reg >= bf_reg_t_invalid || (int)reg == fake_refuse_reg)
		return -1;
	fake_regs(vps)->reg[reg] = val;
	return 0;
}

void arch_vps_run(struct hv_vps *vps, struct hv_exit *exit)
{
	(void)vps;
	memset(exit, 0, sizeof(*exit));
	exit->type = HV_EXIT_HOST_STOP;
}

void arch_vps_inject(struct hv_vps *vps, const struct hv_event *event)
{
	fake_held[vps->id] = *event;
	fake_held_valid[vps->id] = true;
}

unsigned fake_takes;
bool arch_vps_take_event(struct hv_vps *vps, struct hv_event *event)
{
	fake_takes++;
	if (!fake_held_valid[vps->id])
		return false;
	*event = fake_held[vps->id];
	fake_held_valid[vps->id] = false;
	return true;
}

void arch_console_write(const char *s, size_t len)
{
	if (fake_console_len + len < sizeof(fake_console)) {
		memcpy(fake_console + fake_console_len, s, len);
		fake_console_len += len;
		fake_console[fake_console_len] = 0;
	}
}

void *arch_spa_to_hva(uint64_t spa, size_t len)
{
	if (spa > FAKE_MEM_SIZE || len > FAKE_MEM_SIZE - spa)
		return NULL;
	return fake_mem + spa;
}

void (*fake_halt_hook)(void);

void arch_halt(void)
{
	fprintf(stderr, "arch_halt: %s\n", fake_console);
	if (fake_halt_hook)
		fake_halt_hook();
	abort();
}

struct hv_mem_range fake_mmio[2], fake_boot_mmio[2];
uint32_t fake_num_mmio, fake_boot_num_mmio;
struct hv_fw_range fake_fw[4];
uint32_t fake_num_fw;
uint16_t fake_num_pps = 1;
uint64_t fake_lapic_page;

uint64_t fake_boot_mmio_pages(void)
{
	uint64_t pages = 0;
	for (uint32_t i = 0; i < fake_boot_num_mmio; i++)
		pages += fake_boot_mmio[i].len / HV_PAGE_SIZE;
	return pages;
}

int fake_boot(const void *image, size_t len)
{
	static struct hv_boot_info bi;

	if (!fake_mem)
		fake_mem = calloc(1, FAKE_MEM_SIZE);
	memset(&bi, 0, sizeof(bi));
	bi.num_pps = fake_num_pps;
	bi.lapic = fake_lapic_page;
	bi.ioapic = fake_ioapic_page;
	bi.ram[0] = (struct hv_mem_range){ 0, FAKE_MEM_SIZE };
	bi.num_ram = 1;
	bi.reserved[0] = (struct hv_mem_range){ FAKE_MEM_SIZE - (8 << 20), 8 << 20 };
	bi.num_reserved = 1;
	bi.pool = bi.reserved[0];
	memcpy(fake_mem + (32 << 20), image, len);
	bi.modules[0] = (struct hv_module){ 32 << 20, len, "probe" };
	bi.num_modules = 1;
	bi.root_cmdline = "probe";
	bi.backend = "fake";
	for (uint32_t i = 0; i < fake_num_mmio; i++)
		bi.mmio[i] = fake_mmio[i];
	bi.num_mmio = fake_num_mmio;
	memcpy(bi.firmware, fake_fw, fake_num_fw * sizeof(*fake_fw));
	bi.num_firmware = fake_num_fw;
	memcpy(fake_boot_mmio, fake_mmio, sizeof(fake_mmio));
	fake_boot_num_mmio = fake_num_mmio;
	if (core_init(&bi))
		return -1;
	return core_pp_init(0);
}

size_t fake_image(uint8_t img[256], uint32_t load, uint32_t entry_off, uint32_t bss)
{
	uint32_t h[8] = { 0x1BADB002, (1u << 16) | 2, 0, load, load, 0, bss, load + entry_off };
	h[2] = 0u - h[0] - h[1];
	memset(img, 0x90, 256);
	memcpy(img, h, sizeof(h));
	return 256;
}

struct hv_vps *fake_boot_default(void)
{
	uint8_t img[256];
	size_t len = fake_image(img, 0x100000, 0x40, 0);
	if (fake_boot(img, len)) {
		fprintf(stderr, "boot failed: %s\n", fake_console);
		exit(1);
	}
	return pp_get(0)->root_vps;
}

uint64_t fake_hypercall(struct hv_vps *vps, uint64_t rax, uint64_t regs[6])
{
	struct fake_vps_regs *r = fake_regs(vps);
	struct hv_exit exit = { .type = HV_EXIT_HYPERCALL, .rip = r->reg[bf_reg_t_rip], .insn_len = 3 };

	r->reg[bf_reg_t_rax] = rax;
	for (int i = 0; i < 6; i++)
		r->reg[bf_reg_t_r10 + i] = regs[i];
	r->reg[bf_reg_t_efer] |= 1ull << 10;    /* LMA */
	r->reg[bf_reg_t_cs_attrib] |= 1u << 13; /* L */
	core_handle_exit(vps, &exit);
	for (int i = 0; i < 6; i++)
		regs[i] = r->reg[bf_reg_t_r10 + i];
	return r->reg[bf_reg_t_rax];
}

int arch_vps_get_msr(struct hv_vps *vps, uint32_t msr, uint64_t *val)
{
	(void)vps;
	*val = 0x1000 + msr;
	return 0;
}

int arch_vps_set_msr(struct hv_vps *vps, uint32_t msr, uint64_t val)
{
	(void)vps, (void)msr;
	return val == 0xBAD ? -1 : 0;
}

void arch_vps_get_fpu(struct hv_vps *vps, uint8_t fxsave[512])
{
	const uint32_t mxcsr_mask = 0xFFFF; /* as mvsim's and QEMU's processors */

	(void)vps;
	memset(fxsave, 0, 512);
	memcpy(fxsave + 28, &mxcsr_mask, 4);
}

int arch_vps_set_fpu(struct hv_vps *vps, const uint8_t fxsave[512])
{
	(void)vps, (void)fxsave;
	return 0;
}

void (*fake_tsc_hook)(void);

uint64_t fake_tsc, fake_tsc_auto;
uint64_t arch_tsc_now(void)
{
	uint64_t t = fake_tsc;
	fake_tsc += fake_tsc_auto;
	return t;
}

uint64_t arch_tsc_khz(void)
{
	if (fake_tsc_hook)
		fake_tsc_hook();
	return 2000000;
}

void fake_mdl1(uint64_t at, uint64_t gpa, uint64_t size)
{
	struct mv_mdl_t *m = (struct mv_mdl_t *)(fake_mem + at);

	memset(m, 0, sizeof(*m));
	m->num_entries = 1;
	m->entries[0].gpa = gpa;
	m->entries[0].size = size;
}
