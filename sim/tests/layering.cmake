# sim.layering: the host part of mvsim (sim/*.c, sim/*.h and its tests in
# sim/tests/) includes nothing of an emulator: no <unicorn/...> header and no
# file of an emulator backend's folder (sim/unicorn/).  Everything it needs
# from an emulator goes through sim/emu.h.
#   cmake -DSIM_DIR=<source>/sim -P layering.cmake
if(NOT SIM_DIR)
  message(FATAL_ERROR "usage: cmake -DSIM_DIR=<source>/sim -P layering.cmake")
endif()
file(GLOB host_files ${SIM_DIR}/*.c ${SIM_DIR}/*.h ${SIM_DIR}/tests/*.c ${SIM_DIR}/tests/*.h)
# Every folder of sim/ but tests/ is an emulator backend.
file(GLOB entries RELATIVE ${SIM_DIR} ${SIM_DIR}/*)
set(backends "")
foreach(e IN LISTS entries)
  if(IS_DIRECTORY ${SIM_DIR}/${e} AND NOT e STREQUAL "tests")
    list(APPEND backends ${e})
  endif()
endforeach()
list(JOIN backends "|" backend_re)
set(bad 0)
foreach(f IN LISTS host_files)
  file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS includes)
    if(line MATCHES "[<\"]unicorn/" OR
       (backend_re AND line MATCHES "[<\"/](${backend_re})/"))
      file(RELATIVE_PATH rel ${SIM_DIR} ${f})
      message(SEND_ERROR "sim/${rel}: the host part includes an emulator: ${line}")
      math(EXPR bad "${bad} + 1")
    endif()
  endforeach()
endforeach()
list(LENGTH host_files n)
if(n EQUAL 0)
  message(FATAL_ERROR "no host files found under ${SIM_DIR}")
endif()
if(bad EQUAL 0)
  message(STATUS "sim.layering: ${n} host files include no emulator (backends: ${backends})")
endif()
