# The ABI description (abi/mv-abi.toml) and what is generated from it
# (docs/abi.md):
#
#   ${MV_GEN_INCLUDE_DIR}/microv/{mv_abi.h,mv_reg.h,mv_catalog.h}   the C headers
#   ${MV_EXPECT_ABI_H}        the probes' EXP_ values (expect_abi.h)
#   ${MV_ABI_ITEMS_JSON}      the conformance matrix's rows (abi-items.json)
#
# They are written at configure time (so they exist for everything CMake
# checks) and again at build time by the target `mv_abi_headers` whenever the
# description or the generator changes.  mv_abi_wire_targets(), called at the
# end of the top-level CMakeLists, puts ${MV_GEN_INCLUDE_DIR} in front of
# ${MV_INCLUDE_DIR} on every target that includes <microv/...> and makes it
# depend on mv_abi_headers: no subdirectory needs to know.

set(MV_PYTHON /usr/bin/python3 CACHE FILEPATH "Python 3.11+ (the ABI generator, pytest for the suites)")
set(MV_ABI_FILE ${CMAKE_SOURCE_DIR}/abi/mv-abi.toml CACHE FILEPATH
    "The ABI description the headers, the probes' expectations and the item list are generated from")

set(MV_GEN_INCLUDE_DIR ${CMAKE_BINARY_DIR}/include)
set(MV_EXPECT_ABI_DIR ${CMAKE_BINARY_DIR}/guest-probes/include)
set(MV_EXPECT_ABI_H ${MV_EXPECT_ABI_DIR}/expect_abi.h)
set(MV_ABI_ITEMS_JSON ${CMAKE_BINARY_DIR}/conformance/abi-items.json)
# Both include directories, generated first, for targets that want them explicitly.
set(MV_INCLUDE_DIRS ${MV_GEN_INCLUDE_DIR} ${MV_INCLUDE_DIR})

set(MV_ABI_GEN ${CMAKE_SOURCE_DIR}/scripts/abi-gen)
file(GLOB MV_ABI_GEN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/abi/mvabi/*.py)
set(MV_ABI_GEN_ARGS --abi ${MV_ABI_FILE} --include-dir ${MV_GEN_INCLUDE_DIR}
    --expect ${MV_EXPECT_ABI_H} --items ${MV_ABI_ITEMS_JSON})
set(MV_ABI_OUTPUTS
    ${MV_GEN_INCLUDE_DIR}/microv/mv_abi.h ${MV_GEN_INCLUDE_DIR}/microv/mv_reg.h
    ${MV_GEN_INCLUDE_DIR}/microv/mv_catalog.h ${MV_EXPECT_ABI_H} ${MV_ABI_ITEMS_JSON})

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
    COMMENT "abi-gen: headers, expect_abi.h and abi-items.json from ${MV_ABI_FILE}")
add_custom_target(mv_abi_headers ALL DEPENDS ${_mv_abi_stamp})

function(_mv_abi_collect_targets dir out)
  get_property(tgts DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _mv_abi_collect_targets(${sub} sub_tgts)
    list(APPEND tgts ${sub_tgts})
  endforeach()
  set(${out} ${tgts} PARENT_SCOPE)
endfunction()

# Every compiled target whose include path (or a linked target's interface)
# has ${MV_INCLUDE_DIR}: the generated directory goes right before it, and
# the target depends on the generation step.
function(mv_abi_wire_targets)
  _mv_abi_collect_targets(${CMAKE_SOURCE_DIR} all)
  set(compiled EXECUTABLE STATIC_LIBRARY SHARED_LIBRARY MODULE_LIBRARY OBJECT_LIBRARY)
  set(wired)
  foreach(t ${all})
    get_target_property(type ${t} TYPE)
    if(NOT type IN_LIST compiled)
      continue()
    endif()
    set(uses FALSE)
    foreach(prop INCLUDE_DIRECTORIES INTERFACE_INCLUDE_DIRECTORIES)
      get_target_property(inc ${t} ${prop})
      if(inc)
        list(FIND inc ${MV_INCLUDE_DIR} i)
        list(FIND inc ${MV_GEN_INCLUDE_DIR} g)
        if(i GREATER -1 AND (g EQUAL -1 OR g GREATER i))
          if(g GREATER i)
            list(REMOVE_AT inc ${g})
          endif()
          list(INSERT inc ${i} ${MV_GEN_INCLUDE_DIR})
          set_property(TARGET ${t} PROPERTY ${prop} "${inc}")
        endif()
        if(i GREATER -1)
          set(uses TRUE)
        endif()
      endif()
    endforeach()
    get_target_property(libs ${t} LINK_LIBRARIES)
    foreach(l ${libs})
      if(TARGET ${l})
        get_target_property(linc ${l} INTERFACE_INCLUDE_DIRECTORIES)
        if(linc AND ${MV_INCLUDE_DIR} IN_LIST linc)
          set(uses TRUE)
        endif()
      endif()
    endforeach()
    if(uses)
      add_dependencies(${t} mv_abi_headers)
      list(APPEND wired ${t})
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY MV_ABI_WIRED_TARGETS ${wired})
  list(LENGTH wired n)
  message(STATUS "ABI headers: ${MV_GEN_INCLUDE_DIR} (from ${MV_ABI_FILE}) first for ${n} targets")
endfunction()
