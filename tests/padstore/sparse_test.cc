// 64-bit offsets: a 1 TiB sparse pad exercises indices near 2^40 (top of the pad) and
// near 2^39 (the split) on both halves, through reservation, decrypt, replay, range
// checks, exhaustion and reopen.
#include <filesystem>

#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using testing::PadBytes;
using testing::Reversed;
using testing::ToVector;

constexpr uint64_t kTiB = uint64_t{1} << 40;
constexpr uint64_t kSplit = kTiB / 2;
constexpr uint64_t kChunk = uint64_t{1} << 26;  // 64 MiB: 16384 manifest records

class SparsePadTest : public testing::StoreFixture {
 protected:
  // A 1 TiB sparse pad with test bytes written at the top, just below and just above the
  // split, and a manifest that matches it.
  void MakePad(const std::string& pad, const std::string& manifest) {
    const IndexRange regions[] = {{kSplit - 8192, kSplit + 8192}, {kTiB - 8192, kTiB}};
    {
      auto f = Env::Default()->OpenFile(pad, {.write = true, .create = true, .truncate = true});
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->Truncate(kTiB).ok());
      for (const IndexRange& r : regions) {
        ASSERT_TRUE(WriteFully(**f, r.lo, PadBytes(kSeed, r.lo, r.hi)).ok());
      }
    }
    Manifest m;
    m.pad_size = kTiB;
    m.chunk_size = kChunk;
    std::vector<uint8_t> chunk(kChunk, 0);
    const Digest128 zero = ChunkDigest(chunk);
    auto f = Env::Default()->OpenFile(pad, {});
    for (uint64_t at = 0; at < kTiB; at += kChunk) {
      bool has_data = false;
      for (const IndexRange& r : regions) has_data |= r.lo < at + kChunk && at < r.hi;
      if (!has_data) {
        m.chunks.push_back(zero);
        continue;
      }
      ASSERT_TRUE(ReadFully(**f, at, chunk).ok());
      m.chunks.push_back(ChunkDigest(chunk));
      std::fill(chunk.begin(), chunk.end(), 0);
    }
    auto bytes = SerializeManifest(m);
    auto mf = Env::Default()->OpenFile(manifest, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(WriteFully(**mf, 0, bytes).ok());
  }

  StoreOptions Options() {
    StoreOptions o;
    o.burn_mode = BurnMode::kPunchHole;  // destroying 2^39 used bytes must not write them
    return o;
  }

  void Register(const std::string& peer, Direction direction, uint64_t initial_own_used) {
    MakePad(dir_.File(peer + ".pad"), dir_.File(peer + ".manifest"));
    auto store = OpenStore(Options());
    ContactSpec spec;
    spec.peer = peer;
    spec.pad_path = dir_.File(peer + ".pad");
    spec.manifest_path = dir_.File(peer + ".manifest");
    spec.direction = direction;
    spec.initial_own_used = initial_own_used;
    auto info = store->AddContact(spec);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->meta.split, kSplit);
  }
};

TEST_F(SparsePadTest, IndicesNearTwoToTheFortyOnBothHalves) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  // carol: the owner sends with direction -1 from 2^40 - 1 down; carol sends upward from 0.
  Register("carol", Direction::kDown, 0);
  // bob: the owner sends with direction +1 and has used all but 1000 bytes of [0, 2^39);
  // bob sends downward from 2^40 - 1.
  Register("bob", Direction::kUp, kSplit - 1000);

  {
    auto store = OpenStore(Options());
    // Own direction -1 at the very top of the pad.
    auto top = store->Reserve("carol", 100);
    ASSERT_TRUE(top.ok()) << top.status().ToString();
    EXPECT_EQ(top->range.first_index, kTiB - 1);
    EXPECT_EQ(top->range.indices, (IndexRange{kTiB - 100, kTiB}));
    EXPECT_EQ(ToVector(top->pad), Reversed(PadBytes(kSeed, kTiB - 100, kTiB)));
    // Carol (direction +1) sends just below the split: a skip of almost 2^39 bytes.
    auto p = store->BeginDecrypt("carol", kSplit - 100, 100);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(ToVector(*store->ReadPad(*p)), PadBytes(kSeed, kSplit - 100, kSplit));
    auto d = store->CommitDecrypt(*p);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->skipped, kSplit - 100);
    // Crossing the split, or starting in the owner's half, is refused.
    EXPECT_EQ(store->BeginDecrypt("carol", kSplit - 50, 100).status().code(),
              Status::Code::kInvalidArgument);
    EXPECT_EQ(store->BeginDecrypt("carol", kSplit, 1).status().code(),
              Status::Code::kInvalidArgument);

    // Own direction +1 just below the split.
    auto own = store->Reserve("bob", 600);
    ASSERT_TRUE(own.ok()) << own.status().ToString();
    EXPECT_EQ(own->range.first_index, kSplit - 1000);
    EXPECT_EQ(ToVector(own->pad), PadBytes(kSeed, kSplit - 1000, kSplit - 400));
    auto over = store->ReserveRange("bob", 401);
    ASSERT_EQ(over.status().code(), Status::Code::kExhausted);
    EXPECT_NE(over.status().message().find("400 bytes"), std::string::npos);
    // Bob (direction -1) sends from the top of the pad; his half starts at the split.
    auto q = store->BeginDecrypt("bob", kTiB - 1, 64);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->indices, (IndexRange{kTiB - 64, kTiB}));
    EXPECT_EQ(ToVector(*store->ReadPad(*q)), Reversed(PadBytes(kSeed, kTiB - 64, kTiB)));
    ASSERT_TRUE(store->CommitDecrypt(*q).ok());
    auto low = store->BeginDecrypt("bob", kSplit + 99, 100);  // [2^39, 2^39 + 100)
    ASSERT_TRUE(low.ok());
    EXPECT_EQ(ToVector(*store->ReadPad(*low)), Reversed(PadBytes(kSeed, kSplit, kSplit + 100)));
    EXPECT_EQ(store->BeginDecrypt("bob", kSplit + 99, 101).status().code(),
              Status::Code::kInvalidArgument);
    EXPECT_EQ(store->BeginDecrypt("bob", kTiB, 1).status().code(), Status::Code::kInvalidArgument);
    ASSERT_TRUE(store->Close().ok());
  }
  // Reopen: every 64-bit index survived the journal.
  auto store = OpenStore(Options());
  EXPECT_EQ(store->BeginDecrypt("carol", kSplit - 1, 1).status().code(), Status::Code::kReplay);
  EXPECT_EQ(store->BeginDecrypt("bob", kTiB - 1, 1).status().code(), Status::Code::kReplay);
  auto carol = store->Info("carol");
  EXPECT_EQ(carol->own_used, 100u);
  EXPECT_EQ(carol->peer_skipped, kSplit - 100);
  auto bob = store->Info("bob");
  EXPECT_EQ(bob->own_left, 400u);
  auto next = store->ReserveRange("carol", 1);
  EXPECT_EQ(next->first_index, kTiB - 101);
  // Used pad was destroyed (hole-punched) at the top of the pad and below the split.
  EXPECT_TRUE(testing::AllZero(testing::ReadRaw(pad_path("carol"), kTiB - 100, kTiB)));
  EXPECT_TRUE(testing::AllZero(testing::ReadRaw(pad_path("bob"), kSplit - 1000, kSplit - 400)));
  EXPECT_EQ(testing::ReadRaw(pad_path("bob"), kSplit - 400, kSplit),
            PadBytes(kSeed, kSplit - 400, kSplit));
}

}  // namespace
}  // namespace otc::padstore
