// ManifestWriter::AppendChunks, the batch append padgen uses for group commit
// (padstore/manifest.h; added for padgen).
#include <gtest/gtest.h>

#include "common/fault_injection_env.h"
#include "padstore/manifest.h"
#include "test_util.h"

namespace otc::padstore {
namespace {

Digest128 DigestOf(int i) {
  std::vector<uint8_t> chunk(100, static_cast<uint8_t>(i));
  return ChunkDigest(chunk);
}

TEST(ManifestBatchTest, BatchAndSingleAppendsMakeTheSameManifest) {
  TestDir dir;
  Env& env = *Env::Default();
  auto w = ManifestWriter::Create(env, dir.File("m"), 500, 100, {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AppendChunk(DigestOf(0)).ok());
  std::vector<Digest128> batch = {DigestOf(1), DigestOf(2), DigestOf(3)};
  ASSERT_TRUE((*w)->AppendChunks(batch).ok());
  EXPECT_TRUE((*w)->AppendChunks({}).ok());
  std::vector<Digest128> too_many = {DigestOf(4), DigestOf(5)};
  EXPECT_EQ((*w)->AppendChunks(too_many).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ((*w)->chunks_written(), 4u);
  ASSERT_TRUE((*w)->AppendChunks(std::vector<Digest128>{DigestOf(4)}).ok());
  auto id = (*w)->Finish();
  ASSERT_TRUE(id.ok());

  auto m = ReadManifest(env, dir.File("m"));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->complete);
  ASSERT_EQ(m->chunks.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m->chunks[i], DigestOf(i));
  EXPECT_EQ(m->pad_id, *id);
}

TEST(ManifestBatchTest, FailedSyncIsFailStop) {
  TestDir dir;
  FaultInjectionEnv env;
  auto w = ManifestWriter::Create(env, dir.File("m"), 500, 100, {});
  ASSERT_TRUE(w.ok());
  env.FailNthSync(1);
  std::vector<Digest128> batch = {DigestOf(0), DigestOf(1)};
  EXPECT_FALSE((*w)->AppendChunks(batch).ok());
  env.ClearFaults();
  EXPECT_EQ((*w)->AppendChunks(batch).code(), Status::Code::kFailed);
  EXPECT_EQ((*w)->chunks_written(), 0u);
}

}  // namespace
}  // namespace otc::padstore
