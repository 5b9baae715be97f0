/*
 * The fake arch's second-level tables: a shadow of every arch_slpt_map /
 * arch_slpt_unmap the core made, per VM and GPA, so tests can compare it with
 * the core's own view (hv/core/mm*.c).  Open addressing on (VMID, GFN) with
 * linear probing and backward-shift deletion; a log of the GPAs touched since
 * the last fake_slpt_take_dirty; an order-independent digest of the content.
 */
#include "fake_arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/vm.h>

#define SLOTS (1u << 17) /* the root's 14,336 boot pages and every guest's */
#define USED 1ull        /* key bit 0: the slot is in use */

struct slot {
	uint64_t key; /* vmid << 48 | gfn << 1 | USED */
	uint64_t spa, flags;
};

static struct slot table[SLOTS];
static uint64_t entries;
uint64_t fake_slpt_pages[64];
uint64_t fake_slpt_sum;

static struct fake_slpt_ref dirty[FAKE_SLPT_DIRTY_MAX];
static unsigned ndirty;
static bool dirty_lost;

static uint64_t key_of(uint16_t vmid, uint64_t gfn)
{
	return (uint64_t)vmid << 48 | gfn << 1 | USED;
}

static uint32_t home(uint64_t key)
{
	key *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(key >> 47) & (SLOTS - 1);
}

static uint64_t ent_hash(const struct slot *s)
{
	uint64_t h = (s->key ^ s->spa * 0xFF51AFD7ED558CCDull ^ s->flags << 40) * 0xC4CEB9FE1A85EC53ull;
	return h ^ h >> 31;
}

static struct slot *find(uint64_t key)
{
	for (uint32_t i = home(key);; i = (i + 1) & (SLOTS - 1)) {
		if (table[i].key == key)
			return &table[i];
		if (!table[i].key)
			return NULL;
	}
}

static void touch(uint16_t vmid, uint64_t gfn)
{
	if (ndirty < FAKE_SLPT_DIRTY_MAX)
		dirty[ndirty++] = (struct fake_slpt_ref){ vmid, gfn };
	else
		dirty_lost = true;
}

static void remove_at(uint32_t i)
{
	fake_slpt_sum ^= ent_hash(&table[i]);
	fake_slpt_pages[table[i].key >> 48]--;
	entries--;
	/* backward shift: move later members of the run into the hole */
	for (uint32_t j = (i + 1) & (SLOTS - 1); table[j].key; j = (j + 1) & (SLOTS - 1)) {
		uint32_t h = home(table[j].key);
		if (((j - h) & (SLOTS - 1)) >= ((j - i) & (SLOTS - 1))) {
			table[i] = table[j];
			i = j;
		}
	}
	table[i] = (struct slot){ 0, 0, 0 };
}

void fake_slpt_set(uint16_t vmid, uint64_t gpa, uint64_t spa, uint64_t flags)
{
	uint64_t key = key_of(vmid, gpa >> 12);
	struct slot *s = find(key);

	touch(vmid, gpa >> 12);
	if (s) {
		fake_slpt_sum ^= ent_hash(s);
	} else {
		if (entries >= SLOTS - SLOTS / 8) {
			fprintf(stderr, "fake_slpt: shadow table full\n");
			abort();
		}
		uint32_t i = home(key);
		while (table[i].key)
			i = (i + 1) & (SLOTS - 1);
		s = &table[i];
		s->key = key;
		entries++;
		fake_slpt_pages[vmid]++;
	}
	s->spa = spa;
	s->flags = flags;
	fake_slpt_sum ^= ent_hash(s);
}

void fake_slpt_clear(uint16_t vmid, uint64_t gpa)
{
	struct slot *s = find(key_of(vmid, gpa >> 12));

	touch(vmid, gpa >> 12);
	if (s)
		remove_at((uint32_t)(s - table));
}

void fake_slpt_drop_vm(uint16_t vmid)
{
	for (uint32_t i = 0; i < SLOTS;) {
		if (table[i].key && (table[i].key >> 48) == vmid) {
			touch(vmid, (table[i].key & ((1ull << 48) - 1)) >> 1);
			remove_at(i); /* a later entry may have moved here: look again */
		} else {
			i++;
		}
	}
	fake_slpt_pages[vmid] = 0;
}

bool fake_slpt_get(uint16_t vmid, uint64_t gpa, uint64_t *spa, uint64_t *flags)
{
	const struct slot *s = find(key_of(vmid, gpa >> 12));

	if (s) {
		*spa = s->spa;
		*flags = s->flags;
	}
	return s != NULL;
}

void fake_slpt_each(void (*fn)(uint16_t vmid, uint64_t gpa, uint64_t spa, uint64_t flags))
{
	for (uint32_t i = 0; i < SLOTS; i++)
		if (table[i].key)
			fn((uint16_t)(table[i].key >> 48), (table[i].key & ((1ull << 48) - 1)) >> 1 << 12,
			   table[i].spa, table[i].flags);
}

unsigned fake_slpt_take_dirty(struct fake_slpt_ref *out, bool *lost)
{
	unsigned n = ndirty;

	memcpy(out, dirty, n * sizeof(*out));
	*lost = dirty_lost;
	ndirty = 0;
	dirty_lost = false;
	return n;
}
