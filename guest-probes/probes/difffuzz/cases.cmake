# The difffuzz probe's module in the suite: every regression case and the
# make-check set (cases/*.json) packed into one batch (scripts/difffuzz pack).
file(GLOB DIFFFUZZ_CASES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/cases/*.json)
file(GLOB DIFFFUZZ_LIB CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/difffuzz_lib/*.py)
add_custom_command(
    OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/difffuzz-cases.bin
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/difffuzz pack ${CMAKE_CURRENT_BINARY_DIR}/difffuzz-cases.bin
    DEPENDS ${DIFFFUZZ_CASES} ${DIFFFUZZ_LIB} ${PROJECT_SOURCE_DIR}/scripts/difffuzz
    COMMENT "difffuzz: packing the regression cases")
add_custom_target(difffuzz_cases ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/difffuzz-cases.bin)

# difffuzz's own tests: generator, encoding, shrinking, comparison, and the
# probe's decoding of malformed programs on mvsim.
add_test(NAME difffuzz.unit
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/scripts/difffuzz_lib/tests)
set_tests_properties(difffuzz.unit PROPERTIES ENVIRONMENT MV_BUILD_DIR=${CMAKE_BINARY_DIR})
