#include "padstore/contact_meta.h"

#include <cstring>

#include "common/encoding.h"
#include "padstore/byte_io.h"
#include "padstore/crc32c.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {
constexpr char kMagic[8] = {'O', 'T', 'C', 'M', 'E', 'T', 'A', '1'};
constexpr uint32_t kVersion = 1;             // generation 0
constexpr uint32_t kVersionGenerations = 2;  // carries a generation
}  // namespace

std::vector<uint8_t> EncodeContactMeta(const ContactMeta& meta) {
  ByteWriter w;
  w.Bytes(std::string_view(kMagic, 8));
  w.U32(meta.generation == 0 ? kVersion : kVersionGenerations);
  w.U32(meta.flags);
  w.ShortString(meta.owner);
  w.ShortString(meta.peer);
  w.U64(meta.pad_size);
  w.U64(meta.split);
  w.U8(meta.direction == Direction::kUp ? 1 : 255);
  w.U8(static_cast<uint8_t>(meta.format));
  w.Bytes(meta.pad_id);
  w.U64(meta.created_unix);
  if (meta.generation != 0) w.U32(meta.generation);
  w.U32(Crc32c(w.bytes()));
  return std::move(w.bytes());
}

Result<ContactMeta> DecodeContactMeta(std::span<const uint8_t> bytes, const std::string& what) {
  auto corrupt = [&](const std::string& why) { return Status::Corruption(what + ": " + why); };
  if (bytes.size() < 8 + 4 + 4 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return corrupt("not a contact meta file (bad magic or too short)");
  }
  if (Crc32c(bytes.first(bytes.size() - 4)) != DecodeFixed32(&bytes[bytes.size() - 4])) {
    return corrupt("checksum mismatch");
  }
  ByteReader r(bytes.subspan(8, bytes.size() - 12));
  uint32_t version;
  if (!r.U32(&version)) return corrupt("truncated");
  if (version != kVersion && version != kVersionGenerations) {
    return Status::Unsupported(what + ": format version " + std::to_string(version) +
                               " is not supported by this build");
  }
  ContactMeta m;
  uint8_t direction, protocol;
  std::span<const uint8_t> id;
  if (!r.U32(&m.flags) || !r.ShortString(&m.owner) || !r.ShortString(&m.peer) ||
      !r.U64(&m.pad_size) || !r.U64(&m.split) || !r.U8(&direction) || !r.U8(&protocol) ||
      !r.Bytes(16, &id) || !r.U64(&m.created_unix) ||
      (version == kVersionGenerations && !r.U32(&m.generation)) || r.left() != 0) {
    return corrupt("bad field lengths");
  }
  std::memcpy(m.pad_id.data(), id.data(), 16);
  if (version == kVersionGenerations && m.generation == 0) {
    return corrupt("generation 0 in a version 2 meta");
  }
  if (direction != 1 && direction != 255) return corrupt("bad direction byte");
  m.direction = direction == 1 ? Direction::kUp : Direction::kDown;
  if (protocol != 1 && protocol != 2) return corrupt("unknown protocol byte");
  m.format = static_cast<Format>(protocol);
  if (Status s = ValidateUid(m.owner, "owner"); !s.ok()) return corrupt(s.message());
  if (Status s = ValidateUid(m.peer, "peer"); !s.ok()) return corrupt(s.message());
  if (Status s = PadLayout::Validate(m.pad_size, m.split); !s.ok()) return corrupt(s.message());
  return m;
}

Result<ContactMeta> ReadContactMeta(Env& env, const std::string& path) {
  Result<std::string> bytes = ReadFileToString(env, path);
  if (!bytes.ok()) return bytes.status();
  return DecodeContactMeta(AsBytes(*bytes), path);
}

Status WriteContactMeta(Env& env, const std::string& path, const ContactMeta& meta) {
  return WriteFileAtomically(env, path, EncodeContactMeta(meta));
}

}  // namespace otc::padstore
