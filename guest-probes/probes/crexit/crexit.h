/*
 * crexit: the layout of the page the root shares with the guest (shared by
 * main.c and snippet.S): the snippet's code from offset 0, its data block at
 * CRX_DATA (the operation, its value, the results, the snippet's IDT).
 */
#ifndef CREXIT_H
#define CREXIT_H

#define CRX_DATA          0x800   /* data block, from the page's start */
#define CRX_OP            0x00    /* u64: CRX_OP_* (root) */
#define CRX_VAL           0x08    /* u64: the value written (root) */
#define CRX_OUT           0x10    /* u64: the register after the instruction (guest) */
#define CRX_VEC           0x18    /* u64: 13 after a #GP, else CRX_NO_VECTOR (guest) */
#define CRX_ERR           0x20    /* u64: the #GP's error code (guest) */
#define CRX_RSP           0x28    /* u64: RSP to resume at after a #GP (guest) */
#define CRX_SAVED_IDTR    0x30    /* 10 bytes: the agent's IDTR (guest) */
#define CRX_IDTR          0x40    /* 10 bytes: the snippet's IDTR (guest) */
#define CRX_IDT           0x100   /* 14 gates of 16 bytes; only #GP is present */

#define CRX_NO_VECTOR     0xFF

#define CRX_OP_RD_CR0     0
#define CRX_OP_WR_CR0     1
#define CRX_OP_RD_CR4     2
#define CRX_OP_WR_CR4     3
#define CRX_OP_RD_CR3     4
#define CRX_OP_WR_CR3     5
#define CRX_OP_CLTS       6
#define CRX_OP_LMSW       7

#endif /* CREXIT_H */
