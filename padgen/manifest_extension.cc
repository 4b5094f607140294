#include "padgen/manifest_extension.h"

#include "common/coding.h"

namespace otc::padgen {

std::vector<uint8_t> EncodeExtension(const std::vector<ExtensionEntry>& entries) {
  std::vector<uint8_t> out;
  for (const ExtensionEntry& e : entries) {
    uint8_t head[6];
    head[0] = static_cast<uint8_t>(e.tag);
    head[1] = static_cast<uint8_t>(e.tag >> 8);
    EncodeFixed32(head + 2, static_cast<uint32_t>(e.value.size()));
    out.insert(out.end(), head, head + 6);
    out.insert(out.end(), e.value.begin(), e.value.end());
  }
  return out;
}

Result<std::vector<ExtensionEntry>> DecodeExtension(std::span<const uint8_t> bytes) {
  std::vector<ExtensionEntry> entries;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 6) return Status::Corruption("manifest extension: truncated entry");
    ExtensionEntry e;
    e.tag = static_cast<uint16_t>(bytes[pos] | bytes[pos + 1] << 8);
    uint32_t len = DecodeFixed32(bytes.data() + pos + 2);
    pos += 6;
    if (bytes.size() - pos < len) {
      return Status::Corruption("manifest extension: entry " + std::to_string(e.tag) +
                                " runs past the end");
    }
    e.value.assign(bytes.begin() + pos, bytes.begin() + pos + len);
    pos += len;
    entries.push_back(std::move(e));
  }
  return entries;
}

const ExtensionEntry* FindEntry(const std::vector<ExtensionEntry>& entries, uint16_t tag) {
  for (const ExtensionEntry& e : entries) {
    if (e.tag == tag) return &e;
  }
  return nullptr;
}

}  // namespace otc::padgen
