#include "padgen/randomness/manifest_extension.h"

#include <limits>
#include <string>

#include "common/coding.h"

namespace otc::padgen {

namespace {
constexpr size_t kEntryHeaderSize = 6;  // tag u16 + length u32
}  // namespace

Result<std::vector<uint8_t>> EncodeExtension(std::span<const ExtensionEntry> entries) {
  std::vector<uint8_t> out;
  int last_tag = -1;
  for (const ExtensionEntry& e : entries) {
    if (static_cast<int>(e.tag) <= last_tag) {
      return Status::InvalidArgument("manifest extension tags must be strictly increasing (tag " +
                                     std::to_string(e.tag) + ")");
    }
    if (e.value.size() > std::numeric_limits<uint32_t>::max()) {
      return Status::InvalidArgument("manifest extension value too large for tag " +
                                     std::to_string(e.tag));
    }
    last_tag = e.tag;
    uint8_t header[kEntryHeaderSize];
    header[0] = static_cast<uint8_t>(e.tag);
    header[1] = static_cast<uint8_t>(e.tag >> 8);
    EncodeFixed32(header + 2, static_cast<uint32_t>(e.value.size()));
    out.insert(out.end(), header, header + kEntryHeaderSize);
    out.insert(out.end(), e.value.begin(), e.value.end());
  }
  return out;
}

Result<std::vector<ExtensionEntry>> DecodeExtension(std::span<const uint8_t> bytes) {
  std::vector<ExtensionEntry> entries;
  size_t pos = 0;
  int last_tag = -1;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kEntryHeaderSize) {
      return Status::Corruption("manifest extension: truncated entry header at byte " +
                                std::to_string(pos));
    }
    uint16_t tag = static_cast<uint16_t>(bytes[pos] | bytes[pos + 1] << 8);
    uint32_t length = DecodeFixed32(bytes.data() + pos + 2);
    pos += kEntryHeaderSize;
    if (static_cast<int>(tag) <= last_tag) {
      return Status::Corruption("manifest extension: tag " + std::to_string(tag) +
                                " out of order or repeated");
    }
    if (bytes.size() - pos < length) {
      return Status::Corruption("manifest extension: value of tag " + std::to_string(tag) +
                                " is truncated");
    }
    last_tag = tag;
    entries.push_back(
        {tag, std::vector<uint8_t>(bytes.begin() + pos, bytes.begin() + pos + length)});
    pos += length;
  }
  return entries;
}

std::optional<ExtensionEntry> FindExtensionEntry(std::span<const ExtensionEntry> entries,
                                                 uint16_t tag) {
  for (const ExtensionEntry& e : entries) {
    if (e.tag == tag) return e;
  }
  return std::nullopt;
}

}  // namespace otc::padgen
