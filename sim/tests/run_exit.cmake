# mvsim ARG must exit EXPECT with a stderr line matching MATCH (a regex).
execute_process(COMMAND ${MVSIM} ${ARG} RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
message("stderr:\n${err}")
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "mvsim exited ${rc}, expected ${EXPECT}")
endif()
if(NOT err MATCHES "${MATCH}")
  message(FATAL_ERROR "stderr does not say '${MATCH}'")
endif()
