# ctest client_links_no_padstore: the otc binary must contain no padstore code.
#   cmake -DBINARY=<path to otc> -P check_no_padstore.cmake
# Positive control first: the binary's symbol table is readable and has client symbols,
# so an empty or stripped listing cannot pass by accident.
execute_process(COMMAND nm -C "${BINARY}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${BINARY}: ${err}")
endif()
if(NOT symbols MATCHES "otc::client::ParseCommand")
  message(FATAL_ERROR "no otc::client symbols in ${BINARY}: cannot check it")
endif()
string(REGEX MATCHALL "[^\n]*otc::padstore::[^\n]*" hits "${symbols}")
if(hits)
  list(LENGTH hits n)
  list(GET hits 0 first)
  message(FATAL_ERROR "${BINARY} contains ${n} padstore symbols, e.g. ${first}: the client "
                      "must never link padstore")
endif()
message(STATUS "ok: ${BINARY} has no padstore code")
