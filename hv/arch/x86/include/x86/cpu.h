/* Inline helpers for the x86 instructions the arch layer needs. */
#ifndef X86_CPU_H
#define X86_CPU_H

#include <hv/arch/core.h>

#define MSR_APIC_BASE 0x0000001Bu
#define MSR_PAT 0x00000277u
#define MSR_EFER_NUM 0xC0000080u
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)

#define RFLAGS_IF (1ull << 9)

/* IA32_PAT at reset: WB WT UC- UC WB WT UC- UC. */
#define DEFAULT_PAT 0x0007040600070406ull

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                           \
	static inline uint64_t read_cr##n(void)                                \
	{                                                                      \
		uint64_t v;                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));              \
		return v;                                                      \
	}                                                                      \
	static inline void write_cr##n(uint64_t v)                             \
	{                                                                      \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");       \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
DEFINE_CR(8)
#undef DEFINE_CR

static inline uint64_t read_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr6" ::"r"(v));
}

/* common/cpu_vendor.c: the one place that tells the CPU vendor and whether
 * it has the virtualization extension a backend needs. */
enum x86_vendor { X86_VENDOR_OTHER, X86_VENDOR_INTEL, X86_VENDOR_AMD };

/* CPUID 0's vendor string into `name` (NUL-terminated), classified. */
enum x86_vendor x86_cpu_vendor(char name[13]);

/* Intel VMX: CPUID 1 ECX[5]. */
bool x86_cpu_has_vmx(void);

/* AMD SVM: CPUID 0x80000001 ECX[2] (false without that leaf). */
bool x86_cpu_has_svm(void);

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

HV_NORETURN static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif /* X86_CPU_H */
