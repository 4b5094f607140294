#include "common/encoding.h"

#include <openssl/evp.h>

#include <algorithm>

namespace otc {
namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}

// Counts the trailing '=' of a base64 text whose length is a multiple of 4: 0, 1 or 2.
// More than two, or a '=' anywhere else, is rejected by the alphabet check that follows.
size_t Base64PaddingLength(std::string_view text) {
  if (text.empty() || text.back() != '=') return 0;
  return text[text.size() - 2] == '=' ? 2 : 1;
}

}  // namespace

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  // EVP_EncodeBlock takes an int length; packages are far below 2 GiB, but encode in
  // slices anyway so a large input cannot overflow it. 3 * 2^28 bytes per slice keeps
  // slices on 3-byte boundaries.
  constexpr size_t kSlice = size_t{3} << 28;
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < bytes.size()) {
    size_t n = std::min(kSlice, bytes.size() - in_pos);
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + out_pos),
                                  bytes.data() + in_pos, static_cast<int>(n));
    in_pos += n;
    out_pos += static_cast<size_t>(written);
  }
  return out;
}

Result<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument("bad base64: length " + std::to_string(text.size()) +
                                   " is not a multiple of 4");
  }
  // EVP_DecodeBlock alone is not canonical (it skips surrounding whitespace, accepts '='
  // before the end and ignores the bits padding discards), so everything it would
  // tolerate is rejected here first.
  const size_t padding = Base64PaddingLength(text);
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) {
      return Status::InvalidArgument("bad base64: invalid character at position " +
                                     std::to_string(i));
    }
  }
  // Canonical form: the bits that padding discards must be zero.
  if (padding == 1 && (Base64Value(text[text.size() - 2]) & 0x3) != 0) {
    return Status::InvalidArgument("bad base64: non-canonical padding bits");
  }
  if (padding == 2 && (Base64Value(text[text.size() - 3]) & 0xf) != 0) {
    return Status::InvalidArgument("bad base64: non-canonical padding bits");
  }
  std::vector<uint8_t> out(3 * (text.size() / 4));
  size_t in_pos = 0, out_pos = 0;
  constexpr size_t kSlice = size_t{4} << 28;
  while (in_pos < text.size()) {
    size_t n = std::min(kSlice, text.size() - in_pos);
    int written = EVP_DecodeBlock(out.data() + out_pos,
                                  reinterpret_cast<const unsigned char*>(text.data() + in_pos),
                                  static_cast<int>(n));
    if (written < 0) return Status::InvalidArgument("bad base64: cannot decode");
    in_pos += n;
    out_pos += static_cast<size_t>(written);
  }
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  out.resize(out_pos - padding);
  return out;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Result<std::vector<uint8_t>> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return Status::InvalidArgument("bad hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case too: one byte string has exactly one hex text
  };
  std::vector<uint8_t> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("bad hex: invalid character at position " +
                                     std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace otc
