/* The guest agent: one command from the mailbox per run (guest_abi.h). */
#include <stddef.h>
#include <stdint.h>

#include "guest_abi.h"

#define MB ((struct guest_mbox *)GUEST_MBOX_GPA)

_Static_assert(offsetof(struct guest_mbox, irq_count) == 168, "entry.S MBOX_IRQ_COUNT");
_Static_assert(offsetof(struct guest_mbox, irq_vector) == 176, "entry.S MBOX_IRQ_VECTOR");
_Static_assert(offsetof(struct guest_mbox, irq_log) == 184, "entry.S MBOX_IRQ_LOG");

uint64_t guest_vmcall(uint64_t rax, uint64_t *regs);
uint64_t guest_vmmcall(uint64_t rax, uint64_t *regs);
void guest_pause(volatile uint64_t *rip_out);
void guest_triple(void);
void guest_main(void);
void idt_init(void);
extern char irq_stubs[];
extern uint64_t idt[512];

static int amd;

void idt_init(void)
{
	for (unsigned v = 32; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)irq_stubs + (v - 32) * 16;
		idt[2 * v] = (a & 0xFFFF) | (0x08ull << 16) | (0x8Eull << 40) |
			     ((a >> 16) & 0xFFFF) << 48;
		idt[2 * v + 1] = a >> 32;
	}
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void do_cmd(uint64_t cmd)
{
	volatile uint64_t *res = MB->res;

	switch (cmd) {
	case G_NOP:
		break;
	case G_YIELD:
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		res[0] = 1;
		break;
	case G_PAUSE:
		guest_pause(&res[1]);
		res[0] = 1;
		break;
	case G_SPIN:
		/* arg0 iterations, or until the root sets arg1 (the mailbox is
		 * shared): a spin that only a preemption can interrupt.  It
		 * spins with interrupts enabled, as an OS's idle-free loop
		 * would: Bochs' SVM never delivers the physical interrupt that
		 * ends a slice to a guest entered with IF = 0 (a Bochs bug;
		 * hv/arch/x86/README.md), and hardware preempts either way. */
		__asm__ volatile("sti");
		for (uint64_t i = 0; i < MB->arg[0] && !*(volatile uint64_t *)&MB->arg[1]; i++)
			res[0] = i + 1;
		__asm__ volatile("cli");
		break;
	case G_RDMSR: {
		uint32_t lo, hi;
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"((uint32_t)MB->arg[0]) : "memory");
		res[0] = ((uint64_t)hi << 32) | lo;
		res[1] = 1;
		break;
	}
	case G_WRMSR:
		__asm__ volatile("wrmsr" : : "c"((uint32_t)MB->arg[0]), "a"((uint32_t)MB->arg[1]),
				 "d"((uint32_t)(MB->arg[1] >> 32)) : "memory");
		res[0] = 1;
		break;
	case G_OUTW:
		__asm__ volatile("outw %0, %1" : : "a"((uint16_t)MB->arg[1]),
				 "Nd"((uint16_t)MB->arg[0]) : "memory");
		res[0] = 1;
		break;
	case G_READ:
		res[0] = *(volatile uint64_t *)(uintptr_t)MB->arg[0];
		res[1] = 1;
		break;
	case G_WRITE:
		*(volatile uint64_t *)(uintptr_t)MB->arg[0] = MB->arg[1];
		res[0] = 1;
		break;
	case G_TRIPLE:
		guest_triple();
		break;
	case G_CPUID: {
		uint32_t r[4];
		cpuid((uint32_t)MB->arg[0], (uint32_t)MB->arg[1], r);
		for (int i = 0; i < 4; i++)
			res[i] = r[i];
		break;
	}
	case G_HC: {
		uint64_t regs[6], st;
		for (int i = 0; i < 6; i++)
			regs[i] = MB->arg[1 + i];
		st = amd ? guest_vmmcall(MB->arg[0], regs) : guest_vmcall(MB->arg[0], regs);
		res[0] = st;
		for (int i = 0; i < 6; i++)
			res[1 + i] = regs[i];
		break;
	}
	case G_XMM0: {
		uint64_t x;
		uint32_t mxcsr;
		__asm__ volatile("movq %%xmm0, %0; stmxcsr %1" : "=r"(x), "=m"(mxcsr));
		res[0] = x;
		res[1] = mxcsr;
		break;
	}
	case G_IRQ: {
		uint64_t n = MB->arg[1];
		__asm__ volatile("sti" ::: "memory");
		while (MB->irq_count == 0 && n--)
			__asm__ volatile("" ::: "memory");
		__asm__ volatile("cli" ::: "memory");
		res[0] = MB->irq_count;
		res[1] = MB->irq_vector;
		break;
	}
	case G_IRQ_WINDOW: {
		uint64_t base = MB->irq_count, n = MB->arg[1];
		for (uint64_t i = 0; i < MB->arg[0]; i++)
			__asm__ volatile("" ::: "memory"); /* IF = 0 since the entry */
		res[0] = MB->irq_count - base;
		__asm__ volatile("sti" ::: "memory");
		while (MB->irq_count - base < MB->arg[2] && n--)
			__asm__ volatile("" ::: "memory");
		__asm__ volatile("cli" ::: "memory");
		res[1] = MB->irq_count - base;
		for (uint64_t i = 0; i < 4; i++)
			res[2 + i] = MB->irq_log[(base + i) % 8];
		break;
	}
	case G_READ_SPIN:
		__asm__ volatile("sti" ::: "memory");
		while (!MB->arg[1]) {
			res[1] = *(volatile uint64_t *)(uintptr_t)MB->arg[0];
			res[0]++;
		}
		__asm__ volatile("cli" ::: "memory");
		break;
	case G_EXEC:
		((void (*)(void))(uintptr_t)MB->arg[0])();
		res[0] = 1;
		break;
	case G_XVIO_RING_WRITE: {
		/* The writer's side of a ring direction, by the layout of
		 * guest_abi.h: copy whole words, then publish the tail. */
		volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)MB->arg[0];
		volatile uint64_t *head = (volatile uint64_t *)(r + XVIO_RING_OFF_HEAD);
		volatile uint64_t *tail = (volatile uint64_t *)(r + XVIO_RING_OFF_TAIL);
		volatile uint64_t *data = (volatile uint64_t *)(r + XVIO_RING_HDR);
		uint64_t size = *(volatile uint64_t *)(r + XVIO_RING_OFF_SIZE);
		uint64_t t = *tail, used = t - *head, at = MB->arg[2], sum = MB->arg[4], n = 0;
		if (size == 0 || used > size || ((size | t | at | MB->arg[1]) & 7)) {
			res[2] = 1;
			break;
		}
		while (used + n < size && at + n < MB->arg[1]) {
			uint64_t w = xvio_pattern_word((at + n) >> 3, MB->arg[3]);
			data[((t + n) % size) >> 3] = w;
			sum = xvio_fnv(sum, w);
			n += 8;
		}
		__asm__ volatile("" ::: "memory");
		*tail = t + n;
		res[0] = n;
		res[1] = sum;
		break;
	}
	case G_XVIO_POST: {
		uint64_t regs[6], st = 0, n = 0;
		while (n < MB->arg[7]) {
			for (int i = 0; i < 6; i++)
				regs[i] = MB->arg[1 + i];
			regs[3] += n;
			st = amd ? guest_vmmcall(MB->arg[0], regs) : guest_vmcall(MB->arg[0], regs);
			if (st)
				break;
			n++;
		}
		res[0] = n;
		res[1] = st;
		break;
	}
	default:
		res[7] = 0xBAD0000000000000ull | cmd;
		break;
	}
}

void guest_main(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	amd = r[1] == 0x68747541u; /* "Auth" */
	MB->magic = GUEST_MAGIC;
	MB->entries++;
	for (;;) {
		uint64_t cmd = MB->cmd;
		MB->started++;
		for (int i = 0; i < 8; i++)
			MB->res[i] = 0;
		do_cmd(cmd);
		MB->done++;
		__asm__ volatile("cli; hlt" ::: "memory");
	}
}
