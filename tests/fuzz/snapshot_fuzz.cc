// The snapshot reader (a journal record's payload): only canonical payloads are accepted,
// so one that decodes re-encodes to the same bytes.
#include "padstore/snapshot.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otc;
  const std::span<const uint8_t> payload(data, size);
  auto snapshot = padstore::DecodeSnapshot(payload);
  if (snapshot.ok()) {
    std::vector<uint8_t> again = padstore::EncodeSnapshot(*snapshot);
    fuzz::FuzzCheck(again == std::vector<uint8_t>(payload.begin(), payload.end()),
                    "encode(decode(x)) == x");
  }
  uint64_t v = 0;
  if (padstore::DecodeU64(payload, &v)) {
    fuzz::FuzzCheck(padstore::EncodeU64(v) == std::vector<uint8_t>(payload.begin(), payload.end()),
                    "u64 payload round trip");
  }
  padstore::IndexRange r;
  if (padstore::DecodeRange(payload, &r)) {
    fuzz::FuzzCheck(
        padstore::EncodeRange(r) == std::vector<uint8_t>(payload.begin(), payload.end()),
        "range payload round trip");
  }
  return 0;
}
