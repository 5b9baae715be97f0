/*
 * insnexit: the layout of the page the root shares with the guest (shared
 * by main.c and snippet.S): the snippet's code from offset 0, its data
 * block at IX_DATA (the operation, its inputs and results, the snippet's
 * IDT), and the operation numbers.
 */
#ifndef INSNEXIT_H
#define INSNEXIT_H

#define IX_DATA          0x800   /* data block, from the page's start */
#define IX_OP            0x00    /* u64: IX_OP_* (root) */
#define IX_IN_RAX        0x08    /* u64: RAX for the instruction (root) */
#define IX_IN_RCX        0x10    /* u64: RCX for the instruction (root) */
#define IX_VEC           0x18    /* u64: the exception's vector, else IX_NO_VECTOR (guest) */
#define IX_ERR           0x20    /* u64: a #GP's error code (guest) */
#define IX_RSP           0x28    /* u64: RSP to resume at after an exception (guest) */
#define IX_OUT_RAX       0x30    /* u64: RAX after the instruction (guest) */
#define IX_OUT_RCX       0x38    /* u64: RCX after it (guest) */
#define IX_OUT_RDX       0x40    /* u64: RDX after it (guest) */
#define IX_SAVED_IDTR    0x48    /* 10 bytes: the agent's IDTR (guest) */
#define IX_IDTR          0x58    /* 10 bytes: the snippet's IDTR (guest) */
#define IX_OUT_RBX       0x68    /* u64: RBX after CPUID (guest) */
#define IX_MEM           0x80    /* 16 bytes of zeros: memory operands */
#define IX_IDT           0x100   /* 14 gates of 16 bytes: #UD (6) and #GP (13) */

#define IX_NO_VECTOR     0xFF

#define IX_OP_NOP        0
#define IX_OP_INVD       1
#define IX_OP_WBINVD     2
#define IX_OP_INVLPG     3
#define IX_OP_CPUID      4
#define IX_OP_RDTSCP     5
#define IX_OP_VMXON      6
#define IX_OP_VMXOFF     7
#define IX_OP_VMCLEAR    8
#define IX_OP_VMPTRLD    9
#define IX_OP_VMPTRST    10
#define IX_OP_VMREAD     11
#define IX_OP_VMWRITE    12
#define IX_OP_VMLAUNCH   13
#define IX_OP_VMRESUME   14
#define IX_OP_INVEPT     15
#define IX_OP_INVVPID    16
#define IX_OP_VMFUNC     17
#define IX_OP_VMRUN      18
#define IX_OP_VMLOAD     19
#define IX_OP_VMSAVE     20
#define IX_OP_STGI       21
#define IX_OP_CLGI       22
#define IX_OP_SKINIT     23
#define IX_OP_INVLPGA    24
#define IX_OP_INVPCID    25
#define IX_OP_STI_INVD   26    /* STI; INVD; CLI: INVD in the STI shadow */
#define IX_OP_COUNT      27

#endif /* INSNEXIT_H */
