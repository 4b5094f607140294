// Import of 2015 reference pads, made here in the 2015 format, for both directions.
#include "padstore/legacy_import.h"

#include <filesystem>

#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using testing::PadBytes;
using testing::ReadRaw;

class LegacyImportTest : public testing::StoreFixture {
 protected:
  static constexpr uint64_t kN = 10000;

  // Writes UID.RID.random.store (kN test bytes) and UID.RID.random.metadata as the 2015
  // Python code did (json.dumps of its dict; checksum = CPython 2 hash()).
  void WriteLegacy(const std::string& uid, const std::string& rid, int direction,
                   int64_t encrypt_index, const std::string& decrypt_log,
                   const std::string& log_key = "decrypt_log") {
    store_file_ = dir_.File(uid + "." + rid + ".random.store");
    metadata_file_ = dir_.File(uid + "." + rid + ".random.metadata");
    auto f =
        Env::Default()->OpenFile(store_file_, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(WriteFully(**f, 0, PadBytes(kSeed, 0, kN)).ok());
    std::string json =
        "{\"uid\": \"" + uid + "\", \"rid\": \"" + rid + "\", \"store_filename\": \"" + uid + "." +
        rid + ".random.store\", \"metadata_filename\": \"" + uid + "." + rid +
        ".random.metadata\", \"n_bytes\": 10000, \"rservice\": \"urandom\", "
        "\"split_index\": 5000, \"direction\": " +
        std::to_string(direction) + ", \"encrypt_index\": " + std::to_string(encrypt_index) +
        ", \"" + log_key + "\": \"" + decrypt_log +
        "\", \"decrypt_max\": 0, \"n_eles\": 12, \"checksum\": -3074457345618258603}";
    auto m =
        Env::Default()->OpenFile(metadata_file_, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(
        WriteFully(**m, 0, {reinterpret_cast<const uint8_t*>(json.data()), json.size()}).ok());
  }

  Result<LegacyImportResult> Import(Store& store, const std::string& peer) {
    LegacyImportOptions o;
    o.peer = peer;
    o.store_file = store_file_;
    o.metadata_file = metadata_file_;
    o.chunk_size = 4096;
    return ImportLegacy(store, o);
  }

  std::string store_file_, metadata_file_;
};

TEST(LegacyDecryptLogTest, EntriesHaveExclusiveEndsInTheSendersDirection) {
  // Owner direction 1: the peer sent downward; "9999-9989" read pad[9999:9989:-1].
  auto up = ParseLegacyDecryptLog("9999-9989,9989-9969,", Direction::kUp);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(*up, (std::vector<IndexRange>{{9990, 10000}, {9970, 9990}}));
  // Owner direction -1: the peer sent upward; "0-10" read pad[0:10].
  auto down = ParseLegacyDecryptLog("0-10,10-25,", Direction::kDown);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(*down, (std::vector<IndexRange>{{0, 10}, {10, 25}}));
  EXPECT_TRUE(ParseLegacyDecryptLog("", Direction::kUp)->empty());
  for (const char* bad : {"1-2", "a-b,", "1--2,", "-1-2,", "1-2,3,"}) {
    EXPECT_FALSE(ParseLegacyDecryptLog(bad, Direction::kDown).ok()) << bad;
  }
  EXPECT_FALSE(ParseLegacyDecryptLog("10-20,", Direction::kUp).ok()) << "wrong orientation";
}

TEST_F(LegacyImportTest, DirectionOneKeepsItsUsedRangesUsed) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  // Alice sent 120 bytes; Bob's messages [9990, 10000) and [9970, 9990) were decrypted.
  WriteLegacy("alice", "bob", 1, 120, "9999-9989,9989-9969,");
  auto store = OpenStore();
  auto result = Import(*store, "bob");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->info.meta.format, Format::kOtc1);
  EXPECT_EQ(result->info.meta.flags, ContactMeta::kImportedLegacy);
  EXPECT_EQ(result->info.meta.split, 5000u);
  EXPECT_EQ(result->info.own_used, 120u);
  EXPECT_EQ(result->info.decrypted, 30u);
  EXPECT_NE(result->notes[0].find("CPython 2 hash()"), std::string::npos);
  auto next = store->Reserve("bob", 10);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->range.first_index, 120u);
  EXPECT_EQ(testing::ToVector(next->pad), PadBytes(kSeed, 120, 130));
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 10).status().code(), Status::Code::kReplay);
  EXPECT_EQ(store->BeginDecrypt("bob", 9975, 1).status().code(), Status::Code::kReplay);
  auto p = store->BeginDecrypt("bob", 9969, 10);  // Bob's next message
  ASSERT_TRUE(p.ok());
  auto d = store->CommitDecrypt(*p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->skipped, 0u);
  ASSERT_TRUE(store->Close().ok());
  // The store's copy has the used pad burned; the originals are untouched.
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 0, 130)));
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 9960, 10000)));
  EXPECT_EQ(ReadRaw(pad_path(), 130, 9960), PadBytes(kSeed, 130, 9960));
  EXPECT_EQ(ReadRaw(store_file_, 0, kN), PadBytes(kSeed, 0, kN));
}

