/*
 * The simulated processor: arch_cpuid_native (what CPUID returns without a
 * hypervisor), arch_tsc_khz, and the vendor's hypercall instruction.  Two
 * deterministic models, picked by --vendor.  Leaf 1 has no
 * hypervisor bit (the core adds it) and no VMX/SVM bit; 0x80000001 has LM but
 * neither NX nor SYSCALL, because Unicorn 2.0.1 cannot set EFER.NXE/SCE.
 * Every other leaf reads as zeros.
 */
#include <string.h>
#include <time.h>

#include "sim.h"

struct cpu_model {
	uint32_t vendor[3];      /* EBX, EDX, ECX of leaf 0 */
	uint32_t signature;      /* leaf 1 EAX */
	const char *brand;       /* leaves 0x80000002..4 */
};

static const struct cpu_model models[] = {
	[SIM_INTEL] = { { 0x756e6547, 0x49656e69, 0x6c65746e }, /* GenuineIntel */
			0x000906EA, "Intel(R) Core(TM) mvsim virtual CPU @ 2.00GHz" },
	[SIM_AMD] = { { 0x68747541, 0x69746e65, 0x444d4163 },   /* AuthenticAMD */
		      0x00A20F10, "AMD Ryzen mvsim virtual CPU" },
};

#define MAX_BASIC_LEAF 0x7u
#define MAX_EXT_LEAF 0x80000004u
/* FPU DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH
 * MMX FXSR SSE SSE2 */
#define LEAF1_EDX 0x078BFBFDu
/* SSE3 SSSE3 CX16 SSE4.1 SSE4.2 POPCNT */
#define LEAF1_ECX 0x00982201u
#define EXT1_EDX_LM (1u << 29)
#define EXT1_ECX_LAHF (1u << 0)

#define SIM_TSC_KHZ 2000000u /* the models' brand strings say 2.00GHz */

uint64_t arch_tsc_khz(void)
{
	return SIM_TSC_KHZ;
}

static uint64_t host_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A PP thread that reads the clock back to back (every read within
 * SPIN_GAP_NS of the one before) for SPIN_MIN_NS is the core spinning until
 * a time or another PP's progress (root_stop_linger's microv.stop_delay_ms,
 * root_stop_machine and occupancy waiting for kicked PPs).  From then on
 * each read first naps, as PAUSE lends a sibling thread the core: an
 * eighth of the time spun so far (at least SPIN_NAP_MIN_NS, at most
 * SPIN_NAP_MAX_NS), so a wait ends at most about an eighth later than it
 * would have.  The wait lasts as long in host time, the other PP threads
 * get the host CPU, and the wait costs a few wake-ups instead of a busy
 * host CPU (rootstopall's 1 s linger was 1 s of CPU).  Reads apart (a
 * hypercall's lock-hold stamps, time-bounded continuations) never nap.
 */
#define SPIN_GAP_NS 2000u
#define SPIN_MIN_NS 50000u
#define SPIN_NAP_MIN_NS 10000u
#define SPIN_NAP_MAX_NS 1000000u

/* The host's monotonic clock in ticks of SIM_TSC_KHZ. */
uint64_t arch_tsc_now(void)
{
	static __thread uint64_t last_ns, spin_since_ns;
	uint64_t ns = host_ns();

	if (ns - last_ns > SPIN_GAP_NS) {
		spin_since_ns = ns;
	} else if (ns - spin_since_ns >= SPIN_MIN_NS) {
		uint64_t nap = (ns - spin_since_ns) / 8u;

		nap = nap < SPIN_NAP_MIN_NS ? SPIN_NAP_MIN_NS : nap > SPIN_NAP_MAX_NS ? SPIN_NAP_MAX_NS : nap;
		nanosleep(&(struct timespec){ .tv_nsec = (long)nap }, NULL);
		ns = host_ns();
	}
	last_ns = ns;
	return ns * (SIM_TSC_KHZ / 1000u) / 1000u;
}

uint8_t cpuid_models_hypercall_modrm(void)
{
	return g_cfg.vendor == SIM_AMD ? 0xD9 : 0xC1;
}

void arch_cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct cpu_model *m = &models[g_cfg.vendor];

	out[0] = out[1] = out[2] = out[3] = 0;
	switch (leaf) {
	case 0:
		out[0] = MAX_BASIC_LEAF;
		out[1] = m->vendor[0];
		out[3] = m->vendor[1];
		out[2] = m->vendor[2];
		break;
	case 1:
		out[0] = m->signature;
		/* CLFLUSH line 8 qwords, logical processors, initial APIC ID */
		out[1] = (8u << 8) | ((uint32_t)g_cfg.cpus << 16) |
			 ((uint32_t)arch_pp_id() << 24);
		out[2] = LEAF1_ECX;
		out[3] = LEAF1_EDX;
		break;
	case 7:
		(void)subleaf; /* subleaf 0: max subleaf 0, no features reported */
		break;
	case 0x80000000:
		out[0] = MAX_EXT_LEAF;
		if (g_cfg.vendor == SIM_AMD) {
			out[1] = m->vendor[0];
			out[3] = m->vendor[1];
			out[2] = m->vendor[2];
		}
		break;
	case 0x80000001:
		if (g_cfg.vendor == SIM_AMD)
			out[0] = m->signature;
		out[2] = EXT1_ECX_LAHF;
		out[3] = EXT1_EDX_LM;
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004: {
		char brand[48] = { 0 };
		size_t n = strlen(m->brand);
		memcpy(brand, m->brand, n < 47 ? n : 47);
		memcpy(out, brand + (leaf - 0x80000002) * 16, 16);
		break;
	}
	default:
		break;
	}
}
