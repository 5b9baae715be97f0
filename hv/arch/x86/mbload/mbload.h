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

/* Protected mode, flat 32-bit segments, EAX = MB_BOOT_MAGIC, EBX = mbi,
 * interrupts off, paging off: the Multiboot machine state (3.2). */
__attribute__((noreturn)) void mbl_enter(uint32_t entry, uint32_t mbi);

__attribute__((noreturn)) void mbload_main(uint32_t drive);

#endif /* MBLOAD_H */
