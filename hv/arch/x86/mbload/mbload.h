/*
 * mbload: a BIOS boot loader for Multiboot (v1) kernels on a disk image,
 * the Bochs backends' replacement for GRUB (docs/boot.md "mbload").
 * What the boot sector, the BIOS helpers (bios.S) and the second stage
 * (main.c) share, and the disk layout that conformance/mvconf/mbdisk.py
 * writes:
 *
 *   LBA 0                 the boot sector (this loader's first 512 bytes)
 *   LBA 1 ..              the second stage (__stage2_sectors sectors)
 *   LBA MBL_MANIFEST_LBA  the manifest (struct mbl_manifest, at most
 *                         MBL_MANIFEST_BYTES: the files and their strings)
 *   after it              the files, each starting on a sector
 *
 * File 0 is the kernel (its string is the kernel's command line), files
 * 1..n are the modules in order (each string is the module's).
 */
#ifndef MBLOAD_H
#define MBLOAD_H

#include <stdint.h>

#define MBL_MANIFEST_LBA 80u
#define MBL_MANIFEST_BYTES 4096u
#define MBL_MAGIC "MBLOAD1"           /* 8 bytes with the NUL */
#define MBL_MAX_FILES 17u             /* the kernel and 16 modules */

/* The disk bounce buffer: the BIOS reads here (segment 0x1000), the second
 * stage copies on to the file's place above 1 MiB. */
#define MBL_BOUNCE 0x10000u
#define MBL_BOUNCE_SECTORS 64u

struct mbl_file {
	uint32_t lba;                  /* first sector */
	uint32_t bytes;                /* its size */
	uint32_t string;               /* offset of its string in the manifest */
};

struct mbl_manifest {
	char magic[8];
	uint32_t count;                /* files: 1 (the kernel) + modules */
	uint32_t reserved;
	struct mbl_file file[];
};

/* int 13h AH=42h (EDD extended read) with the packet at `dap` (below 64 KiB):
 * 0 or the BIOS's error status. */
struct mbl_dap {
	uint8_t size, zero;
	uint16_t count;
	uint16_t offset, segment;
	uint64_t lba;
};
uint32_t mbl_bios_read(uint32_t drive, struct mbl_dap *dap);

/* int 15h EAX=E820h: the entry's size (20 or 24) written to `buf` (below
 * 64 KiB), 0 when the BIOS gives none; *cont is EBX in and out (0 after
 * the last entry). */
uint32_t mbl_bios_e820(uint32_t *cont, void *buf);

/* Flat 4 GiB data segments in real mode ("unreal mode"): DS, ES, FS, GS
 * keep a 4 GiB limit with base 0, so the second stage reaches all memory. */
void mbl_unreal(void);

/* The way into the kernel.  A segment below 1 MiB is staged above it and
 * moved by mbl_tramp, after the last BIOS call (the loader, its stack, the
 * bounce buffer and the BIOS's data live there until then). */
#define MBL_MAX_MOVES 16u
struct mbl_move {
	uint32_t dst, src, len;        /* copy len bytes from src to dst */
	uint32_t zero;                 /* then zero this many bytes after them */
};
struct mbl_handoff {                   /* bios.S reads it by these offsets */
	uint32_t entry;                /* 0: the kernel's entry */
	uint32_t mbi;                  /* 4: the information structure */
	uint32_t count;                /* 8: moves */
	struct mbl_move move[MBL_MAX_MOVES];   /* 12: 16 bytes each */
};
_Static_assert(__builtin_offsetof(struct mbl_handoff, move) == 12, "bios.S mbl_tramp");

/* mbl_tramp..mbl_tramp_end: 32-bit code that uses no stack and no address
 * of its own (main.c copies it above 1 MiB): with EBP = the handoff it
 * makes the moves, then enters the kernel with EAX = MB_BOOT_MAGIC, EBX =
 * mbi. */
extern const char mbl_tramp[], mbl_tramp_end[];

/* Protected mode with flat 32-bit segments, interrupts off, paging off (the
 * Multiboot machine state, 3.2), then a jump to the copy of mbl_tramp at
 * `tramp` with EBP = `handoff`. */
__attribute__((noreturn)) void mbl_enter(uint32_t tramp, uint32_t handoff);

__attribute__((noreturn)) void mbload_main(uint32_t drive);

#endif /* MBLOAD_H */
