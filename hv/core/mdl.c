/* Reading and walking MDL chains (mdl.h). */
#include <hv/arch/arch.h>
#include <hv/string.h>

#include "mdl.h"
#include "mm_int.h"

_Static_assert(MDL_MAX_RANGES <= 65535, "mdl_idx holds 16-bit indices");

/* Sort index for mdl_overlaps (callers are serialised by hc_lock). */
static uint16_t mdl_idx[MDL_MAX_RANGES];

bool mdl_read(const struct hv_vm *vm, uint64_t gpa, struct mdl *m)
{
	m->n = 0;
	m->pages = 0;
	for (unsigned k = 0;; k++) {
		if (k == MDL_MAX_PAGES || (gpa & ~HV_PAGE_MASK) || gpa >= MM_GPA_LIMIT)
			return false;
		struct mm_ent e = mm_get(vm, gpa >> 12);
		if (!mm_owned(e.kind) || !(e.flags & MV_GPA_FLAG_READ_ACCESS))
			return false;
		const struct mv_mdl_t *p = arch_spa_to_hva(e.spa, HV_PAGE_SIZE);
		if (!p)
			return false;
		uint64_t hdr[5]; /* num_entries, next, revz[3]: read once */
		hv_memcpy(hdr, p, sizeof(hdr));
		if (hdr[0] == 0 || hdr[0] > MV_MDL_MAP_MAX_NUM_ENTRIES || (hdr[2] | hdr[3] | hdr[4]))
			return false;
		for (uint64_t i = 0; i < hdr[0]; i++) {
			struct mv_mdl_entry_t ent;
			hv_memcpy(&ent, &p->entries[i], sizeof(ent));
			if (((ent.gpa | ent.size) & ~HV_PAGE_MASK) || ent.size == 0 || ent.flags ||
			    ent.gpa >= MM_GPA_LIMIT || ent.size > MM_GPA_LIMIT - ent.gpa)
				return false;
			m->r[m->n].gpa = ent.gpa;
			m->r[m->n].size = ent.size;
			m->n++;
			m->pages += ent.size >> 12;
		}
		gpa = hdr[1];
		if (gpa == 0)
			return true;
	}
}

static bool mdl_less(const struct mdl *m, uint16_t a, uint16_t b)
{
	return m->r[a].gpa < m->r[b].gpa;
}

static void mdl_sift(const struct mdl *m, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && mdl_less(m, mdl_idx[c], mdl_idx[c + 1]))
			c++;
		if (!mdl_less(m, mdl_idx[root], mdl_idx[c]))
			return;
		uint16_t t = mdl_idx[root];
		mdl_idx[root] = mdl_idx[c];
		mdl_idx[c] = t;
		root = c;
	}
}

bool mdl_overlaps(const struct mdl *m)
{
	uint32_t n = m->n;

	for (uint32_t i = 0; i < n; i++)
		mdl_idx[i] = (uint16_t)i;
	for (uint32_t i = n / 2; i-- > 0;)
		mdl_sift(m, i, n);
	for (uint32_t end = n; end-- > 1;) {
		uint16_t t = mdl_idx[0];
		mdl_idx[0] = mdl_idx[end];
		mdl_idx[end] = t;
		mdl_sift(m, 0, end);
	}
	for (uint32_t i = 0; i + 1 < n; i++) {
		const struct mdl_range *a = &m->r[mdl_idx[i]], *b = &m->r[mdl_idx[i + 1]];
		if (a->gpa + a->size > b->gpa)
			return true;
	}
	return false;
}

bool mdl_iter_next(struct mdl_iter *it, uint64_t *gfn)
{
	if (it->i >= it->m->n)
		return false;
	const struct mdl_range *r = &it->m->r[it->i];
	*gfn = (r->gpa + it->off) >> 12;
	it->off += HV_PAGE_SIZE;
	if (it->off == r->size) {
		it->i++;
		it->off = 0;
	}
	return true;
}
