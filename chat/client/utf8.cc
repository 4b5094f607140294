#include "chat/client/utf8.h"

namespace otc::client {

Utf8Char DecodeUtf8At(std::string_view text, size_t i) {
  if (i >= text.size()) return {};
  const uint8_t lead = static_cast<uint8_t>(text[i]);
  size_t extra;
  uint32_t cp;
  if (lead < 0x80) {
    return {1, lead};
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    cp = lead & 0x07;
  } else {
    return {};
  }
  if (text.size() - i <= extra) return {};
  for (size_t k = 1; k <= extra; ++k) {
    const uint8_t c = static_cast<uint8_t>(text[i + k]);
    if ((c & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {extra + 1, cp};
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = DecodeUtf8At(text, i);
    if (c.length == 0) return false;
    i += c.length;
  }
  return true;
}

}  // namespace otc::client
