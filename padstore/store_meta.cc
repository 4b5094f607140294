#include "padstore/store_meta.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

#include "common/encoding.h"
#include "padstore/byte_io.h"
#include "padstore/crc32c.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {
constexpr char kMagic[8] = {'O', 'T', 'C', 'S', 'T', 'O', 'R', '1'};
constexpr uint32_t kVersion = 2;
constexpr size_t kInstanceSize = 16;
}  // namespace

std::vector<uint8_t> EncodeStoreMeta(const StoreMeta& meta) {
  ByteWriter w;
  w.Bytes(std::string_view(kMagic, 8));
  w.U32(kVersion);
  w.ShortString(meta.owner);
  w.U64(meta.created_unix);
  w.Bytes(meta.instance);
  w.U32(Crc32c(w.bytes()));
  return std::move(w.bytes());
}

Result<StoreMeta> DecodeStoreMeta(std::span<const uint8_t> bytes, const std::string& what) {
  auto corrupt = [&](const std::string& why) { return Status::Corruption(what + ": " + why); };
  if (bytes.size() < 8 + 4 + 4 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return corrupt("not a padstore store.meta (bad magic or too short)");
  }
  if (Crc32c(bytes.first(bytes.size() - 4)) != DecodeFixed32(&bytes[bytes.size() - 4])) {
    return corrupt("checksum mismatch");
  }
  ByteReader r(bytes.subspan(8, bytes.size() - 12));
  uint32_t version;
  StoreMeta meta;
  if (!r.U32(&version)) return corrupt("truncated");
  if (version != 1 && version != kVersion) {
    return Status::Unsupported(what + ": format version " + std::to_string(version) +
                               " is not supported by this build");
  }
  if (!r.ShortString(&meta.owner) || !r.U64(&meta.created_unix)) return corrupt("truncated");
  if (version >= 2) {
    if (r.left() != kInstanceSize) return corrupt("bad field lengths");
    std::span<const uint8_t> id;
    if (!r.Bytes(kInstanceSize, &id)) return corrupt("truncated");
    meta.instance.assign(id.begin(), id.end());
  }
  if (r.left() != 0) return corrupt("bad field lengths");
  if (Status s = ValidateUid(meta.owner, "owner"); !s.ok()) return corrupt(s.message());
  return meta;
}

std::string NewStoreInstance() {
  std::string id(kInstanceSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size())) != 1) {
    std::abort();  // no randomness at all: nothing sensible can continue
  }
  return id;
}

Result<StoreMeta> ReadStoreMeta(Env& env, const std::string& path) {
  Result<std::string> bytes = ReadFileToString(env, path);
  if (!bytes.ok()) return bytes.status();
  return DecodeStoreMeta(AsBytes(*bytes), path);
}

}  // namespace otc::padstore
