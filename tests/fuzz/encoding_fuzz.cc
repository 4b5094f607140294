// base64 and hex: decoding accepts only canonical text (decode then encode gives the
// same text back), and every byte string round-trips through both encodings.
#include <cstdint>

#include "common/encoding.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otc;
  using fuzz::FuzzCheck;
  const std::string_view text = fuzz::AsText(data, size);
  const std::span<const uint8_t> bytes(data, size);

  if (auto decoded = Base64Decode(text); decoded.ok()) {
    FuzzCheck(Base64Encode(*decoded) == text, "base64: an accepted text is canonical");
  }
  auto b64 = Base64Decode(Base64Encode(bytes));
  FuzzCheck(b64.ok() && *b64 == std::vector<uint8_t>(bytes.begin(), bytes.end()),
            "base64: decode(encode(x)) == x");

  if (auto decoded = HexDecode(text); decoded.ok()) {
    FuzzCheck(HexEncode(*decoded) == text, "hex: an accepted text is canonical");
  }
  auto hex = HexDecode(HexEncode(bytes));
  FuzzCheck(hex.ok() && *hex == std::vector<uint8_t>(bytes.begin(), bytes.end()),
            "hex: decode(encode(x)) == x");
  return 0;
}
