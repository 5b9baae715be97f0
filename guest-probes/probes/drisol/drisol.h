/*
 * drisol: the layout of the page the root shares with the guest (main.c
 * and snippet.S): the snippet's code from offset 0, its data at DRI_DATA.
 */
#ifndef DRISOL_H
#define DRISOL_H

#define DRI_DATA 0x800 /* data block, from the page's start */
#define DRI_SEEN 0x00  /* u64[4]: DR0..DR3 as the guest found them (guest) */
#define DRI_SET  0x20  /* u64[4]: what the guest then loads into DR0..DR3 (root) */

#endif /* DRISOL_H */
