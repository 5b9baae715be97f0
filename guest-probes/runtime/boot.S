/*
 * Multiboot v1 header and the 32-bit entry: stack, GDT, identity-mapped
 * page tables for the first 4 GiB (2 MiB pages, no NX), PAE, EFER.LME,
 * paging, far jump to 64-bit code, then rt_main(magic, mbi).
 *
 * The entry stores nothing but the two words of rt_mb_magic/rt_mb_info:
 * the page tables are built by the assembler in .data, and .bss is zeroed
 * by the boot loader (Multiboot 1, section 3.1.3: bss_end_addr, "the boot
 * loader initializes this area to zero"; the hypervisor's hv/core/
 * mb_loader.c, QEMU's and GRUB's loaders do).  Every guest store is dear
 * on an emulator (docs/performance.md, "mvsim", "Stop 11, later"): zeroing 53 KiB
 * and filling 2048 PD entries here were most of an empty run on mvsim.
 *
 * The header uses the address fields (flag 16, "a.out kludge"): QEMU's
 * -kernel refuses a 64-bit ELF without them.  Flag 1 asks for memory info.
 */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00010002
#define MB_CHECKSUM     (-(MB_MAGIC + MB_FLAGS))

#define SEL_CODE64      0x08
#define SEL_DATA        0x10

#define CR0_PE          0x00000001
#define CR0_PG          0x80000000
#define CR4_PAE         0x00000020
#define MSR_EFER        0xC0000080
#define EFER_LME        0x00000100

#define PTE_P           0x001
#define PTE_RW          0x002
#define PTE_PS          0x080

#define STACK_SIZE      0x4000

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long MB_CHECKSUM
	.long mb_header         /* header_addr */
	.long _load_start       /* load_addr */
	.long _load_end         /* load_end_addr */
	.long _bss_end          /* bss_end_addr */
	.long _start32          /* entry_addr */

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, rt_mb_magic
	movl %ebx, rt_mb_info
	movl $(boot_stack + STACK_SIZE), %esp

	lgdt gdt_desc

	movl %cr4, %eax                 /* PAE before PG (simulator pitfall 4) */
	orl $CR4_PAE, %eax
	movl %eax, %cr4

	movl $pml4, %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx            /* LME only: no NXE, no SCE */
	rdmsr
	orl $EFER_LME, %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0

	ljmp $SEL_CODE64, $start64

	.code64
start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $(boot_stack + STACK_SIZE), %rsp
	xorl %ebp, %ebp
	movl rt_mb_magic, %edi
	movl rt_mb_info, %esi
	call rt_main
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.balign 16
gdt:
	.quad 0                         /* null */
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: flat data */
	.quad 0x00CF9A000000FFFF        /* 0x18: 32-bit code (unused) */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .data
	.balign 4
	.globl rt_mb_magic, rt_mb_info
rt_mb_magic:
	.long 0
rt_mb_info:
	.long 0

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn[i] -> 2 MiB pages,
	 * identity: 2048 entries cover 4 GiB. */
	.section .data
	.balign 4096
pml4:	.quad pdpt + (PTE_P | PTE_RW)
	.skip 4096 - 8
pdpt:	.quad pd + (PTE_P | PTE_RW)
	.quad pd + 0x1000 + (PTE_P | PTE_RW)
	.quad pd + 0x2000 + (PTE_P | PTE_RW)
	.quad pd + 0x3000 + (PTE_P | PTE_RW)
	.skip 4096 - 4 * 8
pd:	.set pd_i, 0
	.rept 2048
	.quad (pd_i << 21) | (PTE_P | PTE_RW | PTE_PS)
	.set pd_i, pd_i + 1
	.endr

	.section .bss
	.balign 16
boot_stack:
	.skip STACK_SIZE
