# The ABI description (abi/mv-abi.toml) and what is generated from it
# (docs/abi.md):
#
#   ${MV_GEN_INCLUDE_DIR}/microv/{mv_abi.h,mv_reg.h,mv_catalog.h,mv_wrappers.h}
#                             the C headers (constants, catalogue and decode
#                             table, inline hypercall wrappers)
#   ${MV_EXPECT_ABI_H}        the probes' EXP_ values (expect_abi.h)
#   ${MV_EXIT_H}              the harness's exit codes for the probes (mvp_exit.h)
#   ${MV_ABI_ITEMS_JSON}      the conformance matrix's rows (abi-items.json)
#   ${MV_EXIT_CODES_JSON}     the harness's exit codes for the runner (exit-codes.json)
#
# They are written at configure time (so they exist for everything CMake
# checks) and again at build time by the target `mv_abi_headers` whenever the
# description or the generator changes.  Targets use them by linking one of
# two INTERFACE targets, in their own CMakeLists (one line each):
#
#   target_link_libraries(<t> PRIVATE mv_abi)          <microv/...>: build/include, include/
#   target_link_libraries(<t> PRIVATE mv_expect_abi)   the probes' expect_abi.h

set(MV_PYTHON /usr/bin/python3 CACHE FILEPATH "Python 3.11+ (the ABI generator, pytest for the suites)")
set(MV_ABI_FILE ${CMAKE_SOURCE_DIR}/abi/mv-abi.toml CACHE FILEPATH
    "The ABI description the headers, the probes' expectations and the item list are generated from")

set(MV_GEN_INCLUDE_DIR ${CMAKE_BINARY_DIR}/include)
set(MV_EXPECT_ABI_DIR ${CMAKE_BINARY_DIR}/guest-probes/include)
set(MV_EXPECT_ABI_H ${MV_EXPECT_ABI_DIR}/expect_abi.h)
set(MV_EXIT_H ${MV_EXPECT_ABI_DIR}/mvp_exit.h)
set(MV_ABI_ITEMS_JSON ${CMAKE_BINARY_DIR}/conformance/abi-items.json)
set(MV_EXIT_CODES_JSON ${CMAKE_BINARY_DIR}/conformance/exit-codes.json)

set(MV_ABI_GEN ${CMAKE_SOURCE_DIR}/scripts/abi-gen)
file(GLOB MV_ABI_GEN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/abi/mvabi/*.py)
set(MV_ABI_GEN_ARGS --abi ${MV_ABI_FILE} --include-dir ${MV_GEN_INCLUDE_DIR}
    --expect ${MV_EXPECT_ABI_H} --exit-header ${MV_EXIT_H}
    --items ${MV_ABI_ITEMS_JSON} --exit-codes ${MV_EXIT_CODES_JSON})
set(MV_ABI_OUTPUTS
    ${MV_GEN_INCLUDE_DIR}/microv/mv_abi.h ${MV_GEN_INCLUDE_DIR}/microv/mv_reg.h
    ${MV_GEN_INCLUDE_DIR}/microv/mv_catalog.h ${MV_GEN_INCLUDE_DIR}/microv/mv_wrappers.h
    ${MV_EXPECT_ABI_H} ${MV_EXIT_H} ${MV_ABI_ITEMS_JSON} ${MV_EXIT_CODES_JSON})

execute_process(COMMAND ${MV_PYTHON} ${MV_ABI_GEN} ${MV_ABI_GEN_ARGS}
    RESULT_VARIABLE _mv_abi_rc ERROR_VARIABLE _mv_abi_err)
if(NOT _mv_abi_rc EQUAL 0)
  message(FATAL_ERROR "scripts/abi-gen failed on ${MV_ABI_FILE}:\n${_mv_abi_err}")
endif()

# abi-gen rewrites a file only when its content changes, so an edit that does
# not change a header rebuilds nothing; the stamp records the run.
set(_mv_abi_stamp ${CMAKE_BINARY_DIR}/abi/abi-gen.stamp)
add_custom_command(
    OUTPUT ${_mv_abi_stamp}
    BYPRODUCTS ${MV_ABI_OUTPUTS}
    COMMAND ${MV_PYTHON} ${MV_ABI_GEN} ${MV_ABI_GEN_ARGS} --stamp ${_mv_abi_stamp}
    DEPENDS ${MV_ABI_FILE} ${MV_ABI_GEN} ${MV_ABI_GEN_SOURCES}
    COMMENT "abi-gen: headers, expect_abi.h, mvp_exit.h and the json lists from ${MV_ABI_FILE}")
add_custom_target(mv_abi_headers ALL DEPENDS ${_mv_abi_stamp})

# The explicit wiring: a target that includes <microv/...> links `mv_abi`
# (the generated directory first, then include/, and the generation step
# before its compilation); one that includes the probes' expect.h links
# `mv_expect_abi` (the directory of expect_abi.h, and the same step).
# Interface dependencies reach every consumer (CMake >= 3.19), so touching
# the description rebuilds exactly the targets that link one of them.
add_library(mv_abi INTERFACE)
target_include_directories(mv_abi INTERFACE ${MV_GEN_INCLUDE_DIR} ${MV_INCLUDE_DIR})
add_dependencies(mv_abi mv_abi_headers)

add_library(mv_expect_abi INTERFACE)
target_include_directories(mv_expect_abi INTERFACE ${MV_EXPECT_ABI_DIR})
add_dependencies(mv_expect_abi mv_abi_headers)
