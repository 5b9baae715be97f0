/*
 * Unit tests of guest memory (hv/mm.h, mm_*.c, mdl*.c, api_vm.c) on the fake
 * arch.  One process per test: `test_mm NAME`; CTest lists them all.
 *
 * The backend calls are wrapped (-Wl,--wrap): a shadow table records what
 * the core mapped in each VM's second-level tables, so every test can check
 * that the backend mirrors the core's map exactly, and arch_slpt_map can be
 * made to fail on purpose.  digest() condenses all memory state (pool free
 * count, every VM's tree slots and counters, the shadow tables): "a failed
 * hypercall changes nothing" is digest() before == digest() after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microv/mv.h>

#include <hv/api.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/pp.h>
#include <hv/vm.h>
#include <hv/vp.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "mdl.h"
#include "mm_int.h"
#include "test_main.h"

/* ---- shadow of the backend's second-level tables ----------------------- */

#define SH_SIZE (1u << 16)
static struct sh_ent {
	uint64_t key; /* (vmid << 40 | gfn) + 1, 0 = empty */
	uint64_t spa, flags;
} sh[SH_SIZE];
static uint64_t sh_count[HV_MAX_VMS];
static long fail_map_in = -1; /* arch_slpt_map fails when this reaches 0 */

static uint32_t sh_hash(uint64_t key)
{
	key *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(key >> 48);
}

static struct sh_ent *sh_find(uint64_t key, bool insert)
{
	for (uint32_t i = sh_hash(key);; i = (i + 1) % SH_SIZE) {
		if (sh[i].key == key)
			return &sh[i];
		if (sh[i].key == 0) {
			if (!insert)
				return NULL;
			sh[i].key = key;
			return &sh[i];
		}
	}
}

static void sh_remove(uint64_t key)
{
	struct sh_ent *e = sh_find(key, false);
	if (!e)
		return;
	uint32_t i = (uint32_t)(e - sh);
	sh[i].key = 0;
	/* backward-shift deletion keeps linear probing correct */
	for (uint32_t j = (i + 1) % SH_SIZE; sh[j].key; j = (j + 1) % SH_SIZE) {
		uint32_t h = sh_hash(sh[j].key);
		bool between = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!between) {
			sh[i] = sh[j];
			sh[j].key = 0;
			i = j;
		}
	}
}

static uint64_t sh_key(uint16_t vmid, uint64_t gpa)
{
	return ((uint64_t)vmid << 40 | gpa >> 12) + 1;
}

int __real_arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
void __real_arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa);
void __real_arch_vm_fini(struct hv_vm *vm);
int __wrap_arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
void __wrap_arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa);
void __wrap_arch_vm_fini(struct hv_vm *vm);

int __wrap_arch_slpt_map(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	if (fail_map_in >= 0 && fail_map_in-- == 0)
		return -1;
	struct sh_ent *e = sh_find(sh_key(vm->id, gpa), false);
	if (!e) {
		e = sh_find(sh_key(vm->id, gpa), true);
		sh_count[vm->id]++;
	}
	e->spa = spa;
	e->flags = flags;
	return __real_arch_slpt_map(vm, gpa, spa, flags);
}

/* A 2 MiB leaf is its 512 pages in the shadow (how the backend resolves
 * them); a split changes no translation, so not the shadow either. */
int __real_arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
int __wrap_arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags);
int __wrap_arch_slpt_map_2m(struct hv_vm *vm, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	for (uint64_t off = 0; off < HV_SLPT_2M; off += HV_PAGE_SIZE) {
		struct sh_ent *e = sh_find(sh_key(vm->id, gpa + off), true);
		sh_count[vm->id]++;
		e->spa = spa + off;
		e->flags = flags;
	}
	return __real_arch_slpt_map_2m(vm, gpa, spa, flags);
}

void __wrap_arch_slpt_unmap(struct hv_vm *vm, uint64_t gpa)
{
	if (sh_find(sh_key(vm->id, gpa), false)) {
		sh_remove(sh_key(vm->id, gpa));
		sh_count[vm->id]--;
	}
	__real_arch_slpt_unmap(vm, gpa);
}

void __wrap_arch_vm_fini(struct hv_vm *vm)
{
	for (uint32_t i = 0; i < SH_SIZE;) {
		if (sh[i].key && ((sh[i].key - 1) >> 40) == vm->id) {
			sh_remove(sh[i].key); /* may shift another entry into i */
			sh_count[vm->id]--;
		} else {
			i++;
		}
	}
	__real_arch_vm_fini(vm);
}

/* The shadow mapping of gpa in vm: true with spa/flags. */
static bool sh_get(uint16_t vmid, uint64_t gpa, uint64_t *spa, uint64_t *flags)
{
	struct sh_ent *e = sh_find(sh_key(vmid, gpa), false);
	if (!e)
		return false;
	*spa = e->spa;
	*flags = e->flags;
	return true;
}

/* ---- state checks ------------------------------------------------------ */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t digest(void)
{
	uint64_t h = page_free_count(), shx = 0;

	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		h = mix(h, vm ? vm->state : 0);
		if (!vm)
			continue;
		struct mm_vm *m = mm_vm_of(vm);
		h = mix(h, m->pages);
		h = mix(h, m->shares_out);
		h = mix(h, m->shares_strict);
		h = mix(h, sh_count[id]);
		for (uint64_t g = 0; mm_tree_next(&m->tree, g, &g); g++) {
			struct mm_slot *s = mm_tree_find(&m->tree, g);
			h = mix(mix(mix(h, g), s->w0), s->w1);
		}
	}
	for (uint32_t i = 0; i < SH_SIZE; i++)
		if (sh[i].key)
			shx += mix(mix(sh[i].key, sh[i].spa), sh[i].flags);
	return mix(h, shx);
}

/* The backend's tables are exactly the core's present mappings. */
static void check_mirror(void)
{
	for (uint16_t id = 0; id < HV_MAX_VMS; id++) {
		struct hv_vm *vm = vm_get(id);
		if (!vm) {
			EXPECT_EQ(sh_count[id], 0);
			continue;
		}
		EXPECT_EQ(sh_count[id], mm_page_count(vm));
	}
	for (uint32_t i = 0; i < SH_SIZE; i++) {
		if (!sh[i].key)
			continue;
		uint16_t id = (uint16_t)((sh[i].key - 1) >> 40);
		uint64_t gpa = ((sh[i].key - 1) & ((1ull << 40) - 1)) << 12, spa, flags;
		struct hv_vm *vm = vm_get(id);
		EXPECT_TRUE(vm != NULL);
		if (!vm)
			continue;
		EXPECT_EQ(mm_lookup(vm, gpa, &spa, &flags), 0);
		EXPECT_EQ(spa, sh[i].spa);
		EXPECT_EQ(flags, sh[i].flags);
	}
}

/* ---- machine and hypercalls -------------------------------------------- */

static struct hv_vps *root_vps;
static uint64_t handle;

static uint64_t hc6(struct hv_vps *vps, uint64_t rax, uint64_t r0, uint64_t r1, uint64_t r2,
		    uint64_t r3, uint64_t r4, uint64_t r5, uint64_t *out0)
{
	uint64_t regs[6] = { r0, r1, r2, r3, r4, r5 };
	uint64_t st = fake_hypercall(vps, rax, regs);
	if (out0)
		*out0 = regs[0];
	if (st != MV_STATUS_SUCCESS) { /* a failed call changes no register */
		EXPECT_EQ(regs[1], r1);
		EXPECT_EQ(regs[5], r5);
	}
	return st;
}

static void boot(void)
{
	root_vps = fake_boot_default();
	EXPECT_EQ(hc6(root_vps, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, MV_SPEC_ID1_VAL,
		      0, 0, 0, 0, 0, &handle),
		  MV_STATUS_SUCCESS);
}

static uint16_t create_vm(void)
{
	uint64_t id = 0xFFFF;
	EXPECT_EQ(hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_CREATE_VM_IDX_VAL, handle, 0, 0, 0, 0, 0, &id),
		  MV_STATUS_SUCCESS);
	return (uint16_t)id;
}

static uint64_t destroy_vm(uint64_t vmid)
{
	return hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL, handle, vmid, 0, 0, 0, 0,
		   NULL);
}

