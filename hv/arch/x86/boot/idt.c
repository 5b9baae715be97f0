/*
 * The hypervisor's IDT: every vector goes to exc_handler, which prints the
 * registers on COM1 (without the console lock: the fault may have happened
 * while holding it), tries to end QEMU through isa-debug-exit, and halts.
 * The hypervisor runs with interrupts disabled, so any vector here is a bug,
 * except the guest time slice's (boot/preempt.c), the kick (boot/kick.c),
 * NMIs (the root's kick or a platform NMI, handed to kick.c) and the APIC's
 * spurious one.
 */
#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>

struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

extern char isr_stubs[];
static struct idt_entry idt[256] __attribute__((aligned(16)));

void exc_handler(struct exc_frame *f);

void idt_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + 16 * i);
		idt[i] = (struct idt_entry){ .off_lo = (uint16_t)a, .sel = 0x18, .type = 0x8E,
					     .off_mid = (uint16_t)(a >> 16),
					     .off_hi = (uint32_t)(a >> 32) };
	}
}

void idt_load(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt
	};
	__asm__ volatile("lidt %0" ::"m"(d));
}

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

void exc_handler(struct exc_frame *f)
{
	if (f->vector == PREEMPT_VECTOR || f->vector == KICK_VECTOR) { /* preempt.c, kick.c */
		preempt_eoi();
		return;
	}
	if (f->vector == SPURIOUS_VECTOR) /* local APIC spurious: no EOI */
		return;
	if (f->vector == 2) { /* a kick or a platform NMI for the root: kick.c */
		kick_nmi(arch_pp_id());
		return;
	}
	serial_printf_raw("\n[hv] HYPERVISOR EXCEPTION on pp %u: vector %llu (%s) error 0x%llx\n",
			  (unsigned)arch_pp_id(), (unsigned long long)f->vector,
			  f->vector < 32 ? exc_names[f->vector] : "unexpected interrupt",
			  (unsigned long long)f->error);
	serial_printf_raw("[hv]   rip %016llx cs %04llx rflags %016llx rsp %016llx ss %04llx\n",
			  (unsigned long long)f->rip, (unsigned long long)f->cs,
			  (unsigned long long)f->rflags, (unsigned long long)f->rsp,
			  (unsigned long long)f->ss);
	serial_printf_raw("[hv]   rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
			  (unsigned long long)f->rax, (unsigned long long)f->rbx,
			  (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	serial_printf_raw("[hv]   rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
			  (unsigned long long)f->rsi, (unsigned long long)f->rdi,
			  (unsigned long long)f->rbp, (unsigned long long)f->r8);
	serial_printf_raw("[hv]   r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
			  (unsigned long long)f->r9, (unsigned long long)f->r10,
			  (unsigned long long)f->r11, (unsigned long long)f->r12);
	serial_printf_raw("[hv]   r13 %016llx r14 %016llx r15 %016llx\n",
			  (unsigned long long)f->r13, (unsigned long long)f->r14,
			  (unsigned long long)f->r15);
	serial_printf_raw("[hv]   cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n",
			  (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
			  (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	serial_printf_raw("[hv] halted\n");
	arch_halt();
}
