// The device daemon's RPC request bodies (package, unpackage, cursor) from a hostile
// client. ParseDeviceRequestBody is the one place that names the parser, so the target
// follows the schema wherever it moves.
#include "chat/device/rpc_schema.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void ParseDeviceRequestBody(uint8_t which, std::string_view body) {
  using namespace otc::device;
  const SchemaLimits limits{.max_message = 4096, .max_package = 8192};
  switch (which % 3) {
    case 0: {
      auto r = ParsePackageRequest(body, limits);
      if (r.ok()) otc::fuzz::FuzzCheck(r->message.size() <= limits.max_message, "message bound");
      break;
    }
    case 1: {
      auto r = ParseUnpackageRequest(body, limits);
      (void)r;
      break;
    }
    default:
      (void)ParseCursorRequest(body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParseDeviceRequestBody(data[0], otc::fuzz::AsText(data + 1, size - 1));
  return 0;
}
