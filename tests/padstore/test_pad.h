// Helpers for padstore tests: deterministic pads whose bytes the test can predict
// independently of the code under test, their manifests, and store fixtures.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/env.h"
#include "padstore/manifest.h"
#include "padstore/store.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_pad.h"

namespace otc::padstore::testing {

// The shared deterministic test pad (tests/common/test_pad.h).
using ::otc::test_pad::PadByte;
using ::otc::test_pad::PadBytes;

// Writes `size` pad bytes to `pad_path` and a complete manifest to `manifest_path`.
inline void WritePad(const std::string& pad_path, const std::string& manifest_path, uint64_t size,
                     uint64_t seed, uint64_t chunk_size = 4096) {
  Env& env = *Env::Default();
  auto pad = env.OpenFile(pad_path, {.write = true, .create = true, .truncate = true});
  ASSERT_TRUE(pad.ok()) << pad.status().ToString();
  Manifest m;
  m.pad_size = size;
  m.chunk_size = chunk_size;
  for (uint64_t at = 0; at < size; at += chunk_size) {
    std::vector<uint8_t> chunk = PadBytes(seed, at, std::min(size, at + chunk_size));
    ASSERT_TRUE(WriteFully(**pad, at, chunk).ok());
    m.chunks.push_back(ChunkDigest(chunk));
  }
  std::vector<uint8_t> bytes = SerializeManifest(m);
  auto mf = env.OpenFile(manifest_path, {.write = true, .create = true, .truncate = true});
  ASSERT_TRUE(mf.ok());
  ASSERT_TRUE(WriteFully(**mf, 0, bytes).ok());
}

inline std::vector<uint8_t> ReadRaw(const std::string& path, uint64_t lo, uint64_t hi) {
  auto f = Env::Default()->OpenFile(path, {});
  EXPECT_TRUE(f.ok());
  std::vector<uint8_t> out(hi - lo);
  EXPECT_TRUE(ReadFully(**f, lo, out).ok());
  return out;
}

inline std::string ReadText(const std::string& path) {
  auto s = ReadFileToString(*Env::Default(), path);
  return s.ok() ? *s : std::string();
}

inline bool AllZero(const std::vector<uint8_t>& v) {
  for (uint8_t b : v)
    if (b != 0) return false;
  return true;
}

inline std::vector<uint8_t> ToVector(const SecretBuffer& b) {
  return std::vector<uint8_t>(b.data(), b.data() + b.size());
}

inline std::vector<uint8_t> Reversed(std::vector<uint8_t> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

// A store for "alice" with contact "bob" (pad of `pad_size` bytes, seed 7).
class StoreFixture : public ::testing::Test {
 protected:
  static constexpr uint64_t kSeed = 7;

  std::string store_dir() const { return dir_.File("store"); }
  std::string pad_path(const std::string& peer = "bob") const {
    return store_dir() + "/contacts/" + peer + "/pad";
  }
  std::string contact_file(const std::string& name, const std::string& peer = "bob") const {
    return store_dir() + "/contacts/" + peer + "/" + name;
  }

  // Init + register `peer`; the store is left closed.
  void MakeStore(uint64_t pad_size, Direction direction, const std::string& peer = "bob",
                 uint64_t split = 0, Format format = Format::kOtc2) {
    ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
    std::string pad = dir_.File(peer + ".pad"), manifest = dir_.File(peer + ".manifest");
    WritePad(pad, manifest, pad_size, kSeed);
    ContactSpec spec;
    spec.peer = peer;
    spec.pad_path = pad;
    spec.manifest_path = manifest;
    spec.direction = direction;
    spec.format = format;
    spec.split = split;
    auto info = RegisterContact(store_dir(), "alice", spec);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
  }

  std::unique_ptr<Store> OpenStore(StoreOptions options = {}) {
    auto store = Store::Open(store_dir(), std::move(options));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  TestDir dir_;
};

}  // namespace otc::padstore::testing

namespace otc::padstore::testing {

// A sparse pad of `size` zero bytes (ftruncate) with a matching manifest: for tests that
// only reserve ranges and never read pad (reads of zeros are refused), or that write the
// bytes they read at chosen offsets themselves.
inline void WriteSparsePad(const std::string& pad_path, const std::string& manifest_path,
                           uint64_t size, uint64_t chunk_size) {
  Env& env = *Env::Default();
  {
    auto pad = env.OpenFile(pad_path, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(pad.ok());
    ASSERT_TRUE((*pad)->Truncate(size).ok());
  }
  Manifest m;
  m.pad_size = size;
  m.chunk_size = chunk_size;
  std::vector<uint8_t> zeros(chunk_size, 0);
  const Digest128 full = ChunkDigest(zeros);
  for (uint64_t at = 0; at < size; at += chunk_size) {
    uint64_t n = std::min(chunk_size, size - at);
    m.chunks.push_back(n == chunk_size ? full : ChunkDigest(std::span(zeros).first(n)));
  }
  std::vector<uint8_t> bytes = SerializeManifest(m);
  auto mf = env.OpenFile(manifest_path, {.write = true, .create = true, .truncate = true});
  ASSERT_TRUE(mf.ok());
  ASSERT_TRUE(WriteFully(**mf, 0, bytes).ok());
}

}  // namespace otc::padstore::testing
