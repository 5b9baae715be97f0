/*
 * Intercept decisions cached per guest RIP.  The code hook asks, before
 * every instruction, whether it is one the core intercepts (intercept.c);
 * decoding each one again cost more than half of a guest's run time.  An
 * entry keeps the class x86_decode gave the instruction at an address, its
 * bytes, and where those bytes are in system memory.  It answers only while
 * the engine's memory map is the one it was made under (arch_vps.map_epoch:
 * a remap or a changed permission drops every entry) and while the bytes in
 * memory are still its bytes: code written since, by the guest itself,
 * another VP, the root or a device, is decoded again before it runs.
 */
#include <stdlib.h>
#include <string.h>

#include "ucsim.h"

enum x86_insn_class icache_class(struct arch_vps *a, uint64_t addr, uint32_t size,
				 uint8_t bytes[X86_DECODE_MAX_LEN])
{
	if (size == 0 || size > X86_DECODE_MAX_LEN)
		return X86_INSN_OTHER;
	if (!a->icache)
		a->icache = calloc(ICACHE_ENTRIES, sizeof(*a->icache));
	struct icache_entry *e = a->icache ? icache_slot(a, addr) : NULL;
	if (e && e->host && e->rip == addr && e->size == size && e->epoch == a->map_epoch) {
		uint64_t now = 0;
		memcpy(&now, e->host, sizeof(now));
		if ((now & e->mask) == e->word) {
			if (e->cls != X86_INSN_OTHER)
				memcpy(bytes, &e->word, size);
			return (enum x86_insn_class)e->cls;
		}
	}
	/* Cached only where the 8 bytes of `word` can be read at once. */
	const uint8_t *host = slpt_host(a, addr, sizeof(uint64_t));
	if (host)
		memcpy(bytes, host, size);
	else if (uc_mem_read(a->uc, addr, bytes, size) != UC_ERR_OK)
		return X86_INSN_OTHER; /* the fetch faults: no intercept */
	struct x86_insn d;
	enum x86_insn_class cls = x86_decode(bytes, size, &d);
	if (e && host) {
		e->rip = addr;
		e->epoch = a->map_epoch;
		e->host = host;
		e->size = (uint8_t)size;
		e->cls = (uint8_t)cls;
		e->word = e->mask = 0;
		memcpy(&e->word, bytes, size);
		memset(&e->mask, 0xFF, size);
	}
	return cls;
}

void icache_fini(struct arch_vps *a)
{
	free(a->icache);
	a->icache = NULL;
}
