# otc_randomness: randomness assurance for padgen (issue 5): Toeplitz extraction, getrandom
# mixing, the entropy report, and the manifest-extension format that records them.
# Included from padgen/CMakeLists.txt; paths are relative to this directory.
add_library(otc_randomness
  ${CMAKE_CURRENT_LIST_DIR}/system_random.cc
  ${CMAKE_CURRENT_LIST_DIR}/manifest_extension.cc
  ${CMAKE_CURRENT_LIST_DIR}/toeplitz.cc
  ${CMAKE_CURRENT_LIST_DIR}/toeplitz_kernels.cc
  ${CMAKE_CURRENT_LIST_DIR}/mix.cc
  ${CMAKE_CURRENT_LIST_DIR}/entropy_estimate.cc
)
target_link_libraries(otc_randomness
  PUBLIC otc_common
  PRIVATE PkgConfig::GF2X PkgConfig::ISAL nlohmann_json::nlohmann_json)
