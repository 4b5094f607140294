#include "padstore/manifest.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "common/encoding.h"
#include "padstore/crc32c.h"
#include "tests/common/test_dir.h"

namespace otc::padstore {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_ + "/pad.manifest"; }

  Digest128 DigestOf(int i) {
    std::vector<uint8_t> chunk(1000, static_cast<uint8_t>(i));
    return ChunkDigest(chunk);
  }

  Env& env_ = *Env::Default();
  TestDir scratch_;
  std::string dir_ = scratch_.path();
  std::string path_;
};

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c(AsBytes("123456789")), 0xe3069283u);
  EXPECT_EQ(Crc32cExtend(Crc32c(AsBytes("1234")), AsBytes("56789")), 0xe3069283u);
}

TEST(ChunkDigestTest, IsCanonicalXxh3) {
  std::string data = "one time pad";
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  Digest128 d = ChunkDigest(AsBytes(data));
  // Canonical form is big-endian: high64 first.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(d[i], static_cast<uint8_t>(h.high64 >> (56 - 8 * i)));
    EXPECT_EQ(d[8 + i], static_cast<uint8_t>(h.low64 >> (56 - 8 * i)));
  }
}

TEST_F(ManifestTest, WriterThenReaderRoundTrip) {
  std::vector<uint8_t> ext = {1, 2, 3};
  auto w = ManifestWriter::Create(env_, path_, 2500, 1000, ext);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*w)->AppendChunk(DigestOf(i)).ok());
  EXPECT_FALSE((*w)->AppendChunk(DigestOf(3)).ok());
  auto id = (*w)->Finish();
  ASSERT_TRUE(id.ok());

  auto m = ReadManifest(env_, path_);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->complete);
  EXPECT_FALSE(m->torn_tail);
  EXPECT_EQ(m->pad_size, 2500u);
  EXPECT_EQ(m->ChunkCount(), 3u);
  EXPECT_EQ(m->ChunkLength(2), 500u);
  EXPECT_EQ(m->extension, ext);
  EXPECT_EQ(m->pad_id, *id);
  ASSERT_EQ(m->chunks.size(), 3u);
  EXPECT_EQ(m->chunks[1], DigestOf(1));

  // SerializeManifest produces the same bytes as the incremental writer.
  auto file_bytes = ReadFileToString(env_, path_);
  std::vector<uint8_t> serialized = SerializeManifest(*m);
  EXPECT_EQ(std::string(serialized.begin(), serialized.end()), *file_bytes);
}

TEST_F(ManifestTest, TornTailIsReportedAndResumable) {
  {
    auto w = ManifestWriter::Create(env_, path_, 4000, 1000, {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->AppendChunk(DigestOf(0)).ok());
    ASSERT_TRUE((*w)->AppendChunk(DigestOf(1)).ok());
  }
  // Tear the last record in half.
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - kManifestRecordSize / 2);
  auto m = ReadManifest(env_, path_);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->complete);
  EXPECT_TRUE(m->torn_tail);
  EXPECT_EQ(m->chunks.size(), 1u);

  EXPECT_FALSE(ManifestWriter::Resume(env_, path_, 8000, 1000).ok());  // wrong size
  auto w = ManifestWriter::Resume(env_, path_, 4000, 1000);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->chunks_written(), 1u);
  for (int i = 1; i < 4; ++i) ASSERT_TRUE((*w)->AppendChunk(DigestOf(i)).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  auto done = ReadManifest(env_, path_);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->complete);
  EXPECT_FALSE(done->torn_tail);
  EXPECT_EQ(done->chunks[1], DigestOf(1));
}

TEST_F(ManifestTest, FlippedBitsAreDetected) {
  Manifest m;
  m.pad_size = 3000;
  m.chunk_size = 1000;
  for (int i = 0; i < 3; ++i) m.chunks.push_back(DigestOf(i));
  std::vector<uint8_t> good = SerializeManifest(m);
  for (size_t byte = 0; byte < good.size(); ++byte) {
    std::vector<uint8_t> bad = good;
    bad[byte] ^= 0x10;
    auto w = env_.OpenFile(path_, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(WriteFully(**w, 0, bad).ok());
    auto r = ReadManifest(env_, path_);
    // Every flip either fails outright or leaves an incomplete manifest: never a
    // complete manifest with different contents.
    if (r.ok()) {
      EXPECT_FALSE(r->complete) << "flip at byte " << byte;
    }
  }
}

TEST_F(ManifestTest, RejectsGarbage) {
  auto w = env_.OpenFile(path_, {.write = true, .create = true});
  ASSERT_TRUE(WriteFully(**w, 0, AsBytes("this is not a manifest at all, sorry")).ok());
  auto r = ReadManifest(env_, path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_FALSE(ManifestWriter::Create(env_, path_, 10, 10, {}).ok()) << "must not overwrite";
}

}  // namespace
}  // namespace otc::padstore
