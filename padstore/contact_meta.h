// Contact meta: the fixed facts about one contact's pad, STORE/contacts/<peer>/meta.
//
// Written once when the contact is registered (padstore add / padgen / import-legacy),
// replaced atomically (write meta.tmp, fsync, rename, fsync the directory). The journal
// keeps a copy (a kMeta record), so `padstore fsck --repair` can rewrite a damaged meta.
//
// Format (little-endian; CRC = CRC32C):
//
//   meta := magic[8] = "OTCMETA1"
//           version      u32 = 1 for generation 0, 2 otherwise
//           flags        u32       bit 0: imported from a 2015 reference pad
//           owner_len    u8, owner      the store owner's uid
//           peer_len     u8, peer       the contact's uid
//           pad_size     u64       bytes of pad
//           split        u64       split index (0 < split < pad_size)
//           direction    u8        the owner's direction: 1 = +1, 255 = -1
//           format       u8        1 = otc1, 2 = otc2 (common/pad_vocabulary.h)
//           pad_id       u8[16]    the manifest's whole-pad digest (manifest.h)
//           created_unix u64       seconds since the epoch
//           generation   u32       version 2 only: which of the contact's pads this is
//                                  (0 = the first; each renewal by padgen adds the next)
//           crc          u32       CRC of every byte before it
//
// Generation 0 is written as version 1, byte for byte as before renewals existed, so
// existing stores (and the journals' copies of their meta) stay valid unchanged.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "padstore/manifest.h"
#include "padstore/pad_layout.h"

namespace otc::padstore {

struct ContactMeta {
  static constexpr uint32_t kImportedLegacy = 1;

  std::string owner;
  std::string peer;
  uint64_t pad_size = 0;
  uint64_t split = 0;
  Direction direction = Direction::kUp;
  Format format = Format::kOtc2;
  Digest128 pad_id{};
  uint64_t created_unix = 0;
  uint32_t flags = 0;
  uint32_t generation = 0;

  PadLayout layout() const { return PadLayout(pad_size, split, direction); }
  bool operator==(const ContactMeta&) const = default;
};

std::vector<uint8_t> EncodeContactMeta(const ContactMeta& meta);
// Corruption on bad magic/CRC/fields, Unsupported on an unknown version. `what` names
// the source in messages.
Result<ContactMeta> DecodeContactMeta(std::span<const uint8_t> bytes, const std::string& what);
Result<ContactMeta> ReadContactMeta(Env& env, const std::string& path);
Status WriteContactMeta(Env& env, const std::string& path, const ContactMeta& meta);

}  // namespace otc::padstore
