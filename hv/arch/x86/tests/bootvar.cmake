# Boot variants QEMU gives by its own options (included by
# hv/arch/x86/CMakeLists.txt): CPUs the hypervisor refuses, one processor,
# RAM above 4 GiB.  Each test checks the hypervisor's own words for the
# variant; named hv.svm.* so that make coverage collects their counters.
find_program(QEMU_SYSTEM_X86_64 qemu-system-x86_64)
if(QEMU_SYSTEM_X86_64)
  set(bootvar_ok "MVP END probe=selftest result=SUCCESS")
  set(bootvar_none "boot failed: no virtualization backend for this CPU; halted")
  # name, run-hv-qemu options, what the run must print
  set(bootvar_intel-without-vmx --cpu qemu64,vendor=GenuineIntel)
  set(bootvar_intel-without-vmx_pass "boot: GenuineIntel CPU without VMX \\(CPUID 1 ECX\\[5\\] = 0\\): no backend.*${bootvar_none}")
  set(bootvar_amd-without-svm --cpu qemu64,-svm)
  set(bootvar_amd-without-svm_pass "boot: AuthenticAMD CPU without SVM \\(CPUID 0x80000001 ECX\\[2\\] = 0\\): no backend.*${bootvar_none}")
  set(bootvar_other-vendor --cpu qemu64,+svm,+npt,vendor=CyrixInstead)
  set(bootvar_other-vendor_pass "boot: CPU vendor \"CyrixInstead\" is neither GenuineIntel with VMX nor AuthenticAMD with SVM: no backend.*${bootvar_none}")
  # One processor: the MADT says so, no INIT-SIPI-SIPI is sent.
  set(bootvar_smp1 --smp 1)
  set(bootvar_smp1_pass "smp: the MADT lists one processor; running on the BSP only.*pps=1 .*${bootvar_ok}")
  # 3 GiB on q35: 2 GiB below 4 GiB, 1 GiB above (the hypervisor maps 0-4 GiB):
  # the image goes to the top of RAM below 2 GiB (its 32-bit addresses; QEMU
  # keeps the last 128 KiB below 2 GiB for the ACPI tables),
  # the pool right below it.
  set(bootvar_mem-3g --mem 3G)
  set(bootvar_mem-3g_pass "boot: image 0x7f[0-9a-f]+-0x7f[0-9a-f]+ \\(pool 0x7d[0-9a-f]+-0x7f[0-9a-f]+\\), 3 RAM ranges.*${bootvar_ok}")
  foreach(v intel-without-vmx amd-without-svm other-vendor smp1 mem-3g)
    add_test(NAME hv.svm.boot-${v}
             COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-hv-qemu --timeout 60 ${bootvar_${v}}
                     ${CMAKE_BINARY_DIR}/guest-probes/selftest.elf)
    set_tests_properties(hv.svm.boot-${v} PROPERTIES
        ENVIRONMENT "MV_HV_ELF=${CMAKE_BINARY_DIR}/hv/microv-hv.elf;MV_COV_NAME=boot-${v}"
        PASS_REGULAR_EXPRESSION "${bootvar_${v}_pass}")
  endforeach()
endif()