static uint64_t map(uint64_t src, uint64_t smdl, uint64_t dst, uint64_t dmdl, uint64_t flags)
{
	return hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, handle, src, smdl, dst, dmdl,
		   flags, NULL);
}

static uint64_t unmap(uint64_t src, uint64_t smdl, uint64_t dst, uint64_t dmdl)
{
	return hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_UNMAP_MDL_IDX_VAL, handle, src, smdl, dst, dmdl,
		   0xA5, NULL);
}

static uint64_t set_flags(uint64_t src, uint64_t smdl, uint64_t dst, uint64_t dmdl, uint64_t flags)
{
	return hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, handle, src, smdl,
		   dst, dmdl, flags, NULL);
}

/* Root memory used by the tests (the root owns 0..56 MiB; the image sits at
 * 1 MiB, the multiboot data below 64 KiB). */
#define MDL_A 0x400000ull  /* MDL pages: A, B, C, D ... 4 KiB apart */
#define MDL_B 0x401000ull
#define MDL_C 0x402000ull
#define MDL_D 0x403000ull
#define SRC 0x1000000ull   /* 16 MiB: source pages */
#define GDST 0x80000000ull /* guest GPAs */
#define HV_MEM (FAKE_MEM_SIZE - (8 << 20))

static struct mv_mdl_t *mdl_at(uint64_t gpa)
{
	return (struct mv_mdl_t *)(fake_mem + gpa);
}

/* Write an MDL page: n (gpa, size) pairs, flags 0. */
static void mdl_set(uint64_t at, uint64_t next, uint64_t n, const uint64_t *gs)
{
	struct mv_mdl_t *m = mdl_at(at);
	memset(m, 0, sizeof(*m));
	m->num_entries = n;
	m->next = next;
	for (uint64_t i = 0; i < n; i++) {
		m->entries[i].gpa = gs[2 * i];
		m->entries[i].size = gs[2 * i + 1];
	}
}

static void mdl1(uint64_t at, uint64_t gpa, uint64_t size)
{
	uint64_t gs[2] = { gpa, size };
	mdl_set(at, 0, 1, gs);
}

static bool mapped(uint16_t vmid, uint64_t gpa, uint64_t *spa, uint64_t *flags)
{
	uint64_t s, f;
	bool in_mm = mm_lookup(vm_get(vmid), gpa, &s, &f) == 0;
	bool in_sh = sh_get(vmid, gpa, spa, flags);
	EXPECT_EQ(in_mm, in_sh);
	if (in_mm && in_sh) {
		EXPECT_EQ(s, *spa);
		EXPECT_EQ(f, *flags);
	}
	return in_mm;
}

#define RWX (MV_GPA_FLAG_READ_ACCESS | MV_GPA_FLAG_WRITE_ACCESS | MV_GPA_FLAG_EXECUTE_ACCESS)
#define R_ MV_GPA_FLAG_READ_ACCESS
#define W_ MV_GPA_FLAG_WRITE_ACCESS
#define X_ MV_GPA_FLAG_EXECUTE_ACCESS
#define WB MV_GPA_FLAG_WRITE_BACK

/* ---- tests ----------------------------------------------------------------- */

static void test_root_map(void)
{
	uint64_t spa, flags, free0;
	uint8_t buf[16] = "0123456789abcde";

	boot();
	free0 = page_free_count();
	struct hv_vm *root = vm_get(0);
	EXPECT_EQ(mm_page_count(root), (56ull << 20) / 4096);
	EXPECT_EQ(fake_slpt_pages[0], (56ull << 20) / 4096);
	EXPECT_EQ(mm_tree_pages(&mm_vm_of(root)->tree), 0); /* implicit: no pool page */
	EXPECT_EQ(mm_translate(root, 0x123456, RWX, &spa), 0);
	EXPECT_EQ(spa, 0x123456);
	EXPECT_EQ(mm_lookup(root, 0x5000, &spa, &flags), 0);
	EXPECT_EQ(flags, RWX | WB);
	EXPECT_EQ(mm_translate(root, HV_MEM, R_, &spa), -1);           /* hypervisor memory */
	EXPECT_EQ(mm_translate(root, FAKE_MEM_SIZE, R_, &spa), -1);    /* beyond RAM */
	EXPECT_EQ(mm_translate(root, MM_GPA_LIMIT + 0x1000, R_, &spa), -1);
	/* read/write, across a page boundary; nothing copied when part is unmapped */
	EXPECT_EQ(mm_write(root, 0x2FF8, buf, 16), 0);
	EXPECT_EQ(memcmp(fake_mem + 0x2FF8, buf, 16), 0);
	uint8_t back[16] = { 0 };
	EXPECT_EQ(mm_read(root, 0x2FF8, back, 16), 0);
	EXPECT_EQ(memcmp(back, buf, 16), 0);
	memset(fake_mem + HV_MEM - 8, 0x77, 8);
	EXPECT_EQ(mm_write(root, HV_MEM - 8, buf, 16), -1);
	EXPECT_EQ(fake_mem[HV_MEM - 8], 0x77);
	memset(back, 0, sizeof(back));
	EXPECT_EQ(mm_read(root, HV_MEM - 8, back, 16), -1);
	EXPECT_EQ(back[0], 0);
	EXPECT_EQ(mm_read(root, UINT64_MAX - 4, back, 16), -1);
	EXPECT_EQ(page_free_count(), free0);
	check_mirror();
}

static void test_share_roundtrip(void)
{
	uint64_t spa, flags;

	boot();
	uint64_t d0 = digest();
	uint16_t vm = create_vm();
	uint64_t d1 = digest();
	uint64_t sgs[4] = { SRC, 0x2000, SRC + 0x10000, 0x1000 };
	uint64_t dgs[2] = { GDST, 0x3000 };
	mdl_set(MDL_A, 0, 2, sgs);
	mdl_set(MDL_B, 0, 1, dgs);
	memcpy(fake_mem + SRC + 0x10000, "shared!", 8);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, W_), MV_STATUS_SUCCESS);
	EXPECT_EQ(mm_page_count(vm_get(vm)), 3);
	EXPECT_TRUE(mapped(vm, GDST + 0x2000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x10000);
	EXPECT_EQ(flags, R_ | W_ | WB);
	EXPECT_TRUE(mapped(0, SRC + 0x10000, &spa, &flags)); /* the root keeps it, RWX WB */
	EXPECT_EQ(flags, RWX | WB);
	char s[8];
	EXPECT_EQ(mm_read(vm_get(vm), GDST + 0x2000, s, 8), 0);
	EXPECT_EQ(strcmp(s, "shared!"), 0);
	EXPECT_EQ(mm_get(vm_get(0), (SRC + 0x1000) >> 12).shares, 1);
	EXPECT_EQ(mm_vm_of(vm_get(0))->shares_out, 3);
	EXPECT_EQ(mm_vm_of(vm_get(0))->shares_strict, 3);
	check_mirror();
	/* a page that is shared out cannot be donated (to anyone) */
	uint64_t dgs3[2] = { GDST + 0x200000, 0x3000 };
	mdl_set(MDL_D, 0, 1, dgs3);
	uint64_t dd = digest();
	EXPECT_EQ(map(0, MDL_A, vm, MDL_D, MV_GPA_FLAG_DONATE), MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(digest(), dd);
	/* the same pages can be shared again, elsewhere */
	uint64_t dgs2[2] = { GDST + 0x100000, 0x3000 };
	mdl_set(MDL_C, 0, 1, dgs2);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_C, MV_GPA_FLAG_UNCACHEABLE), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm, GDST + 0x100000, &spa, &flags));
	EXPECT_EQ(flags, R_ | MV_GPA_FLAG_UNCACHEABLE);
	EXPECT_EQ(mm_get(vm_get(0), SRC >> 12).shares, 2);
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_C), MV_STATUS_SUCCESS);
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_SUCCESS);
	EXPECT_EQ(mm_page_count(vm_get(vm)), 0);
	EXPECT_TRUE(!mapped(vm, GDST, &spa, &flags));
	EXPECT_EQ(digest(), d1);
	/* unmapping twice: nothing is mapped there any more */
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_INVALID_PARAMS4);
	EXPECT_EQ(destroy_vm(vm), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

static void test_donate_roundtrip(void)
{
	uint64_t spa, flags;

	boot();
	uint64_t d0 = digest();
	uint16_t vm = create_vm();
	uint64_t d1 = digest();
	mdl1(MDL_A, SRC, 0x2000);
	mdl1(MDL_B, GDST, 0x2000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_TRUE(!mapped(0, SRC, &spa, &flags)); /* gone from the root */
	EXPECT_TRUE(!mapped(0, SRC + 0x1000, &spa, &flags));
	EXPECT_EQ(mm_page_count(vm_get(0)), (56ull << 20) / 4096 - 2);
	EXPECT_TRUE(mapped(vm, GDST + 0x1000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x1000);
	EXPECT_EQ(flags, R_ | WB); /* read-only WB unless asked */
	EXPECT_EQ(mm_get(vm_get(vm), GDST >> 12).kind, MM_DONATED);
	EXPECT_EQ(mm_get(vm_get(0), SRC >> 12).kind, MM_LENT);
	/* guest memory access through the core */
	EXPECT_EQ(mm_write(vm_get(vm), GDST + 8, "x", 1), -1); /* read-only */
	check_mirror();
	/* the root cannot donate or share what it lent, nor use it as an MDL */
	mdl1(MDL_C, GDST + 0x10000, 0x1000);
	mdl1(MDL_D, SRC, 0x1000);
	EXPECT_EQ(map(0, MDL_D, vm, MDL_C, 0), MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(map(0, SRC, vm, MDL_C, 0), MV_STATUS_INVALID_PARAMS2);
	/* set flags on a donated page */
	EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, W_ | X_ | MV_GPA_FLAG_WRITE_THROUGH),
		  MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm, GDST, &spa, &flags));
	EXPECT_EQ(flags, RWX | MV_GPA_FLAG_WRITE_THROUGH);
	EXPECT_EQ(mm_write(vm_get(vm), GDST + 0xFFC, "abcdefgh", 8), 0);
	EXPECT_EQ(memcmp(fake_mem + SRC + 0xFFC, "abcdefgh", 8), 0);
	check_mirror();
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(0, SRC + 0x1000, &spa, &flags));
	EXPECT_EQ(flags, RWX | WB);
	EXPECT_EQ(spa, SRC + 0x1000);
	EXPECT_EQ(digest(), d1);
	/* donate with W+X and a cache flag, then destroy: the pages come back */
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | W_ | X_ | MV_GPA_FLAG_UNCACHEABLE_MINUS),
		  MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm, GDST, &spa, &flags));
	EXPECT_EQ(flags, RWX | MV_GPA_FLAG_UNCACHEABLE_MINUS);
	EXPECT_EQ(destroy_vm(vm), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(0, SRC, &spa, &flags));
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

