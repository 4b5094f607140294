# ctest device_links_no_uring: the device links the store library, which must not need
# liburing (only fsck's bulk scanner does, in otc_padstore_fsck).
#   cmake -DDEVICE=<otc-device> -DPADSTORE=<padstore> -P check_no_uring.cmake
# Positive control first: the padstore tool, which runs fsck, does list liburing, so a
# readelf that shows nothing cannot pass by accident.
function(needed binary out)
  execute_process(COMMAND readelf -d "${binary}" OUTPUT_VARIABLE dyn RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf failed on ${binary}: ${err}")
  endif()
  set(${out} "${dyn}" PARENT_SCOPE)
endfunction()
needed("${PADSTORE}" tool)
if(NOT tool MATCHES "liburing")
  message(FATAL_ERROR "${PADSTORE} does not list liburing: cannot check the device")
endif()
needed("${DEVICE}" device)
if(NOT device MATCHES "NEEDED")
  message(FATAL_ERROR "no NEEDED entries in ${DEVICE}: cannot check it")
endif()
if(device MATCHES "liburing")
  message(FATAL_ERROR "${DEVICE} needs liburing: the store library the device links must "
                      "not pull in fsck's scanner")
endif()
message(STATUS "ok: ${DEVICE} does not need liburing")
