// The device RPC (chat/rpc/device_rpc.h): request bodies (package, unpackage, cursor) as
// the device parses them from a hostile client, and replies as the client parses them from
// whatever answers on the device's address. ParseDeviceRpcBody is the one place that names
// the parsers.
#include "chat/rpc/device_rpc.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void ParseDeviceRpcBody(uint8_t which, std::string_view body) {
  using namespace otc::rpc;
  const SchemaLimits limits{.max_message = 4096, .max_package = 8192};
  switch (which % 8) {
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
    case 2:
      (void)ParseCursorRequest(body);
      break;
    case 3:
      (void)ParsePackageReply(body);
      break;
    case 4:
      (void)ParseUnpackageReply(body);
      break;
    case 5:
      (void)ParseContactsReply(body);
      break;
    case 6:
      (void)ParseHealthReply(body);
      break;
    default:
      (void)ParseCursorReply(body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParseDeviceRpcBody(data[0], otc::fuzz::AsText(data + 1, size - 1));
  return 0;
}
