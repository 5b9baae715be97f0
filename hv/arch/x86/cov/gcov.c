/*
 * The bare-metal image's gcov runtime (coverage builds only, -DMV_COVERAGE=ON;
 * coverage/README.md).  gcc puts a pointer to each instrumented unit's
 * gcov_info in section gcov_info (-fprofile-info-section, no constructors
 * needed); x86_cov_dump() serialises each as a .gcda image (gcda.c) and
 * writes it to port 0xE9 (QEMU isa-debugcon, Bochs port_e9_hack) as text:
 *
 *   MVCOV BEGIN backend=<svm|vmx> why=<path> units=<n>
 *   MVCOV FILE <gcda path> <bytes>
 *   MVCOV D <hex, at most 64 bytes a line>
 *   MVCOV SUM <bytes> <sum of the bytes, 32-bit, hex>
 *   ...
 *   MVCOV END
 *
 * scripts/cov-collect turns that back into .gcda files.  The dump runs once,
 * from whichever path ends the run first (a PP that ends it while another
 * dumps waits for the dump to end): the root's write to isa-debug-exit
 * (intercepted for the root in coverage builds: x86_cov_root_io), the root VM
 * stopped (main.c), or arch_halt (boot failure, panic, exception).
 */
#include <x86/backend.h>
#include <x86/cov.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#include "gcda.h"

#define COV_PORT 0xE9
#define HEX_PER_LINE 64

extern const struct gcov_info *const __start_gcov_info[];
extern const struct gcov_info *const __stop_gcov_info[];

/* gcc names the arc counters' merge function in every gcov_info; only a
 * hosted libgcov merging into an existing file would call it. */
void __gcov_merge_add(gcov_type *counters, unsigned int n);
void __gcov_merge_add(gcov_type *counters, unsigned int n)
{
	(void)counters;
	(void)n;
}

static void put_str(const char *s)
{
	while (*s)
		outb(COV_PORT, (uint8_t)*s++);
}

static void put_hex(uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0)
		outb(COV_PORT, (uint8_t)hex[(v >> (digits * 4)) & 0xF]);
}

static void put_dec(uint64_t v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	put_str(&buf[i]);
}

struct hex_lines {
	size_t col;   /* bytes on the current line */
	uint32_t sum; /* of every byte of the image */
};

static void emit_hex(void *ctx, const void *data, size_t len)
{
	struct hex_lines *h = ctx;
	const uint8_t *b = data;

	for (size_t i = 0; i < len; i++) {
		if (h->col == 0)
			put_str("MVCOV D ");
		put_hex(b[i], 2);
		h->sum += b[i];
		if (++h->col == HEX_PER_LINE) {
			put_str("\n");
			h->col = 0;
		}
	}
}

/* One unit's .gcda image, serialised once: the other PPs go on bumping
 * counters during the dump, so a second pass (to learn the size first) could
 * differ from the first by any counter set that stopped being all zero.
 * The whole image has about 45 KB of counters; a unit larger than the
 * buffer goes out cut short, and scripts/cov-collect reports it. */
#define UNIT_MAX 0x10000
static uint8_t unit_buf[UNIT_MAX];

static void emit_copy(void *ctx, const void *data, size_t len)
{
	size_t *at = ctx;
	const uint8_t *b = data;

	for (size_t i = 0; i < len; i++, (*at)++)
		if (*at < UNIT_MAX)
			unit_buf[*at] = b[i];
}

static uint32_t dump_started, dump_done;

void x86_cov_dump(const char *why)
{
	/* Another PP dumps: wait until it has written everything, so that this
	 * one's exit (isa-debug-exit) does not end QEMU in the middle of it. */
	if (__atomic_exchange_n(&dump_started, 1, __ATOMIC_SEQ_CST)) {
		while (!__atomic_load_n(&dump_done, __ATOMIC_ACQUIRE))
			cpu_relax();
		return;
	}
	put_str("\nMVCOV BEGIN backend=");
	put_str(x86_be ? x86_be->name : "none");
	put_str(" why=");
	put_str(why);
	put_str(" units=");
	put_dec((uint64_t)(__stop_gcov_info - __start_gcov_info));
	put_str("\n");
	for (const struct gcov_info *const *p = __start_gcov_info; p < __stop_gcov_info; p++) {
		struct hex_lines h = { 0, 0 };
		size_t at = 0;
		size_t size = gcda_write(*p, emit_copy, &at);

		put_str("MVCOV FILE ");
		put_str((*p)->filename);
		put_str(" ");
		put_dec(size);
		put_str("\n");
		emit_hex(&h, unit_buf, size < UNIT_MAX ? size : UNIT_MAX);
		if (h.col)
			put_str("\n");
		put_str("MVCOV SUM ");
		put_dec(size);
		put_str(" ");
		put_hex(h.sum, 8);
		put_str("\n");
	}
	put_str("MVCOV END\n");
	__atomic_store_n(&dump_done, 1, __ATOMIC_RELEASE);
}

void x86_cov_root_io(struct hv_vps *vps, struct hv_exit *exit)
{
	if (vps_vmid(vps) != 0 || exit->type != HV_EXIT_IO || exit->u.io.in || exit->u.io.string ||
	    exit->u.io.port != X86_COV_EXIT_PORT)
		return;
	x86_cov_dump("root-exit-port");
	/* The write the root meant: QEMU's isa-debug-exit ends the run with the
	 * root's value. */
	outb(X86_COV_EXIT_PORT, (uint8_t)exit->u.io.value);
	if (!exit->insn_len)
		return; /* no length (SVM without nRIP): the core stops the root */
	/* Where nothing listens (Bochs) the OUT is complete: step over it and
	 * hand the core an exit it resumes the root from without effect. */
	arch_vps_set_reg(vps, bf_reg_t_rip, exit->rip + exit->insn_len);
	exit->type = HV_EXIT_EXTINT;
}
