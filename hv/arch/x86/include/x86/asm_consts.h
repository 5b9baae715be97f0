/* Constants shared by the assembly and C parts of the x86 arch layer. */
#ifndef X86_ASM_CONSTS_H
#define X86_ASM_CONSTS_H

#define HV_MAX_PPS_ASM 8        /* == HV_MAX_PPS (hv/arch/core.h), checked in smp.c */
#define TRAMP_ADDR 0x7000       /* the AP real-mode trampoline page */
#define HV_STACK_SIZE 0x4000

#endif
