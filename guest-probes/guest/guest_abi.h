/*
 * The contract between a root probe (guest-probes/vmm) and the guest agent
 * it runs in a guest VM (guest-probes/guest): the guest's memory layout and
 * the mailbox.  Not ABI of the hypervisor: both sides are probe code.
 *
 * Guest-physical layout the root builds (all below 1 GiB, the identity map
 * of mv_vps_op_set_identity_map):
 *   GUEST_PT_GPA      3 pages: PML4, PDPT, PD (donated, RW)
 *   GUEST_MBOX_GPA    the mailbox: shared from the root (RW), the root reads it
 *   GUEST_STACK_GPA   GUEST_STACK_PAGES pages of stack (donated, RW); RSP = top
 *   0x100000          the agent's image (donated, RWX), entry = ELF e_entry
 *   GUEST_SCRATCH_GPA free GPAs the probes map and unmap
 *
 * One command per run: the agent reads `cmd`, does it, increments `done`,
 * then `cli; hlt` (mv_vp_exit_t_hlt).  Running it again re-enters the loop
 * (RIP is past the HLT).  After a fault the root sets RIP/RSP back to the
 * entry; the entry is the loop.
 */
#ifndef GUEST_ABI_H
#define GUEST_ABI_H

#include <stdint.h>

#define GUEST_PT_GPA            0x1000ull
#define GUEST_MBOX_GPA          0x8000ull
#define GUEST_STACK_GPA         0x10000ull
#define GUEST_STACK_PAGES       8ull
#define GUEST_STACK_TOP         (GUEST_STACK_GPA + GUEST_STACK_PAGES * 0x1000ull)
#define GUEST_IMAGE_GPA         0x100000ull
#define GUEST_SCRATCH_GPA       0x800000ull

#define GUEST_MAGIC             0x544E454741564D47ull   /* "GMVAGENT" */
#define GUEST_IMAGE_TAG         "MVGUEST:agent"

enum guest_cmd {
	G_NOP = 0,      /* nothing: ends with cli;hlt */
	G_YIELD,        /* sti; hlt (yield); then res[0] = 1 */
	G_PAUSE,        /* res[1] = RIP of the PAUSE; pause (retry); res[0] = 1 */
	G_SPIN,         /* count to arg[0] (res[0] follows); external_interrupt */
	G_WRMSR,        /* wrmsr(arg[0], arg[1]); res[0] = 1 */
	G_OUTW,         /* outw(port arg[0], value arg[1]); res[0] = 1 */
	G_READ,         /* res[0] = *(u64 *)arg[0]; res[1] = 1 */
	G_WRITE,        /* *(u64 *)arg[0] = arg[1]; res[0] = 1 */
	G_TRIPLE,       /* lidt of an empty IDT, ud2: triple fault */
	G_CPUID,        /* res[0..3] = cpuid(arg[0], arg[1]) */
	G_HC,           /* hypercall RAX = arg[0], R10..R15 = arg[1..6];
			   res[0] = RAX after, res[1..6] = R10..R15 after */
	G_XMM0,         /* res[0] = XMM0[63:0], res[1] = MXCSR */
	G_IRQ,          /* IDT with vector arg[0]; sti; wait up to arg[1] loops
			   for it; cli; res[0] = count, res[1] = vector seen */
	G_EXEC,         /* call arg[0] (which must return); res[0] = 1 */
	/* XVIO (guest-probes/probes/xvio*, docs/xvio.md) */
	G_XVIO_RING_WRITE, /* write the pattern stream into the ring direction
			      whose header is at GPA arg[0]: bytes arg[2].. of
			      arg[1] in all, seed arg[3], checksum so far arg[4];
			      as many whole words as fit (wrap-around);
			      res[0] = bytes written, res[1] = the checksum
			      after them, res[2] = 1 if the header or an
			      offset was unusable (not a multiple of 8) */
	G_XVIO_POST,    /* post_message RAX arg[0], REG0..REG5 = arg[1..6] (REG3,
			   the code, counts up from arg[3]) until arg[7] were
			   posted or one fails; res[0] = posted, res[1] = the
			   last status */
	G_RDMSR,        /* res[0] = rdmsr(arg[0]) (EDX:EAX); res[1] = 1 */
	G_IRQ_WINDOW,   /* IDT; with IF = 0 count to arg[0]; res[0] = interrupts
			   taken meanwhile; sti; wait up to arg[1] loops until
			   arg[2] were taken; cli; res[1] = interrupts taken in
			   all, res[2..5] = their vectors in order (irq_log) */
	G_READ_SPIN,    /* sti; read *(u64 *)arg[0] until the root sets arg[1]
			   (res[0] = reads completed, res[1] = the last value);
			   a fault ends it (the tlbshoot probe) */
};

