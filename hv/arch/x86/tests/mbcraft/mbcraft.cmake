# mbcraft (main.c): a multiboot loader that boots microv-hv.elf with crafted
# multiboot information, and the CTests hv.svm.boot-mb-<scenario> that run it
# under QEMU (included by hv/arch/x86/CMakeLists.txt).  Each checks the
# hypervisor's own words for the scenario: a boot that works ends with the
# probe's SUCCESS, a refused one with the reason and "boot failed".
set(MBCRAFT_DIR ${CMAKE_CURRENT_LIST_DIR})
add_executable(hv-test-mbcraft ${MBCRAFT_DIR}/entry.S ${MBCRAFT_DIR}/main.c ${MBCRAFT_DIR}/acpi.c
  ${MBCRAFT_DIR}/lib.c)
target_include_directories(hv-test-mbcraft PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_options(hv-test-mbcraft PRIVATE -m32 -O2 -ffreestanding -fno-pic -fno-pie
    -fno-stack-protector -fno-tree-loop-distribute-patterns -mno-sse -mno-mmx)
target_link_options(hv-test-mbcraft PRIVATE -m32 -nostdlib -static -no-pie
    -Wl,-T,${MBCRAFT_DIR}/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
set_target_properties(hv-test-mbcraft PROPERTIES
    OUTPUT_NAME mbcraft SUFFIX ".elf"
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/hv/tests-x86
    LINK_DEPENDS ${MBCRAFT_DIR}/link.ld)

find_program(QEMU_SYSTEM_X86_64 qemu-system-x86_64)
if(QEMU_SYSTEM_X86_64)
  # scenario, then what the run must print (hypervisor log, probe verdict).
  set(mbcraft_ok "MVP END probe=selftest result=SUCCESS")
  set(mbcraft_failed "; halted")
  set(mbcraft_low "boot: module 0 moved from 0x100000 to 0x4000000 \\(below the load address\\).*${mbcraft_ok}")
  set(mbcraft_mem "boot: image moved from 0x4000000 .*, 2 RAM ranges, 1 modules.*${mbcraft_ok}")
  # No memory map: no firmware range is known, none is mapped for the root.
  set(mbcraft_mem_never "|firmware memory \\(reserved, ACPI\\) mapped")
  set(mbcraft_nomap "boot: the boot loader gave no memory map.*boot failed: bad multiboot information${mbcraft_failed}")
  set(mbcraft_badmagic "boot: not started by a multiboot loader \\(eax 0x1badb002\\).*boot failed: bad multiboot information${mbcraft_failed}")
  set(mbcraft_nomods "boot: no modules: pass the root OS.*boot failed: bad multiboot information${mbcraft_failed}")
  set(mbcraft_manymods "boot: more than 16 modules; the rest are ignored.*boot: the image stays at its load address \\(no room at the top of RAM, or more than 16 modules\\).*boot: image 0x4000000-0x4[0-9a-f]+ \\(pool 0x[0-9a-f]+-0x[0-9a-f]+\\), [0-9]+ RAM ranges, 16 modules.*${mbcraft_ok}")
  set(mbcraft_overlap "boot: module 1 at 0x4000000-0x4001000 overlaps the hypervisor image 0x4000000-.*boot failed: bad multiboot information${mbcraft_failed}")
  set(mbcraft_ranges "boot: more than 16 RAM ranges; .* ignored.*boot: more than 16 firmware ranges; 0xff00[0-9a-f]+000-0xff0[0-9a-f]+000 \\(type 2\\) ignored.*${mbcraft_ok}")
  set(mbcraft_nopool "boot: no 0x2000000 bytes of free RAM below 4 GiB for the page pool.*boot failed: bad multiboot information${mbcraft_failed}")
  set(mbcraft_noacpi "iommu: no IVRS or DMAR in ACPI.*tsc: [0-9]+ kHz \\(PIT, median of 3\\).*smp: 2 PPs online \\(BSP apic 0; no usable MADT: waited 100 ms\\).*${mbcraft_ok}")
  set(mbcraft_acpibad "acpi: RSDP at 0x[0-9a-f]+: bad extended checksum or length 36, ignored.*acpi: XSDT at 0x100000000 is out of reach, ignored.*acpi: table FACP at 0x[0-9a-f]+: bad length 2097152, ignored.*tsc: [0-9]+ kHz \\(PIT, median of 3\\).*acpi: table APIC at 0x[0-9a-f]+: bad checksum, ignored.*smp: 2 PPs online \\(BSP apic 0; no usable MADT.*dma=protected\\(amd-iommu\\).*${mbcraft_ok}")
  set(mbcraft_madt "smp: 2 PPs online \\(BSP apic 0; the MADT lists 2\\).*${mbcraft_ok}")
  # No ACPI and no PIT (-machine pit=off): no reference clock at all.
  set(mbcraft_noclock "tsc: 2000000 kHz \\(assumed \\(no reference clock\\)\\).*${mbcraft_ok}")
  set(mbcraft_noclock_scenario noacpi)
  set(mbcraft_noclock_qemu " -machine pit=off")
  foreach(s low mem nomap badmagic nomods manymods overlap ranges nopool noacpi acpibad madt noclock)
    set(sc ${s})
    if(DEFINED mbcraft_${s}_scenario)
      set(sc ${mbcraft_${s}_scenario})
    endif()
    add_test(NAME hv.svm.boot-mb-${s}
             COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-hv-qemu --timeout 60
                     --hv ${CMAKE_BINARY_DIR}/hv/tests-x86/mbcraft.elf
                     --qemu-args "-append scenario=${sc}${mbcraft_${s}_qemu}"
                     ${CMAKE_BINARY_DIR}/hv/microv-hv.elf ${CMAKE_BINARY_DIR}/guest-probes/selftest.elf)
    set_tests_properties(hv.svm.boot-mb-${s} PROPERTIES
        ENVIRONMENT "MV_COV_NAME=boot-mb-${s}"
        PASS_REGULAR_EXPRESSION "${mbcraft_${s}}"
        FAIL_REGULAR_EXPRESSION "mbcraft: error${mbcraft_${s}_never}")
  endforeach()
endif()