TEST_F(LegacyImportTest, DirectionMinusOneKeepsItsUsedRangesUsed) {
  ASSERT_TRUE(Store::Init(store_dir(), "bob").ok());
  // Bob sent 30 bytes from the top (encrypt_index is the next byte: 9969); Alice's
  // messages [0, 10) and [10, 25) were decrypted. Oldest key name for the log.
  WriteLegacy("bob", "alice", -1, 9969, "0-10,10-25,", "decrypt_indexes");
  auto store = OpenStore();
  auto result = Import(*store, "alice");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->info.own_used, 30u);
  auto next = store->ReserveRange("alice", 5);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_index, 9969u);
  EXPECT_EQ(next->indices, (IndexRange{9965, 9970}));
  EXPECT_EQ(store->BeginDecrypt("alice", 24, 1).status().code(), Status::Code::kReplay);
  auto p = store->BeginDecrypt("alice", 40, 5);  // after a dropped message [25, 40)
  ASSERT_TRUE(p.ok());
  auto d = store->CommitDecrypt(*p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->skipped, 15u);
}

TEST_F(LegacyImportTest, BadInputsAreRejectedWithClearErrors) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  auto store = OpenStore();
  auto expect_error = [&](const std::string& peer, const std::string& text) {
    auto r = Import(*store, peer);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
    EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().message();
  };
  WriteLegacy("carol", "bob", 1, 0, "");
  expect_error("bob", "belongs to carol but this store belongs to alice");
  WriteLegacy("alice", "bob", 1, 0, "");
  expect_error("dave", "is for contact bob, not dave");
  WriteLegacy("alice", "bob", 1, 5001, "");
  expect_error("bob", "encrypt_index 5001 lies outside the owner's half");
  WriteLegacy("alice", "bob", 1, 0, "4999-4989,");  // inside the owner's own half
  expect_error("bob", "is not inside bob's half [5000, 10000)");
  WriteLegacy("alice", "bob", 1, 0, "");
  std::filesystem::resize_file(store_file_, kN - 1);
  expect_error("bob", "has 9999 bytes but its metadata says n_bytes 10000");
  {
    auto m = Env::Default()->OpenFile(metadata_file_, {.write = true, .truncate = true});
    ASSERT_TRUE(WriteFully(**m, 0, {reinterpret_cast<const uint8_t*>("{\"uid\": "), 8}).ok());
  }
  expect_error("bob", "is not a JSON object");
  WriteLegacy("alice", "bob", 1, 10, "");
  ASSERT_TRUE(Import(*store, "bob").ok());
  EXPECT_EQ(Import(*store, "bob").status().code(), Status::Code::kAlreadyExists);
}

}  // namespace
}  // namespace otc::padstore
