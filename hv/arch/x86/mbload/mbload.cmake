# mbload: the BIOS boot loader the Bochs backends boot the hypervisor with
# (boot sector + second stage on a disk image; hv/arch/x86/mbload/mbload.h,
# docs/boot.md "mbload").  Not part of the hypervisor: its own flat binary,
# build/hv/mbload.bin, that conformance/mvconf/mbdisk.py puts at LBA 0 of
# each image set's disk.  The second stage is C built with gcc -m16 (32-bit
# code for real mode).  Included by hv/arch/x86/CMakeLists.txt.
set(MBLOAD_DIR ${CMAKE_CURRENT_LIST_DIR})
add_executable(mbload-elf ${MBLOAD_DIR}/sector.S ${MBLOAD_DIR}/bios.S ${MBLOAD_DIR}/main.c)
target_include_directories(mbload-elf PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_options(mbload-elf PRIVATE -m16 -Os -ffreestanding -fno-pic -fno-pie
    -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables
    -fno-tree-loop-distribute-patterns -mno-sse -mno-mmx -Wall -Wextra
    # no inline rep movs/stos: in real mode they would address through SI/DI
    # (16 bits); copies go through loops or copy() (addr32 rep movsl).
    -mstringop-strategy=loop)
# -Os: the build the suite runs (the loader's own time is a few instructions
# beside the BIOS's disk reads).  An -O2 build of an early version hung before
# its first output under Bochs, with a stale disk lock in play (not settled);
# an -O2 build of this version boots the hypervisor the same way.
target_link_options(mbload-elf PRIVATE -m16 -nostdlib -static -no-pie
    -Wl,-T,${MBLOAD_DIR}/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
set_target_properties(mbload-elf PROPERTIES
    OUTPUT_NAME mbload SUFFIX ".elf"
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/hv
    LINK_DEPENDS ${MBLOAD_DIR}/link.ld)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/hv/mbload.bin
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:mbload-elf> ${CMAKE_BINARY_DIR}/hv/mbload.bin
    DEPENDS mbload-elf
    COMMENT "mbload.bin (the Bochs backends' boot loader)")
add_custom_target(mbload ALL DEPENDS ${CMAKE_BINARY_DIR}/hv/mbload.bin)

# Under Bochs: the hypervisor booted by mbload gives the same boot log as
# under GRUB (the probe's SUCCESS; the module GRUB and mbload put at 1 MiB is
# moved above the image), GRUB stays a working option, and mbload refuses a
# file without a Multiboot header with its reason (exit 126).
find_program(MBLOAD_BOCHS bochs)
find_program(MBLOAD_GRUB grub-mkrescue)
set(mbload_loaders mbload)
if(MBLOAD_GRUB)
  list(APPEND mbload_loaders grub)
endif()
if(MBLOAD_BOCHS)
  foreach(loader ${mbload_loaders})
    add_test(NAME hv.vmx.boot-${loader}
             COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-hv-bochs --timeout 120 --loader ${loader}
                     --hv ${CMAKE_BINARY_DIR}/hv/microv-hv.elf
                     ${CMAKE_BINARY_DIR}/guest-probes/selftest.elf)
    set_tests_properties(hv.vmx.boot-${loader} PROPERTIES
        PASS_REGULAR_EXPRESSION "boot: module 0 moved from 0x100000 to .*MVP END probe=selftest result=SUCCESS")
  endforeach()
  add_test(NAME hv.vmx.mbload-no-header
           COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-hv-bochs --timeout 60
                   --hv ${CMAKE_BINARY_DIR}/hv/mbload.bin
                   ${CMAKE_BINARY_DIR}/guest-probes/selftest.elf)
  set_tests_properties(hv.vmx.mbload-no-header PROPERTIES
      PASS_REGULAR_EXPRESSION "mbload: no Multiboot header in the kernel's first 8 KiB, size 0x[0-9a-f]+; halted")
endif()