static void test_chain(void)
{
	uint64_t spa, flags;

	boot();
	uint16_t vm = create_vm();
	uint64_t d1 = digest();
	/* src: 3 chained pages of 169 one-page entries (507 pages, every other
	 * page); dst: one entry */
	static uint64_t gs[2 * 169];
	for (int p = 0; p < 3; p++) {
		for (int i = 0; i < 169; i++) {
			gs[2 * i] = SRC + ((uint64_t)(p * 169 + i) * 2) * 0x1000;
			gs[2 * i + 1] = 0x1000;
		}
		mdl_set(MDL_A + (uint64_t)p * 0x1000, p < 2 ? MDL_A + (uint64_t)(p + 1) * 0x1000 : 0,
			169, gs);
	}
	mdl1(MDL_D, GDST, 507 * 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_D, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_EQ(mm_page_count(vm_get(vm)), 507);
	EXPECT_TRUE(mapped(vm, GDST + 506 * 0x1000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 1012 * 0x1000);
	EXPECT_TRUE(mapped(0, SRC + 0x1000, &spa, &flags)); /* odd pages stay */
	check_mirror();
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_D), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d1);
}

/* Every failing call below must leave the digest unchanged. */
#define EXPECT_FAIL(call, status)                                              \
	do {                                                                   \
		uint64_t _d = digest();                                        \
		EXPECT_EQ(call, status);                                       \
		EXPECT_EQ(digest(), _d);                                       \
	} while (0)

