# Coverage of the bare-metal image (included by hv/arch/x86/CMakeLists.txt).
#
# -DMV_COVERAGE=ON (make coverage): microv-hv is compiled with
# -fprofile-arcs -ftest-coverage at -O0, its gcov_info pointers in section
# gcov_info (no constructors), and linked with the freestanding runtime in
# this directory (gcov.c, gcda.c), which writes the counters to port 0xE9
# when the run ends.  coverage/README.md.
#
# Always: hv.svm.boot-fails-without-npt boots the image on an SVM CPU without
# nested paging: a boot failure through arch_halt, the path whose coverage
# dump make coverage checks (the panic/exception path ends the same way).
# CTest cov.gcda checks the serialiser (gcda.c) against libgcov's
# own __gcov_info_to_gcda, byte for byte, and that gcov reads the result.

if(MV_COVERAGE)
  target_sources(microv-hv PRIVATE ${CMAKE_CURRENT_LIST_DIR}/gcov.c ${CMAKE_CURRENT_LIST_DIR}/gcda.c
      ${CMAKE_CURRENT_LIST_DIR}/loaded.c)
  target_compile_definitions(microv-hv PRIVATE MV_COVERAGE=1)
  target_compile_options(microv-hv PRIVATE
      -O0 -fprofile-arcs -ftest-coverage -fprofile-info-section=gcov_info
      # Several PPs bump the same counters: a plain add loses some, and gcov
      # then derives negative counts for the arcs it does not count itself.
      -fprofile-update=atomic)
  # The runtime itself is not instrumented (it reads the counters it would bump).
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/gcov.c ${CMAKE_CURRENT_LIST_DIR}/gcda.c
      ${CMAKE_CURRENT_LIST_DIR}/loaded.c TARGET_DIRECTORY microv-hv PROPERTIES COMPILE_OPTIONS "-fno-profile-arcs;-fno-test-coverage")
endif()

find_library(MV_LIBGCOV gcov PATHS /usr/lib/gcc/x86_64-linux-gnu/12 NO_DEFAULT_PATH)
find_program(MV_GCOV gcov)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU" AND CMAKE_C_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_C_COMPILER_VERSION VERSION_LESS 13 AND MV_LIBGCOV AND MV_GCOV)
  add_library(cov_test_sample OBJECT ${CMAKE_CURRENT_LIST_DIR}/test_sample.c)
  target_compile_options(cov_test_sample PRIVATE
      -O0 -fprofile-arcs -ftest-coverage -fprofile-info-section=gcov_info)
  add_executable(cov-test-gcda ${CMAKE_CURRENT_LIST_DIR}/test_gcda.c
      ${CMAKE_CURRENT_LIST_DIR}/gcda.c $<TARGET_OBJECTS:cov_test_sample>)
  target_link_libraries(cov-test-gcda PRIVATE ${MV_LIBGCOV})
  set(cov_sample_gcda ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/cov_test_sample.dir/cov/test_sample.c.gcda)
  add_test(NAME cov.gcda COMMAND cov-test-gcda ${cov_sample_gcda})
  # gcov must read the image: 2001 calls of sample_classify, sample_unused never.
  add_test(NAME cov.gcda-gcov
      COMMAND ${CMAKE_COMMAND} -E chdir ${CMAKE_CURRENT_BINARY_DIR}
              ${MV_GCOV} --stdout --function-summaries
              ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/cov_test_sample.dir/cov/test_sample.c.o)
  set_tests_properties(cov.gcda-gcov PROPERTIES DEPENDS cov.gcda FIXTURES_REQUIRED cov_gcda
      PASS_REGULAR_EXPRESSION "2001:[ ]+[0-9]+:int sample_classify.*#####:[ ]+[0-9]+:int sample_unused")
  set_tests_properties(cov.gcda PROPERTIES FIXTURES_SETUP cov_gcda)
endif()

find_program(QEMU_SYSTEM_X86_64 qemu-system-x86_64)
# Coverage builds: the code run at the load address before the image moves
# to the top of RAM is counted (cov/loaded.c): boot_relocate once, place_top
# twice, as gcov reads the image's dump.
if(MV_COVERAGE AND QEMU_SYSTEM_X86_64 AND MV_GCOV)
  add_test(NAME cov.relocated-counters
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_relocated.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  set_tests_properties(cov.relocated-counters PROPERTIES
      PASS_REGULAR_EXPRESSION "[ ]1:[ ]+[0-9]+:uint64_t boot_relocate.*[ ]2:[ ]+[0-9]+:uint64_t place_top")
endif()
if(QEMU_SYSTEM_X86_64)
  add_test(NAME hv.svm.boot-fails-without-npt
           COMMAND ${CMAKE_SOURCE_DIR}/scripts/run-hv-qemu --timeout 60
                   ${CMAKE_BINARY_DIR}/guest-probes/cpuid.elf)
  set_tests_properties(hv.svm.boot-fails-without-npt PROPERTIES
      ENVIRONMENT "MV_HV_ELF=${CMAKE_BINARY_DIR}/hv/microv-hv.elf;MV_QEMU_CPU=qemu64,+svm;MV_COV_NAME=boot-fails-without-npt"
      PASS_REGULAR_EXPRESSION "svm: pp 0: the CPU has no nested paging.*boot failed")
endif()
