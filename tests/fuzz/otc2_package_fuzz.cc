// otc2 packages: parsing and unpackaging hostile bytes, and the package round trip
// (package_fuzz_common.h).
#include "tests/fuzz/package_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otc::fuzz::FuzzPackage(otc::protocol::Format::kOtc2, data, size);
}
