// store.meta: the one file that makes a directory a padstore, and names its owner.
//
// Format (little-endian; CRC = CRC32C, see crc32c.h):
//
//   store.meta := magic[8] = "OTCSTOR1"
//                 version      u32 = 2     (1: the same without instance)
//                 owner_len    u8          1..64
//                 owner        owner_len bytes, a uid (see uid.h)
//                 created_unix u64         seconds since the epoch
//                 instance     u8[16]      random, made once by init; names this store
//                                          (and its copies) apart from other stores,
//                                          e.g. for mark mirrors (mark_mirror.h)
//                 crc          u32         CRC of every byte before it
//
// A version 1 file is read with an empty instance; Store::Open gives it one.
//
// Replaced atomically (write store.meta.tmp, fsync, rename, fsync the directory).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace otc::padstore {

struct StoreMeta {
  std::string owner;
  uint64_t created_unix = 0;
  std::string instance;  // 16 random bytes; empty in a version 1 file
};

// 16 fresh random bytes for StoreMeta::instance.
std::string NewStoreInstance();

std::vector<uint8_t> EncodeStoreMeta(const StoreMeta& meta);
// Corruption on a bad magic, length or CRC; Unsupported on an unknown version.
Result<StoreMeta> DecodeStoreMeta(std::span<const uint8_t> bytes, const std::string& what);
Result<StoreMeta> ReadStoreMeta(Env& env, const std::string& path);

}  // namespace otc::padstore