static void test_map_params(void)
{
	boot();
	uint16_t vm = create_vm(), vm2 = create_vm();
	mdl1(MDL_A, SRC, 0x2000);
	mdl1(MDL_B, GDST, 0x2000);

	/* REG1 */
	EXPECT_FAIL(map(1ull << 16, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(map(9, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(map(0xFFFF, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS1);
	/* REG2: the register */
	EXPECT_FAIL(map(0, MDL_A + 8, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(map(0, HV_MEM, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);        /* not the root's */
	EXPECT_FAIL(map(0, FAKE_MEM_SIZE + 0x1000, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(map(0, 1ull << 52, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	/* REG2: the contents */
	struct mv_mdl_t *a = mdl_at(MDL_A);
	a->num_entries = 0;
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	a->num_entries = 170;
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	a->num_entries = 1;
	for (int i = 0; i < 3; i++) {
		a->revz[i] = 1;
		EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
		a->revz[i] = 0;
	}
	const uint64_t bad_entries[][3] = {
		{ SRC + 0x800, 0x2000, 0 },          /* gpa not aligned */
		{ SRC, 0x1800, 0 },                  /* size not aligned */
		{ SRC, 0, 0 },                       /* empty */
		{ SRC, 0x2000, R_ },                 /* entry flags are REVZ here */
		{ SRC, 0x2000, MV_GPA_FLAG_DONATE },
		{ 0xFFFFFFFFFFFFF000ull, 0x2000, 0 },/* wraps */
		{ MM_GPA_LIMIT - 0x1000, 0x2000, 0 },/* crosses the GPA limit */
		{ MM_GPA_LIMIT, 0x2000, 0 },
	};
	for (size_t i = 0; i < HV_ARRAY_SIZE(bad_entries); i++) {
		a->entries[0].gpa = bad_entries[i][0];
		a->entries[0].size = bad_entries[i][1];
		a->entries[0].flags = bad_entries[i][2];
		EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	}
	mdl1(MDL_A, SRC, 0x2000);
	a->next = MDL_C + 0x10; /* next not aligned */
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	a->next = HV_MEM; /* next not the root's */
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	a->next = MDL_A; /* a loop */
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	uint64_t one[2] = { SRC, 0x1000 };
	mdl_set(MDL_A, MDL_C, 1, one); /* A -> C -> A: a longer loop */
	one[0] = SRC + 0x1000;
	mdl_set(MDL_C, MDL_A, 1, one);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	/* a chain of MDL_MAX_PAGES pages is fine, one more is not */
	for (uint64_t p = 0; p <= MDL_MAX_PAGES; p++) {
		uint64_t g[2] = { SRC + p * 0x1000, 0x1000 };
		mdl_set(0x500000 + p * 0x1000, p + 1 <= MDL_MAX_PAGES ? 0x500000 + (p + 1) * 0x1000 : 0, 1,
			g);
	}
	mdl1(MDL_D, GDST, (MDL_MAX_PAGES + 1) * 0x1000);
	EXPECT_FAIL(map(0, 0x500000, vm, MDL_D, 0), MV_STATUS_INVALID_PARAMS2);
	mdl1(MDL_D, GDST, MDL_MAX_PAGES * 0x1000);
	mdl_at(0x500000 + (MDL_MAX_PAGES - 1) * 0x1000)->next = 0;
	uint64_t dd = digest();
	EXPECT_EQ(map(0, 0x500000, vm, MDL_D, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(unmap(0, 0x500000, vm, MDL_D), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), dd);
	/* overlap within the source list */
	uint64_t ov[4] = { SRC, 0x2000, SRC + 0x1000, 0x1000 };
	mdl_set(MDL_A, 0, 2, ov);
	mdl1(MDL_B, GDST, 0x3000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_INVALID_PARAMS2);
	/* source pages the source does not own */
	mdl1(MDL_A, HV_MEM, 0x1000);
	mdl1(MDL_B, GDST, 0x1000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	mdl1(MDL_A, 0x3FFF000, 0x2000); /* last root page + hypervisor page */
	mdl1(MDL_B, GDST, 0x2000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	mdl1(MDL_A, SRC, 0x1000);
	mdl1(MDL_B, GDST, 0x1000);
	EXPECT_FAIL(map(vm2, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2); /* vm2 has nothing */

	/* REG3 */
	mdl1(MDL_A, SRC, 0x2000);
	mdl1(MDL_B, GDST, 0x2000);
	EXPECT_FAIL(map(0, MDL_A, vm | 1ull << 16, MDL_B, 0), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(map(0, MDL_A, 9, MDL_B, 0), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(map(0, MDL_A, 0, MDL_B, 0), MV_STATUS_INVALID_PARAMS3); /* src == dst */
	/* REG4 */
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B | 0x800, 0), MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(map(0, MDL_A, vm, HV_MEM, 0), MV_STATUS_INVALID_PARAMS4);
	mdl1(MDL_B, GDST, 0x1000); /* sizes differ */
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	mdl1(MDL_B, GDST, 0x3000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	uint64_t dov[4] = { GDST, 0x1000, GDST, 0x1000 }; /* one dst page twice */
	mdl_set(MDL_B, 0, 2, dov);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	mdl1(MDL_B, MM_GPA_LIMIT - 0x1000, 0x2000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	mdl_at(MDL_B)->entries[0].gpa = GDST;
	mdl_at(MDL_B)->entries[0].flags = W_;
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	/* dst already mapped (the second page) */
	mdl1(MDL_C, SRC + 0x10000, 0x1000);
	mdl1(MDL_D, GDST + 0x1000, 0x1000);
	EXPECT_EQ(map(0, MDL_C, vm, MDL_D, 0), MV_STATUS_SUCCESS);
	mdl1(MDL_B, GDST, 0x2000);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_INVALID_PARAMS4);
	/* a root dst GPA that is the root's RAM */
	mdl1(MDL_B, GDST, 0x2000);
	mdl1(MDL_C, 0x600000, 0x2000);
	/* REG5 */
	const uint64_t bad_flags[] = {
		1ull << 5, 1ull << 6, 1ull << 7, 1ull << 15, 1ull << 63,
		MV_GPA_FLAG_WRITE_BACK | MV_GPA_FLAG_UNCACHEABLE,
		MV_GPA_FLAG_WRITE_THROUGH | MV_GPA_FLAG_WRITE_PROTECTED,
		MV_GPA_FLAG_DONATE | MV_GPA_FLAG_ZOMBIE,
	};
	for (size_t i = 0; i < HV_ARRAY_SIZE(bad_flags); i++)
		EXPECT_FAIL(map(0, MDL_A, vm, MDL_B, bad_flags[i]), MV_STATUS_INVALID_PARAMS5);
	/* register order: REG1 is reported before REG5 */
	EXPECT_FAIL(map(9, MDL_A + 1, vm, MDL_B, 1ull << 63), MV_STATUS_INVALID_PARAMS1);
	/* the root's own RAM is not a free dst GPA in the root */
	mdl1(MDL_B, GDST + 0x10000, 0x2000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
	EXPECT_FAIL(map(vm, MDL_B, 0, MDL_C, 0), MV_STATUS_INVALID_PARAMS4);
	check_mirror();
}

static void test_perm(void)
{
	boot();
	uint16_t vm = create_vm();
	struct hv_vp *vp = vp_alloc(vm, NULL);
	struct hv_vps *gvps = vp ? vps_alloc(vp->id, NULL) : NULL;
	EXPECT_TRUE(gvps != NULL);
	if (!gvps)
		return;
	/* called from the guest (the api level: the handle check is hypercall.c's) */
	struct hv_caller c = { .vm = vm_get(vm), .vp = vp, .vps = gvps };
	mdl1(MDL_A, SRC, 0x1000);
	mdl1(MDL_B, GDST, 0x1000);
	EXPECT_FAIL(api_vm_map_mdl(&c, 0, MDL_A, vm, MDL_B, 0).status, MV_STATUS_INVALID_PERM_EXT);
	EXPECT_FAIL(api_vm_unmap_mdl(&c, 0, MDL_A, vm, MDL_B).status, MV_STATUS_INVALID_PERM_EXT);
	EXPECT_FAIL(api_vm_set_gpa_flags_mdl(&c, 0, MDL_A, vm, MDL_B, 0).status,
		    MV_STATUS_INVALID_PERM_EXT);
	/* a wrong handle is reported before anything else */
	EXPECT_FAIL(hc6(root_vps, MV_VM_OP_VAL | MV_VM_OP_MAP_MDL_IDX_VAL, handle + 1, 0, MDL_A, vm,
			MDL_B, 0, NULL),
		    MV_STATUS_FAILURE_INVALID_HANDLE);
}

static void test_unmap_params(void)
{
	boot();
	uint16_t vm = create_vm(), vm2 = create_vm();
	uint64_t sgs[4] = { SRC, 0x1000, SRC + 0x5000, 0x1000 };
	mdl_set(MDL_A, 0, 2, sgs);
	mdl1(MDL_B, GDST, 0x2000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_SUCCESS);

	EXPECT_FAIL(unmap(0, MDL_A, vm2, MDL_B), MV_STATUS_INVALID_PARAMS4); /* not in vm2 */
	EXPECT_FAIL(unmap(vm2, MDL_A, vm, MDL_B), MV_STATUS_INVALID_PARAMS4); /* not from vm2 */
	mdl1(MDL_C, GDST, 0x1000);
	EXPECT_FAIL(unmap(0, MDL_A, vm, MDL_C), MV_STATUS_INVALID_PARAMS4); /* sizes */
	mdl1(MDL_C, SRC, 0x2000);                                            /* wrong 2nd src page */
	EXPECT_FAIL(unmap(0, MDL_C, vm, MDL_B), MV_STATUS_INVALID_PARAMS2);
	uint64_t swapped[4] = { SRC + 0x5000, 0x1000, SRC, 0x1000 };
	mdl_set(MDL_C, 0, 2, swapped);
	EXPECT_FAIL(unmap(0, MDL_C, vm, MDL_B), MV_STATUS_INVALID_PARAMS2);
	uint64_t holes[4] = { GDST, 0x1000, GDST + 0x2000, 0x1000 }; /* 2nd not mapped */
	mdl_set(MDL_D, 0, 2, holes);
	EXPECT_FAIL(unmap(0, MDL_A, vm, MDL_D), MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(unmap(0, MDL_A, 0, MDL_B), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(unmap(1ull << 20, MDL_A, vm, MDL_B), MV_STATUS_INVALID_PARAMS1);
	/* set_gpa_flags: same matching; DONATE and ZOMBIE are not flags to set */
	EXPECT_FAIL(set_flags(0, MDL_A, vm2, MDL_B, 0), MV_STATUS_INVALID_PARAMS4);
	EXPECT_FAIL(set_flags(0, MDL_C, vm, MDL_B, 0), MV_STATUS_INVALID_PARAMS2);
	EXPECT_FAIL(set_flags(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_INVALID_PARAMS5);
	EXPECT_FAIL(set_flags(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_ZOMBIE), MV_STATUS_INVALID_PARAMS5);
	EXPECT_FAIL(set_flags(0, MDL_A, vm, MDL_B, 1ull << 40), MV_STATUS_INVALID_PARAMS5);
	EXPECT_FAIL(set_flags(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_WRITE_BACK | MV_GPA_FLAG_WRITE_THROUGH),
		    MV_STATUS_INVALID_PARAMS5);
	uint64_t spa, flags;
	EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, X_), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm, GDST + 0x1000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x5000);
	EXPECT_EQ(flags, R_ | X_ | WB);
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_SUCCESS);
	check_mirror();
}

/* Root donates to vm1; vm1 shares on to vm2. */
static void test_guest_to_guest(void)
{
	uint64_t spa, flags;

	boot();
	uint64_t d0 = digest();
	uint16_t vm1 = create_vm(), vm2 = create_vm();
	mdl1(MDL_A, SRC, 0x2000);
	mdl1(MDL_B, GDST, 0x2000);
	mdl1(MDL_C, 0x10000000, 0x2000);
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
	EXPECT_EQ(map(vm1, MDL_B, vm2, MDL_C, W_), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm2, 0x10001000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x1000);
	EXPECT_EQ(flags, R_ | W_ | WB);
	/* vm2 cannot pass on what it borrowed, nor donate it */
	mdl1(MDL_D, 0x20000000, 0x2000);
	EXPECT_FAIL(map(vm2, MDL_C, vm1, MDL_D, 0), MV_STATUS_INVALID_PARAMS2);
	/* vm1 cannot donate what the root donated to it */
	EXPECT_FAIL(map(vm1, MDL_B, vm2, MDL_D, MV_GPA_FLAG_DONATE), MV_STATUS_INVALID_PARAMS2);
	/* the root cannot take the pages back while vm1 shares them */
	EXPECT_FAIL(unmap(0, MDL_A, vm1, MDL_B), MV_STATUS_INVALID_PARAMS4);
	/* ... nor destroy vm1 (shared with a guest without ZOMBIE) */
	EXPECT_FAIL(destroy_vm(vm1), MV_STATUS_INVALID_PERM_DENIED);
	check_mirror();
	EXPECT_EQ(unmap(vm1, MDL_B, vm2, MDL_C), MV_STATUS_SUCCESS);
	EXPECT_EQ(unmap(0, MDL_A, vm1, MDL_B), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm2), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d0);
	/* destroying the borrower first releases the lender */
	vm1 = create_vm();
	vm2 = create_vm();
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_EQ(map(vm1, MDL_B, vm2, MDL_C, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm2), MV_STATUS_SUCCESS);
	EXPECT_EQ(mm_vm_of(vm_get(vm1))->shares_out, 0);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

static void test_zombie(void)
{
	uint64_t spa, flags;

	boot();
	uint64_t d0 = digest();
	uint16_t vm1 = create_vm(), vm2 = create_vm();
	uint64_t sgs[4] = { SRC, 0x2000, SRC + 0x8000, 0x1000 };
	mdl_set(MDL_A, 0, 2, sgs);
	mdl1(MDL_B, GDST, 0x3000);
	mdl1(MDL_C, 0x10000000, 0x1000);
	mdl1(MDL_D, GDST + 0x1000, 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
	/* vm1 shares its 2nd page with vm2, ZOMBIE */
	EXPECT_EQ(map(vm1, MDL_D, vm2, MDL_C, MV_GPA_FLAG_ZOMBIE | W_), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	struct hv_vm *z = vm_get(vm1);
	EXPECT_TRUE(z != NULL && z->state == HV_VM_ZOMBIE);
	/* it kept only the borrowed page; the others went back to the root */
	EXPECT_EQ(mm_page_count(z), 1);
	EXPECT_TRUE(mapped(0, SRC, &spa, &flags));
	EXPECT_TRUE(mapped(0, SRC + 0x8000, &spa, &flags));
	EXPECT_TRUE(!mapped(0, SRC + 0x1000, &spa, &flags));
	EXPECT_TRUE(mapped(vm2, 0x10000000, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x1000);
	check_mirror();
	/* not usable, VMID not reused */
	EXPECT_FAIL(destroy_vm(vm1), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(map(vm1, MDL_D, vm2, MDL_B, 0), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(map(0, MDL_A, vm1, MDL_B, 0), MV_STATUS_INVALID_PARAMS3);
	uint16_t vm3 = create_vm();
	EXPECT_TRUE(vm3 != vm1);
	/* flags of a zombie's share can still change; unmapping frees it */
	EXPECT_EQ(set_flags(vm1, MDL_D, vm2, MDL_C, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(unmap(vm1, MDL_D, vm2, MDL_C), MV_STATUS_SUCCESS);
	EXPECT_TRUE(vm_get(vm1) == NULL);
	EXPECT_TRUE(mapped(0, SRC + 0x1000, &spa, &flags));
	EXPECT_EQ(destroy_vm(vm3), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm2), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d0);

	/* shared with the root (no ZOMBIE flag needed): zombie until the root unmaps */
	vm1 = create_vm();
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	mdl1(MDL_C, 0x100000000ull, 0x1000); /* above the root's RAM */
	EXPECT_EQ(map(vm1, MDL_D, 0, MDL_C, 0), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(0, 0x100000000ull, &spa, &flags));
	EXPECT_EQ(spa, SRC + 0x1000);
	EXPECT_EQ(mm_vm_of(vm_get(vm1))->shares_strict, 0);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	EXPECT_EQ(vm_get(vm1)->state, HV_VM_ZOMBIE);
	check_mirror();
	EXPECT_EQ(unmap(vm1, MDL_D, 0, MDL_C), MV_STATUS_SUCCESS);
	EXPECT_TRUE(vm_get(vm1) == NULL);
	EXPECT_EQ(digest(), d0);

	/* a zombie is freed when its borrower is destroyed */
	vm1 = create_vm();
	vm2 = create_vm();
	mdl1(MDL_C, 0x10000000, 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_EQ(map(vm1, MDL_D, vm2, MDL_C, MV_GPA_FLAG_ZOMBIE), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm2), MV_STATUS_SUCCESS);
	EXPECT_TRUE(vm_get(vm1) == NULL && vm_get(vm2) == NULL);
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

static void test_destroy_refused(void)
{
	boot();
	uint16_t vm1 = create_vm(), vm2 = create_vm();
	mdl1(MDL_A, SRC, 0x1000);
	mdl1(MDL_B, GDST, 0x1000);
	mdl1(MDL_C, GDST, 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	/* one ZOMBIE share and one plain share: the plain one forbids it */
	mdl1(MDL_D, 0x10000000, 0x1000);
	EXPECT_EQ(map(vm1, MDL_B, vm2, MDL_D, MV_GPA_FLAG_ZOMBIE), MV_STATUS_SUCCESS);
	uint64_t dd = 0x20000000;
	mdl1(0x404000, dd, 0x1000);
	EXPECT_EQ(map(vm1, MDL_B, vm2, 0x404000, 0), MV_STATUS_SUCCESS);
	EXPECT_FAIL(destroy_vm(vm1), MV_STATUS_INVALID_PERM_DENIED);
	EXPECT_EQ(unmap(vm1, MDL_B, vm2, 0x404000), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_vm(vm1), MV_STATUS_SUCCESS);
	EXPECT_EQ(vm_get(vm1)->state, HV_VM_ZOMBIE);
	check_mirror();
}

/* Create, donate and share a few pages, destroy: 10,000 times. */
static void test_leak(void)
{
	boot();
	uint64_t d0 = digest(), free0 = page_free_count();
	uint64_t sgs[4] = { SRC, 0x2000, SRC + 0x400000, 0x1000 };
	mdl_set(MDL_A, 0, 2, sgs);
	uint64_t dgs[4] = { GDST, 0x1000, 0x7000000000ull, 0x2000 };
	mdl_set(MDL_B, 0, 2, dgs);
	mdl1(MDL_C, SRC + 0x800000, 0x2000);
	mdl1(MDL_D, 0x10000000, 0x2000);
	for (int i = 0; i < 10000; i++) {
		uint16_t vm = create_vm();
		EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
		EXPECT_EQ(map(0, MDL_C, vm, MDL_D, W_ | X_), MV_STATUS_SUCCESS);
		if (i == 0) {
			EXPECT_TRUE(page_free_count() < free0);
			check_mirror();
		}
		EXPECT_EQ(destroy_vm(vm), MV_STATUS_SUCCESS);
		if (failures)
			break;
	}
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

/* The pool runs out in the middle of a map: FAILURE_UNKNOWN (E-30), nothing
 * changes. */
static void test_pool_exhaustion(void)
{
	boot();
	uint16_t vm = create_vm();
	/* three dst pages far apart: each needs its own L2, L1 and leaf node */
	uint64_t dgs[6] = { 0x1000, 0x1000, 1ull << 40, 0x1000, 1ull << 45, 0x1000 };
	mdl_set(MDL_B, 0, 3, dgs);
	mdl1(MDL_A, SRC, 0x3000);
	uint64_t total = page_total_count(), n = 0;
	uint64_t *held = malloc(sizeof(uint64_t) * total);
	while (n < total && (held[n] = page_alloc()) != 0) /* no write past held[total - 1] */
		n++;
	EXPECT_EQ(page_alloc(), 0);
	int failed = 0, ok = 0;
	for (uint64_t keep = 0; keep <= 16 && !ok; keep++) {
		for (uint64_t i = 0; i < keep; i++)
			page_free(held[n - 1 - i]);
		for (int donate = 0; donate < 2; donate++) {
			uint64_t d = digest();
			uint64_t st = map(0, MDL_A, vm, MDL_B, donate ? MV_GPA_FLAG_DONATE : 0);
			if (st == MV_STATUS_FAILURE_UNKNOWN) {
				EXPECT_EQ(digest(), d);
				failed++;
			} else {
				EXPECT_EQ(st, MV_STATUS_SUCCESS);
				check_mirror();
				EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_SUCCESS);
				EXPECT_EQ(digest(), d);
				ok++;
			}
		}
		for (uint64_t i = 0; i < keep; i++)
			EXPECT_TRUE((held[n - 1 - i] = page_alloc()) != 0);
		EXPECT_EQ(page_free_count(), 0);
	}
	EXPECT_TRUE(failed >= 10); /* top + 3 * 3 nodes (+ root's) */
	EXPECT_TRUE(ok > 0);
	for (uint64_t i = 0; i < n; i++)
		page_free(held[i]);
	free(held);
}

/* The backend fails to map in the middle: FAILURE_UNKNOWN (E-30),
 * everything is undone; the same for set_gpa_flags_mdl. */
static void test_backend_failure(void)
{
	boot();
	uint16_t vm = create_vm();
	mdl1(MDL_A, SRC, 0x5000);
	mdl1(MDL_B, GDST, 0x5000);
	for (long k = 0; k < 5; k++) {
		for (int donate = 0; donate < 2; donate++) {
			uint64_t d = digest();
			fail_map_in = k;
			EXPECT_EQ(map(0, MDL_A, vm, MDL_B, donate ? MV_GPA_FLAG_DONATE : 0),
				  MV_STATUS_FAILURE_UNKNOWN);
			fail_map_in = -1;
			EXPECT_EQ(digest(), d);
		}
	}
	check_mirror();
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, W_), MV_STATUS_SUCCESS);
	check_mirror();
	for (long k = 0; k < 5; k++) {
		uint64_t d = digest();
		fail_map_in = k;
		EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, X_ | MV_GPA_FLAG_UNCACHEABLE),
			  MV_STATUS_FAILURE_UNKNOWN);
		fail_map_in = -1;
		EXPECT_EQ(digest(), d);
		check_mirror();
	}
	uint64_t spa, flags;
	EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, X_), MV_STATUS_SUCCESS);
	EXPECT_TRUE(mapped(vm, GDST + 0x4000, &spa, &flags));
	EXPECT_EQ(flags, R_ | X_ | WB);
	check_mirror();
}

/* A donation splits the backend's 2 MiB leaf of each donated root page
 * before it commits (E-53); a split the backend cannot make (no table
 * memory) fails the call with FAILURE_UNKNOWN and changes nothing.  A share
 * leaves the root's map as it is: no split. */
static void test_split_failure(void)
{
	boot();
	uint16_t vm = create_vm();
	mdl1(MDL_A, SRC, 0x3000);
	mdl1(MDL_B, GDST, 0x3000);
	uint64_t d = digest();
	fake_splits = 0;
	fake_fail_split = true;
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_FAILURE_UNKNOWN);
	EXPECT_EQ(fake_splits, 1);
	EXPECT_EQ(digest(), d);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(fake_splits, 1);
	EXPECT_EQ(unmap(0, MDL_A, vm, MDL_B), MV_STATUS_SUCCESS);
	fake_fail_split = false;
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_EQ(fake_splits, 1 + 3); /* the failed try, then every page */
	check_mirror();
}

#define DESTROY_RAX (MV_VM_OP_VAL | MV_VM_OP_DESTROY_VM_IDX_VAL)

/* One destroy_vm with SCC: the status (RIP always advanced). */
static uint64_t destroy_scc(uint64_t vmid)
{
	uint64_t rip = fake_regs(root_vps)->reg[bf_reg_t_rip];
	uint64_t st = hc6(root_vps, DESTROY_RAX | MV_HYPERCALL_FLAGS_SCC, handle, vmid, 0, 0, 0,
			  0, NULL);
	EXPECT_EQ(fake_regs(root_vps)->reg[bf_reg_t_rip], rip + 3);
	return st;
}

/* A dying VM is a missing VM to every other hypercall (E-31). */
static void expect_dying_missing(uint16_t vm)
{
	struct hv_vm *v = vm_get(vm);
	EXPECT_TRUE(v != NULL && v->state == HV_VM_DYING);
	mdl1(MDL_C, SRC + 0x800000, 0x1000);
	mdl1(MDL_D, 0x30000000, 0x1000);
	EXPECT_FAIL(map(0, MDL_C, vm, MDL_D, 0), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(map(vm, MDL_D, 0, MDL_C, 0), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(unmap(0, MDL_C, vm, MDL_D), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(unmap(vm, MDL_D, 0, MDL_C), MV_STATUS_INVALID_PARAMS1);
	EXPECT_FAIL(set_flags(0, MDL_C, vm, MDL_D, 0), MV_STATUS_INVALID_PARAMS3);
	EXPECT_FAIL(hc6(root_vps, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, handle, vm, 0, 0, 0, 0,
			NULL),
		    MV_STATUS_INVALID_PARAMS1);
	/* its VMID is not reused meanwhile */
	uint16_t other = create_vm();
	EXPECT_TRUE(other != vm);
	EXPECT_EQ(destroy_vm(other), MV_STATUS_SUCCESS);
}

/* destroy_vm is a continuation: HV_VM_DESTROY_BATCH entries per call. */
static void test_destroy_continuation(void)
{
	uint64_t st, spa, flags;

	boot();
	uint64_t d0 = digest();
	uint16_t vm = create_vm();
	/* 256 donated + 3 shared = 259 entries: 4 x 64, then 3 */
	mdl1(MDL_A, SRC, 256 * 0x1000);
	mdl1(MDL_B, GDST, 256 * 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
	mdl1(MDL_C, SRC + 0x200000, 0x3000);
	mdl1(MDL_D, 0x100000000ull, 0x3000); /* above GDST: released last */
	EXPECT_EQ(map(0, MDL_C, vm, MDL_D, 0), MV_STATUS_SUCCESS);
	unsigned retries = 0;
	while ((st = destroy_scc(vm)) == MV_STATUS_RETRY_CONTINUATION && retries < 10) {
		retries++;
		EXPECT_EQ(mm_page_count(vm_get(vm)), 259 - HV_VM_DESTROY_BATCH * retries);
		EXPECT_EQ(mm_page_count(vm_get(0)), (56ull << 20) / 4096 - 256 + HV_VM_DESTROY_BATCH * retries);
		check_mirror();
		expect_dying_missing(vm);
	}
	EXPECT_EQ(st, MV_STATUS_SUCCESS);
	EXPECT_EQ(retries, 4);
	EXPECT_TRUE(vm_get(vm) == NULL);
	EXPECT_TRUE(mapped(0, SRC + 255 * 0x1000, &spa, &flags));
	EXPECT_EQ(flags, RWX | WB);
	EXPECT_EQ(digest(), d0);
	/* once done, it is gone */
	EXPECT_FAIL(destroy_scc(vm), MV_STATUS_INVALID_PARAMS1);

	/* without SCC: RIP stays on the VMCALL and RAX is untouched, so the root
	 * executes the same call again; the last one succeeds */
	vm = create_vm();
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	uint64_t rip = fake_regs(root_vps)->reg[bf_reg_t_rip];
	unsigned calls = 0;
	for (; calls < 10; calls++) {
		uint64_t regs[6] = { handle, vm, 0xA2, 0xA3, 0xA4, 0xA5 };
		st = fake_hypercall(root_vps, DESTROY_RAX, regs);
		EXPECT_EQ(regs[1], vm);
		if (fake_regs(root_vps)->reg[bf_reg_t_rip] != rip)
			break;
		EXPECT_EQ(st, DESTROY_RAX); /* RAX as the root left it */
	}
	EXPECT_EQ(calls, 3); /* 3 re-executions, the 4th call completes */
	EXPECT_EQ(st, MV_STATUS_SUCCESS);
	EXPECT_EQ(fake_regs(root_vps)->reg[bf_reg_t_rip], rip + 3);
	EXPECT_EQ(digest(), d0);

	/* a VM with a handful of pages is destroyed by one call */
	vm = create_vm();
	mdl1(MDL_A, SRC, HV_VM_DESTROY_BATCH * 0x1000);
	mdl1(MDL_B, GDST, HV_VM_DESTROY_BATCH * 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE), MV_STATUS_SUCCESS);
	EXPECT_EQ(destroy_scc(vm), MV_STATUS_SUCCESS);
	EXPECT_EQ(digest(), d0);
	check_mirror();
}

/* Zombies and borrowers across the calls of one destroy. */
static void test_destroy_continuation_zombie(void)
{
	boot();
	uint64_t d0 = digest();
	const uint64_t n = 200;

	for (int borrower_goes = 0; borrower_goes < 2; borrower_goes++) {
		uint16_t vm1 = create_vm(), vm2 = create_vm();
		mdl1(MDL_A, SRC, n * 0x1000);
		mdl1(MDL_B, GDST, n * 0x1000);
		EXPECT_EQ(map(0, MDL_A, vm1, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
		/* vm1 shares (ZOMBIE) its pages 10 and 150 with vm2 */
		uint64_t sg[4] = { GDST + 10 * 0x1000, 0x1000, GDST + 150 * 0x1000, 0x1000 };
		mdl_set(MDL_C, 0, 2, sg);
		mdl1(MDL_D, 0x10000000, 0x2000);
		EXPECT_EQ(map(vm1, MDL_C, vm2, MDL_D, MV_GPA_FLAG_ZOMBIE), MV_STATUS_SUCCESS);
		/* a strict share forbids it: refused on the first call, nothing changed */
		mdl1(0x404000, GDST + 20 * 0x1000, 0x1000);
		mdl1(0x405000, 0x20000000, 0x1000);
		EXPECT_EQ(map(vm1, 0x404000, vm2, 0x405000, 0), MV_STATUS_SUCCESS);
		EXPECT_FAIL(destroy_scc(vm1), MV_STATUS_INVALID_PERM_DENIED);
		EXPECT_EQ(vm_get(vm1)->state, HV_VM_ACTIVE);
		EXPECT_EQ(unmap(vm1, 0x404000, vm2, 0x405000), MV_STATUS_SUCCESS);

		EXPECT_EQ(destroy_scc(vm1), MV_STATUS_RETRY_CONTINUATION); /* past page 10 */
		EXPECT_EQ(mm_page_count(vm_get(vm1)), n - HV_VM_DESTROY_BATCH + 1);
		if (borrower_goes) {
			/* vm2 goes between two calls: pages 10 (behind the cursor) and
			 * 150 (ahead) go back to the root at once */
			EXPECT_EQ(destroy_scc(vm2), MV_STATUS_SUCCESS);
			EXPECT_EQ(mm_page_count(vm_get(vm1)), n - HV_VM_DESTROY_BATCH - 1);
			check_mirror();
		}
		uint64_t st;
		unsigned calls = 0;
		while ((st = destroy_scc(vm1)) == MV_STATUS_RETRY_CONTINUATION && calls < 10)
			calls++;
		EXPECT_EQ(st, MV_STATUS_SUCCESS);
		check_mirror();
		if (borrower_goes) {
			EXPECT_TRUE(vm_get(vm1) == NULL);
		} else {
			struct hv_vm *z = vm_get(vm1);
			EXPECT_TRUE(z != NULL && z->state == HV_VM_ZOMBIE);
			EXPECT_EQ(mm_page_count(z), 2);
			EXPECT_EQ(destroy_scc(vm2), MV_STATUS_SUCCESS);
			EXPECT_TRUE(vm_get(vm1) == NULL);
		}
		EXPECT_EQ(digest(), d0);
	}
}

/* A VP and a VPS in `vm`: the VPS (NULL after a failed EXPECT), its ID in *vpsid. */
static struct hv_vps *create_vps(uint16_t vm, uint64_t *vpsid)
{
	uint64_t vpid = 0;
	EXPECT_EQ(hc6(root_vps, MV_VP_OP_VAL | MV_VP_OP_CREATE_VP_IDX_VAL, handle, vm, 0, 0, 0, 0,
		      &vpid), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(root_vps, MV_VPS_OP_VAL | MV_VPS_OP_CREATE_VPS_IDX_VAL, handle, vpid, 0, 0, 0,
		      0, vpsid), MV_STATUS_SUCCESS);
	struct hv_vps *gv = vps_get((uint16_t)*vpsid);
	EXPECT_TRUE(gv != NULL);
	return gv;
}

/* set_identity_map: a backend refusing a register changes nothing
 * (FAILURE_UNKNOWN, E-30); bad pages change nothing (PARAMS2). */
static void test_idmap_refused(void)
{
	boot();
	uint16_t vm = create_vm();
	uint64_t vpsid = 0;
	struct hv_vps *gv = create_vps(vm, &vpsid);
	if (!gv)
		return;
	mdl1(MDL_A, SRC, 0x3000);
	mdl1(MDL_B, 0x1000, 0x3000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | W_), MV_STATUS_SUCCESS);
	memset(fake_mem + SRC, 0x5A, 0x3000);
	fake_regs(gv)->reg[bf_reg_t_cr3] = 0x7000;
	fake_regs(gv)->reg[bf_reg_t_cs_attrib] = 0x1234;
	struct fake_vps_regs before = *fake_regs(gv);
	const uint64_t op = MV_VPS_OP_VAL | MV_VPS_OP_SET_IDENTITY_MAP_IDX_VAL;
	const int refuse[] = { bf_reg_t_cr3, bf_reg_t_cr0, bf_reg_t_ds_attrib, bf_reg_t_idtr_limit };

	for (size_t i = 0; i < HV_ARRAY_SIZE(refuse); i++) {
		fake_refuse_reg = refuse[i];
		EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x1000, 0, 0, 0, NULL),
			  MV_STATUS_FAILURE_UNKNOWN);
		fake_refuse_reg = -1;
		EXPECT_EQ(memcmp(fake_regs(gv), &before, sizeof(before)), 0);
		EXPECT_EQ(fake_mem[SRC + 0x2FFF], 0x5A);
		EXPECT_EQ(fake_mem[SRC], 0x5A);
	}
	/* pages the VM does not have (the 3rd is missing), or read-only */
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x2000, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, 0), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x1000, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS2);
	EXPECT_EQ(memcmp(fake_regs(gv), &before, sizeof(before)), 0);
	EXPECT_EQ(fake_mem[SRC + 0x1000], 0x5A);
	EXPECT_EQ(set_flags(0, MDL_A, vm, MDL_B, W_), MV_STATUS_SUCCESS);
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x1000, 0, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(fake_regs(gv)->reg[bf_reg_t_cr3], 0x1000);
	EXPECT_EQ(fake_regs(gv)->reg[bf_reg_t_cs_attrib], 0xA09B);
	uint64_t pml4;
	memcpy(&pml4, fake_mem + SRC, 8);
	EXPECT_EQ(pml4, 0x2003);
}

/* Unit checks of the tree: sparse keys, pruning, next. */
static void test_tree(void)
{
	boot();
	struct mm_tree t = { 0, 0 };
	uint64_t free0 = page_free_count(), g;
	const uint64_t keys[] = { 0, 1, 255, 256, 1ull << 17, (1ull << 26) + 5, MM_GFN_LIMIT - 1 };
	for (size_t i = 0; i < HV_ARRAY_SIZE(keys); i++) {
		EXPECT_EQ(mm_tree_reserve(&t, keys[i]), 0);
		mm_tree_set(&t, keys[i], (struct mm_slot){ i + 1, 0 });
	}
	EXPECT_EQ(mm_tree_pages(&t), free0 - page_free_count());
	size_t k = 0;
	for (g = 0; mm_tree_next(&t, g, &g); g++, k++) {
		EXPECT_EQ(g, keys[k]);
		EXPECT_EQ(mm_tree_find(&t, g)->w0, k + 1);
	}
	EXPECT_EQ(k, HV_ARRAY_SIZE(keys));
	EXPECT_TRUE(mm_tree_find(&t, 2) != NULL && mm_tree_find(&t, 1ull << 30) == NULL);
	for (size_t i = 0; i < HV_ARRAY_SIZE(keys); i++) {
		mm_tree_set(&t, keys[i], (struct mm_slot){ 0, 0 });
		mm_tree_prune(&t, keys[i]);
	}
	EXPECT_EQ(t.top, 0);
	EXPECT_EQ(page_free_count(), free0);
}

/* map_mdl into the root at its device memory (the I/O APIC's page, passed
 * through at boot) is refused as a destination in use (INVALID_PARAMS4), and
 * unmap_mdl there is refused too: the device mapping stays.  A free GPA of
 * the root's next to it takes the same share. */
static void test_device_dst(void)
{
	const uint64_t ioapic = 0xFEC00000ull, hole = 0xFEC02000ull;
	uint64_t spa = 0, flags = 0, free0;

	fake_mmio[0] = (struct hv_mem_range){ ioapic, 0x1000 };
	fake_num_mmio = 1;
	boot();
	fake_num_mmio = 0;
	uint16_t vm = create_vm();
	mdl1(MDL_A, SRC, 0x1000);
	mdl1(MDL_B, GDST, 0x1000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | R_ | W_), MV_STATUS_SUCCESS);
	EXPECT_TRUE(sh_get(0, ioapic, &spa, &flags));
	EXPECT_EQ(spa, ioapic);
	free0 = page_free_count();
	uint64_t d = digest();

	mdl1(MDL_C, GDST, 0x1000);
	mdl1(MDL_D, ioapic, 0x1000);
	EXPECT_EQ(map(vm, MDL_C, 0, MDL_D, R_ | W_), MV_STATUS_INVALID_PARAMS4);
	EXPECT_EQ(unmap(vm, MDL_C, 0, MDL_D), MV_STATUS_INVALID_PARAMS4);
	EXPECT_EQ(digest(), d);
	EXPECT_EQ(page_free_count(), free0);
	EXPECT_TRUE(sh_get(0, ioapic, &spa, &flags));
	EXPECT_EQ(spa, ioapic);
	EXPECT_EQ(flags, R_ | W_ | MV_GPA_FLAG_EXECUTE_ACCESS | MV_GPA_FLAG_UNCACHEABLE);

	mdl1(MDL_D, hole, 0x1000);
	EXPECT_EQ(map(vm, MDL_C, 0, MDL_D, R_ | W_), MV_STATUS_SUCCESS);
	EXPECT_TRUE(sh_get(0, hole, &spa, &flags));
	EXPECT_EQ(spa, SRC);
	EXPECT_EQ(unmap(vm, MDL_C, 0, MDL_D), MV_STATUS_SUCCESS);
	EXPECT_TRUE(!sh_get(0, hole, &spa, &flags));
	EXPECT_TRUE(sh_get(0, ioapic, &spa, &flags));
}

/* virt_to_phys through the guest's own tables (SDM vol. 3 4.3-4.5): a 4 MiB
 * page of 32-bit paging takes physical bits 39:32 from PDE bits 20:13
 * (PSE-36), bit 21 set is reserved (not mapped); CR4.LA57 walks 5 levels;
 * a non-canonical GVA in long mode is PARAMS2. */
static void test_virt_to_phys_modes(void)
{
	const uint64_t G = GDST, op = MV_VPS_OP_VAL | MV_VPS_OP_VIRT_TO_PHYS_IDX_VAL;
	uint64_t vpsid = 0, gpa = 0;

	boot();
	uint16_t vm = create_vm();
	struct hv_vps *gv = create_vps(vm, &vpsid);
	if (!gv)
		return;
	mdl1(MDL_A, SRC, 0x3000); /* guest G.. G+0x3000 is root SRC.. (fake_mem) */
	mdl1(MDL_B, G, 0x3000);
	EXPECT_EQ(map(0, MDL_A, vm, MDL_B, MV_GPA_FLAG_DONATE | R_ | W_), MV_STATUS_SUCCESS);
	memset(fake_mem + SRC, 0, 0x3000);
	uint64_t *r = fake_regs(gv)->reg;
	uint32_t *pd = (uint32_t *)(fake_mem + SRC);
	uint64_t *t0 = (uint64_t *)(fake_mem + SRC), *t1 = t0 + 512, *t2 = t0 + 1024;

	/* 32-bit paging, PSE: PDE 3 = 4 MiB page at 0x3_0040_0000 */
	r[bf_reg_t_cr0] = 0x80000011, r[bf_reg_t_cr4] = 0x10, r[bf_reg_t_efer] = 0, r[bf_reg_t_cr3] = G;
	pd[3] = 0x00400000u | (0x3u << 13) | 0x83;
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x00C12345, 0, 0, 0, &gpa), MV_STATUS_SUCCESS);
	EXPECT_EQ(gpa, 0x300412345ull);
	pd[3] |= 1u << 21; /* reserved */
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x00C12345, 0, 0, 0, NULL), MV_STATUS_INVALID_PARAMS2);

	/* 4-level: PML4 at G+0x1000, PDPT at G+0x2000, entry 0 a 1 GiB page at 1 GiB */
	memset(fake_mem + SRC, 0, 0x3000);
	r[bf_reg_t_cr4] = 0x20, r[bf_reg_t_efer] = 0x500, r[bf_reg_t_cr3] = G + 0x1000;
	t1[0] = (G + 0x2000) | 3;
	t2[0] = 0x40000000ull | 0x83;
	t2[5] = 0x140000000ull | 0x83;
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x1234, 0, 0, 0, &gpa), MV_STATUS_SUCCESS);
	EXPECT_EQ(gpa, 0x40001234ull);
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0xFFFF000000001234ull, 0, 0, 0, NULL),
		  MV_STATUS_INVALID_PARAMS2); /* bits 63:48 are not bit 47's copies */
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x0000800000001234ull, 0, 0, 0, NULL),
		  MV_STATUS_INVALID_PARAMS2);

	/* 5-level (CR4.LA57): PML5 at G, PML5[1] -> PML4 at G+0x1000 */
	r[bf_reg_t_cr4] = 0x20 | 0x1000, r[bf_reg_t_cr3] = G;
	t0[1] = (G + 0x1000) | 3;
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 1ull << 48 | 5ull << 30 | 0x1234, 0, 0, 0, &gpa),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(gpa, 0x140001234ull);
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x0100000000001234ull, 0, 0, 0, NULL),
		  MV_STATUS_INVALID_PARAMS2); /* bit 56 set, 63:57 clear */

	/* 4-level down to a 4 KiB page: PDPT[2] -> PD at G, PD[0] -> the PML4's
	 * own page as the page table, its entry 1 the 4 KiB page 0x7777000 */
	r[bf_reg_t_cr4] = 0x20, r[bf_reg_t_cr3] = G + 0x1000;
	t2[2] = G | 3;
	t0[0] = (G + 0x1000) | 3;
	t1[1] = 0x7777000ull | 3;
	EXPECT_EQ(hc6(root_vps, op, handle, vpsid, 0x80001234ull, 0, 0, 0, &gpa), MV_STATUS_SUCCESS);
	EXPECT_EQ(gpa, 0x7777234ull);
}

static const struct test_case tests[] = {
	{ "root_map", test_root_map },
	{ "share_roundtrip", test_share_roundtrip },
	{ "donate_roundtrip", test_donate_roundtrip },
	{ "chain", test_chain },
	{ "map_params", test_map_params },
	{ "perm", test_perm },
	{ "unmap_params", test_unmap_params },
	{ "guest_to_guest", test_guest_to_guest },
	{ "zombie", test_zombie },
	{ "destroy_refused", test_destroy_refused },
	{ "leak", test_leak },
	{ "pool_exhaustion", test_pool_exhaustion },
	{ "backend_failure", test_backend_failure },
	{ "split_failure", test_split_failure },
	{ "destroy_continuation", test_destroy_continuation },
	{ "destroy_continuation_zombie", test_destroy_continuation_zombie },
	{ "idmap_refused", test_idmap_refused },
	{ "device_dst", test_device_dst },
	{ "virt_to_phys_modes", test_virt_to_phys_modes },
	{ "tree", test_tree },
};

TEST_MAIN("test_mm", tests)
