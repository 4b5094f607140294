#include "padstore/mark_mirror.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/coding.h"
#include "common/encoding.h"
#include "padstore/crc32c.h"

namespace otc::padstore {
namespace {

constexpr char kMagic[8] = {'O', 'T', 'C', 'M', 'A', 'R', 'K', '1'};
constexpr size_t kSize = 8 + 8 + 4;

}  // namespace

MarkMirror::MarkMirror(Env& env, std::string dir, const std::string& store_instance,
                       const ContactMeta& meta)
    : env_(env), dir_(std::move(dir)) {
  path_ = dir_ + "/" + meta.owner + "." + store_instance + "." + meta.peer + "." +
          HexEncode(meta.pad_id) + ".mark";
}

Result<std::optional<uint64_t>> MarkMirror::Read() const {
  if (!env_.FileExists(path_)) return std::optional<uint64_t>();
  Result<std::string> text = ReadFileToString(env_, path_);
  if (!text.ok()) return text.status();
  const auto* b = reinterpret_cast<const uint8_t*>(text->data());
  if (text->size() != kSize || std::memcmp(b, kMagic, 8) != 0 ||
      Crc32c({b, kSize - 4}) != DecodeFixed32(b + kSize - 4)) {
    return Status::Corruption("the mark mirror " + path_ +
                              " is damaged; if the store is the original, delete it and run "
                              "padstore recover --force");
  }
  return std::optional<uint64_t>(DecodeFixed64(b + 8));
}

Status MarkMirror::Write(uint64_t own_mark) {
  // Create the directory and any missing parents, each private to the user.
  for (size_t at = 1; at != std::string::npos;) {
    at = dir_.find('/', at + 1);
    const std::string part = dir_.substr(0, at);
    if (Status s = env_.CreateDir(part, 0700); !s.ok()) return s;
  }
  std::vector<uint8_t> bytes(kSize);
  std::memcpy(bytes.data(), kMagic, 8);
  EncodeFixed64(&bytes[8], own_mark);
  EncodeFixed32(&bytes[16], Crc32c({bytes.data(), kSize - 4}));
  return WriteFileAtomically(env_, path_, bytes);
}

std::string DefaultMarkMirrorDir() {
  if (const char* d = std::getenv("OTC_MARK_MIRROR"); d != nullptr) return d;
  if (const char* s = std::getenv("XDG_STATE_HOME"); s != nullptr && *s) {
    return std::string(s) + "/otc/marks";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h) {
    return std::string(h) + "/.local/state/otc/marks";
  }
  return "";
}

}  // namespace otc::padstore
