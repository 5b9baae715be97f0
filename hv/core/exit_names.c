/* Names of the exit types, for logs and diagnostics. */
#include <hv/arch/exit.h>

const char *exit_type_name(enum hv_exit_type type)
{
	static const char *const names[HV_EXIT_TYPE_COUNT] = {
		[HV_EXIT_NONE] = "none",
		[HV_EXIT_CPUID] = "cpuid",
		[HV_EXIT_HYPERCALL] = "hypercall",
		[HV_EXIT_HLT] = "hlt",
		[HV_EXIT_IO] = "io",
		[HV_EXIT_MSR] = "msr",
		[HV_EXIT_PAUSE] = "pause",
		[HV_EXIT_SLPT_VIOLATION] = "slpt-violation",
		[HV_EXIT_EXCEPTION] = "exception",
		[HV_EXIT_EXTINT] = "external-interrupt",
		[HV_EXIT_PREEMPT] = "preempt",
		[HV_EXIT_TRIPLE_FAULT] = "triple-fault",
		[HV_EXIT_ENTRY_FAILURE] = "entry-failure",
		[HV_EXIT_HOST_STOP] = "host-stop",
		[HV_EXIT_UNKNOWN] = "unknown",
		[HV_EXIT_IRQ_WINDOW] = "irq-window",
		[HV_EXIT_UD] = "invalid-opcode",
		[HV_EXIT_INVD] = "invd",
	};

	if ((unsigned)type >= HV_EXIT_TYPE_COUNT || !names[type])
		return "invalid";
	return names[type];
}
