/*
 * The vendor-neutral VM-exit model.
 *
 * Every backend (SVM, VMX, the simulator) turns its native exit (an SVM
 * EXITCODE, a VMX basic exit reason, a Unicorn hook) into one struct hv_exit
 * and hands it to core_handle_exit() (hv/arch/core.h).  The core never sees a native exit code
 * except in `raw`, which is only printed in diagnostics.
 */
#ifndef HV_ARCH_EXIT_H
#define HV_ARCH_EXIT_H

#include <hv/types.h>

enum hv_exit_type {
	HV_EXIT_NONE = 0,
	HV_EXIT_CPUID,          /* CPUID executed; leaf/subleaf in RAX/RCX       */
	HV_EXIT_HYPERCALL,      /* the vendor's hypercall insn (VMCALL/VMMCALL)  */
	HV_EXIT_HLT,            /* HLT executed                                  */
	HV_EXIT_IO,             /* intercepted port I/O (u.io)                   */
	HV_EXIT_MSR,            /* intercepted RDMSR/WRMSR (u.msr)               */
	HV_EXIT_PAUSE,          /* PAUSE executed (intercepted for guest VMs)    */
	HV_EXIT_SLPT_VIOLATION, /* EPT violation / NPT fault (u.slpt)            */
	HV_EXIT_EXCEPTION,      /* intercepted guest exception (u.exc)           */
	HV_EXIT_EXTINT,         /* a physical interrupt arrived                  */
	HV_EXIT_PREEMPT,        /* the backend's time slice expired              */
	HV_EXIT_TRIPLE_FAULT,   /* shutdown: the guest cannot continue           */
	HV_EXIT_ENTRY_FAILURE,  /* VM entry failed (u.entry)                     */
	HV_EXIT_HOST_STOP,      /* the platform asks the PP loop to stop (sim)   */
	HV_EXIT_UNKNOWN,        /* anything else: raw holds the native code      */
	HV_EXIT_IRQ_WINDOW,     /* the window arch_vps_request_window asked for   */
	HV_EXIT_UD,             /* a VMX/SVM instruction the VM's CPUID hides    */
	HV_EXIT_INVD,           /* INVD (SVM intercepts it): a no-op, E-59       */
	HV_EXIT_TYPE_COUNT
};

/* Access kinds for HV_EXIT_SLPT_VIOLATION (bit set). */
#define HV_ACCESS_READ  0x1u
#define HV_ACCESS_WRITE 0x2u
#define HV_ACCESS_EXEC  0x4u

struct hv_exit {
	enum hv_exit_type type;
	/* RIP of the instruction that caused the exit. */
	uint64_t rip;
	/*
	 * Length of that instruction when the backend knows it (VMX exit
	 * instruction length, SVM nRIP - RIP, capstone in the simulator);
	 * 0 when unknown, in which case the core uses the architectural length
	 * for the instructions it emulates (CPUID 2, VMCALL/VMMCALL 3, HLT 1).
	 */
	uint32_t insn_len;
	/* Native exit code, for diagnostics only. */
	uint64_t raw;
	union {
		struct {
			uint16_t port;
			uint8_t size;     /* 1, 2 or 4 */
			uint8_t in;       /* 1 = IN, 0 = OUT */
			uint8_t string;   /* INS/OUTS */
			uint8_t rep;
			uint32_t value;   /* OUT: the value written */
		} io;
		struct {
			uint32_t index;
			uint8_t write;    /* 1 = WRMSR, 0 = RDMSR */
			uint64_t value;   /* WRMSR: EDX:EAX */
		} msr;
		struct {
			uint64_t gpa;
			uint64_t gva;     /* valid when gva_valid */
			uint8_t gva_valid;
			uint8_t access;   /* HV_ACCESS_* of the faulting access */
			uint8_t present;  /* the GPA had a mapping (permission fault) */
		} slpt;
		struct {
			uint8_t vector;
			uint8_t has_error;
			uint32_t error;
			uint64_t cr2;     /* #PF only */
		} exc;
		struct {
			uint64_t code;    /* VM-instruction error / SVM EXITCODE */
			uint64_t qual;
		} entry;
	} u;
};

/* The exit type's name, for logs and diagnostics (exit_names.c). */
const char *exit_type_name(enum hv_exit_type type);

/* Events the core asks a backend to inject at the next entry. */
enum hv_event_type {
	HV_EVENT_EXTINT = 0,    /* external interrupt, vector in `vector` */
	HV_EVENT_NMI = 2,
	HV_EVENT_EXCEPTION = 3, /* hardware exception, optional error code */
};

struct hv_event {
	enum hv_event_type type;
	uint8_t vector;
	uint8_t has_error;
	uint32_t error;
};

#endif /* HV_ARCH_EXIT_H */