/*
 * XVIO ring and message layout, written by hand from docs/xvio.md (the
 * probes check these against the generated EXP_OFF_MV_XVIO_* values).
 * A direction: the header, then `size` data bytes; head and tail are
 * free-running byte counters (used = tail - head, position = counter % size).
 */
#define XVIO_RING_OFF_HEAD      0x00
#define XVIO_RING_OFF_TAIL      0x08
#define XVIO_RING_OFF_SIZE      0x10
#define XVIO_RING_OFF_SERVICE   0x18   /* u16 */
#define XVIO_RING_OFF_WRITER    0x1A   /* u16 */
#define XVIO_RING_OFF_READER    0x1C   /* u16 */
#define XVIO_RING_HDR           64     /* data starts here */
#define XVIO_MSG_OFF_PARTITION  0x00   /* u16 */
#define XVIO_MSG_OFF_SERVICE    0x02   /* u16 */
#define XVIO_MSG_OFF_CODE       0x04   /* u16 */
#define XVIO_MSG_OFF_SIZE       0x06   /* u16 */
#define XVIO_MSG_OFF_SEQ        0x08   /* u64 */
#define XVIO_MSG_OFF_DATA       0x18
#define XVIO_MSG_SIZE           256

/* The probes' byte stream, made of 8-byte words (little-endian): word j of
 * stream `seed`, byte i of it, and the checksum both sides keep over it
 * (FNV-1a 64 taken a word at a time, not a byte: each step (h ^ w) * prime
 * is a bijection of h and of w, so one wrong byte anywhere changes the
 * result).  Every count and offset in the stream is a multiple of 8: the
 * writer and the readers move whole words (an emulated guest pays per
 * instruction and per store, not per byte). */
static inline uint64_t xvio_pattern_word(uint64_t j, uint64_t seed)
{
	return (j + 1) * 0x9E3779B97F4A7C15ull ^ seed * 0x0101010101010101ull;
}

static inline uint8_t xvio_pattern(uint64_t i, uint64_t seed)
{
	return (uint8_t)(xvio_pattern_word(i >> 3, seed) >> (8 * (i & 7)));
}

#define XVIO_FNV_INIT 0xCBF29CE484222325ull
static inline uint64_t xvio_fnv(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x100000001B3ull;
}

struct guest_mbox {
	volatile uint64_t magic;        /* guest: GUEST_MAGIC at every entry */
	volatile uint64_t entries;      /* guest: entries through _start */
	volatile uint64_t cmd;          /* root */
	volatile uint64_t arg[8];       /* root */
	volatile uint64_t done;         /* guest: commands completed */
	volatile uint64_t started;      /* guest: commands started */
	volatile uint64_t res[8];       /* guest: results of the last command */
	volatile uint64_t irq_count;    /* guest: interrupts taken (any time) */
	volatile uint64_t irq_vector;   /* guest: vector of the last one */
	volatile uint64_t irq_log[8];   /* guest: vector of interrupt n at [n % 8] */
};

#endif /* GUEST_ABI_H */
