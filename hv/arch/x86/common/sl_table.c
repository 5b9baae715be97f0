/*
 * The 4-level second-level table walk shared by svm/npt.c and vmx/ept.c
 * (x86/sl_table.h).  Level 3 is the root (PML4), level 0 the 4 KiB leaves.
 */
#include <hv/arch/core.h>

#include <x86/sl_table.h>

static uint64_t *table(uint64_t pa)
{
	return page_hva(pa);
}

static unsigned idx(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

int sl_table_alloc(uint64_t *self, uint64_t *root)
{
	uint64_t s = page_alloc();
	uint64_t r = s ? page_alloc() : 0;

	if (!r) {
		if (s)
			page_free(s);
		return -1;
	}
	*self = s;
	*root = r;
	return 0;
}

static void free_tables(const struct sl_table_fmt *fmt, uint64_t pa, int level)
{
	uint64_t *t = table(pa);

	if (level > 0)
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & fmt->present)
				free_tables(fmt, t[i] & fmt->addr, level - 1);
	page_free(pa);
}

void sl_table_release(const struct sl_table_fmt *fmt, uint64_t root, uint64_t self)
{
	free_tables(fmt, root, 3);
	page_free(self);
}

int sl_table_map(const struct sl_table_fmt *fmt, uint64_t root, uint64_t gpa, uint64_t leaf)
{
	uint64_t *t = table(root);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(gpa, level)];
		if (!(*e & fmt->present)) {
			uint64_t pa = page_alloc();
			if (!pa)
				return -1;
			*e = pa | fmt->table_flags;
		}
		t = table(*e & fmt->addr);
	}
	t[idx(gpa, 0)] = leaf;
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

void sl_table_unmap(const struct sl_table_fmt *fmt, uint64_t root, uint64_t gpa)
{
	uint64_t *path[4];

	path[3] = table(root);
	for (int level = 3; level > 0; level--) {
		uint64_t e = path[level][idx(gpa, level)];
		if (!(e & fmt->present))
			return;
		path[level - 1] = table(e & fmt->addr);
	}
	path[0][idx(gpa, 0)] = 0;
	/* Free the tables this left empty (never the root). */
	for (int level = 0; level < 3; level++) {
		if (!table_empty(path[level]))
			break;
		uint64_t *parent = &path[level + 1][idx(gpa, level + 1)];
		uint64_t pa = *parent & fmt->addr;
		*parent = 0;
		page_free(pa);
	}
}
