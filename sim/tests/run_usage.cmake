# mvsim with bad arguments must exit 2 and say what is wrong.
execute_process(COMMAND ${MVSIM} ${ARG} RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 30)
message("stderr:\n${err}")
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "mvsim exited ${rc}, expected 2")
endif()
if(NOT err MATCHES "^mvsim: [^\n]+\n")
  message(FATAL_ERROR "no specific error line before the usage text")
endif()
