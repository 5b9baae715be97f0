/*
 * The AMD SVM VMCB (AMD64 APM vol. 2, appendix B) as byte offsets into its
 * 4 KiB page, and the other SVM constants the backend uses.  Offsets, not a
 * struct, so every field is written exactly where the APM puts it.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <hv/arch/core.h>

/* ---- control area ---- */
#define VMCB_INTERCEPT_CR 0x000      /* u32: reads 15:0, writes 31:16 */
#define VMCB_INTERCEPT_DR 0x004
#define VMCB_INTERCEPT_EXC 0x008     /* u32: one bit per vector */
#define VMCB_INTERCEPT_MISC1 0x00C   /* u32 */
#define VMCB_INTERCEPT_MISC2 0x010   /* u32 */
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_TSC_OFFSET 0x050
#define VMCB_ASID 0x058              /* u32 */
#define VMCB_TLB_CONTROL 0x05C       /* u8 */
#define VMCB_INT_CTL 0x060           /* u32: V_TPR 3:0, V_IRQ 8, V_INTR_MASKING 24 */
#define VMCB_INT_VECTOR 0x064
#define VMCB_INT_STATE 0x068         /* bit 0: interrupt shadow */
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088       /* u64: info 31:0, error code 63:32 */
#define VMCB_NP_CTL 0x090            /* bit 0: nested paging */
#define VMCB_EVENTINJ 0x0A8          /* u64: event 31:0, error code 63:32 */
#define VMCB_N_CR3 0x0B0
#define VMCB_CLEAN 0x0C0
#define VMCB_NRIP 0x0C8

/* MISC1 intercepts */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_PAUSE (1u << 23)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_IOIO (1u << 27)
#define INTERCEPT_MSR (1u << 28)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* MISC2 intercepts */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_XSETBV (1u << 13)

#define INT_CTL_V_TPR 0xFu
#define INT_CTL_V_IRQ (1u << 8)
#define INT_CTL_V_INTR_PRIO (0xFu << 16)
#define INT_CTL_V_IGN_TPR (1u << 20)
#define INT_CTL_V_INTR_MASKING (1u << 24)
#define INT_STATE_SHADOW 1u

#define TLB_CONTROL_FLUSH_ALL 1

/* EVENTINJ / EXITINTINFO */
#define EVENT_VALID (1u << 31)
#define EVENT_ERR_VALID (1u << 11)
#define EVENT_TYPE_INTR (0u << 8)
#define EVENT_TYPE_NMI (2u << 8)
#define EVENT_TYPE_EXC (3u << 8)

/* ---- state save area ---- */
#define VMCB_ES 0x400                /* segment: sel u16, attrib u16, limit u32, base u64 */
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define SEG_SEL 0
#define SEG_ATTRIB 2
#define SEG_LIMIT 4
#define SEG_BASE 8
#define VMCB_CPL 0x4CB               /* u8 */
#define VMCB_EFER 0x4D0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5D8
#define VMCB_RAX 0x5F8
#define VMCB_STAR 0x600
#define VMCB_LSTAR 0x608
#define VMCB_CSTAR 0x610
#define VMCB_SFMASK 0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668

/* ---- EXITCODEs ---- */
#define VMEXIT_EXCP_BASE 0x040
#define VMEXIT_INTR 0x060
#define VMEXIT_NMI 0x061
#define VMEXIT_VINTR 0x064
#define VMEXIT_CPUID 0x072
#define VMEXIT_INVD 0x076
#define VMEXIT_PAUSE 0x077
#define VMEXIT_HLT 0x078
#define VMEXIT_IOIO 0x07B
#define VMEXIT_MSR 0x07C
#define VMEXIT_SHUTDOWN 0x07F
#define VMEXIT_INVLPGA 0x07A
#define VMEXIT_VMRUN 0x080
#define VMEXIT_VMLOAD 0x082
#define VMEXIT_VMSAVE 0x083
#define VMEXIT_STGI 0x084
#define VMEXIT_CLGI 0x085
#define VMEXIT_SKINIT 0x086
#define VMEXIT_VMMCALL 0x081
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID 0xFFFFFFFFFFFFFFFFull
#define VMEXIT_INVALID_32 0xFFFFFFFFull

/* IOIO EXITINFO1 */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ8 (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)

/* NPF EXITINFO1 */
#define NPF_P (1ull << 0)
#define NPF_RW (1ull << 1)
#define NPF_ID (1ull << 4)

/* Permission-map sizes. */
#define IOPM_SIZE (3 * 4096)
#define MSRPM_SIZE (2 * 4096)

static inline uint64_t vmcb_get64(const void *vmcb, unsigned off)
{
	return *(const volatile uint64_t *)((const uint8_t *)vmcb + off);
}
static inline uint32_t vmcb_get32(const void *vmcb, unsigned off)
{
	return *(const volatile uint32_t *)((const uint8_t *)vmcb + off);
}
static inline uint16_t vmcb_get16(const void *vmcb, unsigned off)
{
	return *(const volatile uint16_t *)((const uint8_t *)vmcb + off);
}
static inline uint8_t vmcb_get8(const void *vmcb, unsigned off)
{
	return *(const volatile uint8_t *)((const uint8_t *)vmcb + off);
}
static inline void vmcb_set64(void *vmcb, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)((uint8_t *)vmcb + off) = v;
}
static inline void vmcb_set32(void *vmcb, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)((uint8_t *)vmcb + off) = v;
}
static inline void vmcb_set16(void *vmcb, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)((uint8_t *)vmcb + off) = v;
}
static inline void vmcb_set8(void *vmcb, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)((uint8_t *)vmcb + off) = v;
}

#endif /* SVM_VMCB_H */
