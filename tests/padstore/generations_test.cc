// Pad generations (renewal): a second pad for a contact becomes its next generation;
// packaging uses the newest generation with room, decrypting any generation still held;
// reopen, interrupted adds and retirements, retire destroying every byte, and the meta
// format (generation 0 stays byte-identical to the format before renewals).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "common/pad_vocabulary.h"
#include "padstore/contact_meta.h"
#include "padstore/generations.h"
#include "padstore/interval_set.h"
#include "padstore/store.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore::testing {
namespace {

constexpr uint64_t kSeed2 = 8;
constexpr uint64_t kSeed3 = 9;

class GenerationsTest : public StoreFixture {
 protected:
  std::string gen_file(uint32_t gen, const std::string& name) const {
    return store_dir() + "/contacts/bob/gen-" + std::to_string(gen) + "/" + name;
  }

  // Registers another pad for bob (seed `seed`), the way padgen does on a renewal.
  Result<ContactState> Renew(uint64_t pad_size, uint64_t seed, Direction direction,
                             Format format = Format::kOtc2) {
    std::string pad = dir_.File("renew" + std::to_string(seed) + ".pad");
    std::string manifest = dir_.File("renew" + std::to_string(seed) + ".manifest");
    WritePad(pad, manifest, pad_size, seed);
    ContactSpec spec;
    spec.peer = "bob";
    spec.pad_path = pad;
    spec.manifest_path = manifest;
    spec.direction = direction;
    spec.format = format;
    return RegisterContact(store_dir(), "alice", spec);
  }
};

TEST_F(GenerationsTest, ASecondPadBecomesGenerationOneAndLeavesGenerationZeroAsItWas) {
  MakeStore(1000, Direction::kUp);
  const std::string meta0 = ReadText(contact_file("meta"));
  const std::string pad0 = ReadText(contact_file("pad"));
  auto info = Renew(2000, kSeed2, Direction::kUp);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->meta.generation, 1u);
  EXPECT_EQ(info->meta.pad_size, 2000u);
  EXPECT_EQ(ReadText(contact_file("meta")), meta0);
  EXPECT_EQ(ReadText(contact_file("pad")), pad0);
  EXPECT_EQ(ReadRaw(gen_file(1, "pad"), 0, 16), PadBytes(kSeed2, 0, 16));
  EXPECT_TRUE(Env::Default()->FileExists(gen_file(1, "meta")));
  EXPECT_TRUE(Env::Default()->FileExists(gen_file(1, "journal")));
  // The same pad again is idempotent; a third is generation 2.
  auto again = Renew(2000, kSeed2, Direction::kUp);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->meta.generation, 1u);
  auto third = Renew(3000, kSeed3, Direction::kUp);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->meta.generation, 2u);
}

TEST_F(GenerationsTest, PackagesWithTheNewestAndDecryptsEveryGenerationHeld) {
  MakeStore(1000, Direction::kUp);
  {
    auto store = OpenStore();
    auto r = store->Reserve("bob", 10);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->range.generation, 0u);
    ASSERT_TRUE(store->MarkUsed(r->range).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kUp).ok());
  auto store = OpenStore();
  auto r = store->Reserve("bob", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->range.generation, 1u);
  EXPECT_EQ(r->range.first_index, 0u);
  EXPECT_EQ(ToVector(r->pad), PadBytes(kSeed2, 0, 10));
  ASSERT_TRUE(store->MarkUsed(r->range).ok());

  // bob sends downward from 999 in each pad: the same index in two generations is two
  // different pads, neither a replay of the other.
  for (auto [gen, seed] : {std::pair{0u, kSeed}, std::pair{1u, kSeed2}}) {
    auto p = store->BeginDecrypt("bob", gen, 999, 10);
    ASSERT_TRUE(p.ok()) << gen << ": " << p.status().ToString();
    EXPECT_EQ(p->generation, gen);
    auto pad = store->ReadPad(*p);
    ASSERT_TRUE(pad.ok());
    EXPECT_EQ(ToVector(*pad), Reversed(PadBytes(seed, 990, 1000)));
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
  }
  EXPECT_EQ(store->BeginDecrypt("bob", 1, 999, 10).status().code(), Status::Code::kReplay);
  EXPECT_EQ(store->BeginDecrypt("bob", 0, 999, 10).status().code(), Status::Code::kReplay);

  auto unknown = store->BeginDecrypt("bob", 7, 999, 10);
  EXPECT_EQ(unknown.status().code(), Status::Code::kUnsupported);
  EXPECT_NE(unknown.status().message().find("unknown"), std::string::npos)
      << unknown.status().message();

  auto info = store->Info("bob");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->meta.generation, 1u);
  EXPECT_EQ(info->generations, 2u);
  EXPECT_EQ(info->all_own_half, 1000u);
  EXPECT_EQ(info->all_own_left, 490u + 490u);
}

TEST_F(GenerationsTest, ReopenKeepsEveryGenerationsState) {
  MakeStore(1000, Direction::kUp);
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kUp).ok());
  {
    auto store = OpenStore();
    auto r = store->ReserveRange("bob", 100);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(store->MarkUsed(*r).ok());
    auto p = store->BeginDecrypt("bob", 0, 999, 10);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenStore();
  auto gens = store->Generations("bob");
  ASSERT_TRUE(gens.ok());
  ASSERT_EQ(gens->size(), 2u);
  EXPECT_EQ((*gens)[0].meta.generation, 0u);
  EXPECT_EQ((*gens)[0].own_used, 0u);
  EXPECT_EQ((*gens)[0].decrypted, 10u);
  EXPECT_EQ((*gens)[1].meta.generation, 1u);
  EXPECT_EQ((*gens)[1].own_used, 100u);
  EXPECT_EQ((*gens)[1].decrypted, 0u);
  EXPECT_EQ(store->BeginDecrypt("bob", 0, 999, 10).status().code(), Status::Code::kReplay);
  // The used pad of generation 1 was destroyed.
  EXPECT_TRUE(AllZero(ReadRaw(gen_file(1, "pad"), 0, 100)));
  EXPECT_EQ(ReadRaw(gen_file(1, "pad"), 100, 116), PadBytes(kSeed2, 100, 116));
}

TEST_F(GenerationsTest, FallsBackToAnOlderGenerationOnlyWhenTheNewestHasNoRoom) {
  MakeStore(1000, Direction::kUp);
  ASSERT_TRUE(Renew(100, kSeed2, Direction::kUp).ok());  // own half: 50 bytes
  auto store = OpenStore();
  auto a = store->ReserveRange("bob", 40);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->generation, 1u);
  auto b = store->ReserveRange("bob", 20);  // 10 left in generation 1
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->generation, 0u);
  auto c = store->ReserveRange("bob", 10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->generation, 1u);
  auto too_big = store->ReserveRange("bob", 600);
  EXPECT_EQ(too_big.status().code(), Status::Code::kExhausted);
}

TEST_F(GenerationsTest, ConcurrentReservationsUseEveryGenerationAndNeverOverlap) {
  MakeStore(2000, Direction::kUp);
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kDown).ok());
  auto store = OpenStore();
  std::mutex mu;
  std::vector<OwnRange> got;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto r = store->ReserveRange("bob", 10);
        if (!r.ok()) {
          EXPECT_EQ(r.status().code(), Status::Code::kExhausted) << r.status().ToString();
          return;
        }
        std::lock_guard lock(mu);
        got.push_back(*r);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // Every byte of both own halves (1000 + 500) handed out once: 150 reservations.
  ASSERT_EQ(got.size(), 150u);
  std::map<uint32_t, IntervalSet> used;
  for (const OwnRange& r : got) {
    EXPECT_FALSE(used[r.generation].Overlaps(r.indices)) << r.generation << ToString(r.indices);
    used[r.generation].Insert(r.indices);
  }
  EXPECT_EQ(used[0].Measure(), 1000u);
  EXPECT_EQ(used[1].Measure(), 500u);
}

TEST_F(GenerationsTest, RetireDestroysEveryByteAndRefusesItsPackagesAsRetired) {
  MakeStore(1000, Direction::kUp);
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kUp).ok());
  // Hold the pad file open: after the retirement its name is gone, the inode is not.
  auto pad = Env::Default()->OpenFile(contact_file("pad"), {});
  ASSERT_TRUE(pad.ok());
  auto store = OpenStore();
  EXPECT_EQ(store->Retire("bob", 1).status().code(), Status::Code::kInvalidArgument);  // newest
  EXPECT_EQ(store->Retire("bob", 5).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->Retire("carol", 0).status().code(), Status::Code::kNotFound);
  auto r = store->Retire("bob", 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->pad_size, 1000u);
  EXPECT_EQ(r->own_left, 500u);
  std::vector<uint8_t> all(1000);
  ASSERT_TRUE(ReadFully(**pad, 0, all).ok());
  EXPECT_TRUE(AllZero(all));
  for (const char* name : {"pad", "meta", "journal", "manifest", "audit.log"}) {
    EXPECT_FALSE(Env::Default()->FileExists(contact_file(name))) << name;
  }
  auto refused = store->BeginDecrypt("bob", 0, 999, 10);
  EXPECT_EQ(refused.status().code(), Status::Code::kUnsupported);
  EXPECT_NE(refused.status().message().find("retired"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(ReadText(store_dir() + "/audit.log").find("RETIRE peer=bob generation=0"),
            std::string::npos);
  ASSERT_TRUE(store->Close().ok());

  // Reopened: generation 1 alone, and generation 0 is still "retired", not unknown.
  store = OpenStore();
  auto gens = store->Generations("bob");
  ASSERT_TRUE(gens.ok());
  ASSERT_EQ(gens->size(), 1u);
  EXPECT_EQ(gens->front().meta.generation, 1u);
  EXPECT_NE(store->BeginDecrypt("bob", 0, 999, 10).status().message().find("retired"),
            std::string::npos);
  auto p = store->BeginDecrypt("bob", 1, 999, 10);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
}

TEST_F(GenerationsTest, AnAddInterruptedBeforeItsMetaIsFinishedByTheNextAdd) {
  MakeStore(1000, Direction::kUp);
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kUp).ok());
  // A crash just before the commit point: everything but the meta is in place.
  ASSERT_TRUE(Env::Default()->RemoveFile(gen_file(1, "meta")).ok());
  NextGenerationSlot slot = NextGenerationOnDisk(*Env::Default(), StorePaths(store_dir()), "bob");
  EXPECT_EQ(slot.generation, 1u);
  EXPECT_TRUE(slot.unfinished);
  {
    auto store = OpenStore();
    auto gens = store->Generations("bob");
    ASSERT_TRUE(gens.ok());
    EXPECT_EQ(gens->size(), 1u);  // the unfinished generation holds no usable pad
    EXPECT_EQ(store->BeginDecrypt("bob", 1, 999, 10).status().code(), Status::Code::kUnsupported);
  }
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = gen_file(1, "pad");
  spec.manifest_path = gen_file(1, "manifest");
  spec.direction = Direction::kUp;
  spec.generation = 1;
  auto info = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->meta.generation, 1u);
  slot = NextGenerationOnDisk(*Env::Default(), StorePaths(store_dir()), "bob");
  EXPECT_EQ(slot.generation, 2u);
  EXPECT_FALSE(slot.unfinished);
}

TEST_F(GenerationsTest, ARetirementInterruptedAfterItsCommitPointIsFinishedByTheNext) {
  MakeStore(1000, Direction::kUp);
  ASSERT_TRUE(Renew(1000, kSeed2, Direction::kUp).ok());
  ASSERT_TRUE(Env::Default()->RemoveFile(contact_file("meta")).ok());  // crash after the commit
  auto store = OpenStore();
  EXPECT_NE(store->BeginDecrypt("bob", 0, 999, 10).status().message().find("retired"),
            std::string::npos);
  ASSERT_TRUE(store->Retire("bob", 0).ok());
  EXPECT_FALSE(Env::Default()->FileExists(contact_file("journal")));
  EXPECT_FALSE(Env::Default()->FileExists(contact_file("pad")));
}

TEST_F(GenerationsTest, CopyDetectionMirrorsAndRecoverWorkPerGeneration) {
  StoreOptions options;
  options.mark_mirror_dir = dir_.File("marks");
  auto use = [&] {
    auto store = OpenStore(options);
    auto r = store->ReserveRange("bob", 100);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(store->MarkUsed(*r).ok());
    ASSERT_TRUE(store->Close().ok());
  };
  MakeStore(4 << 20, Direction::kUp);
  use();  // generation 0
  ASSERT_TRUE(Renew(4 << 20, kSeed2, Direction::kUp).ok());
  use();  // generation 1
  // One mirror file per generation: their names carry each pad's id.
  auto marks = Env::Default()->GetChildren(dir_.File("marks"));
  ASSERT_TRUE(marks.ok());
  EXPECT_EQ(marks->size(), 2u);
  // A copy put back in place: every generation is flagged, and recover treats each.
  ASSERT_EQ(std::system(("cp -a " + store_dir() + " " + dir_.File("copy") + " && rm -rf " +
                         store_dir() + " && mv " + dir_.File("copy") + " " + store_dir())
                            .c_str()),
            0);
  auto store = OpenStore(options);
  auto gens = store->Generations("bob");
  ASSERT_TRUE(gens.ok());
  for (const ContactState& g : *gens) EXPECT_TRUE(g.needs_recovery) << g.meta.generation;
  EXPECT_EQ(store->ReserveRange("bob", 10).status().code(), Status::Code::kDenied);
  auto reports = store->Recover(RecoverOptions{});
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 2u);
  EXPECT_EQ((*reports)[0].generation, 0u);
  EXPECT_EQ((*reports)[1].generation, 1u);
  for (const RecoverReport& r : *reports) EXPECT_TRUE(r.needed);
  auto after = store->ReserveRange("bob", 10);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->generation, 1u);
  EXPECT_GE(after->stream_offset, 100u + kMinRecoverMargin);
}

TEST_F(GenerationsTest, Otc1ContactsAreNotRenewed) {
  MakeStore(1000, Direction::kUp, "bob", 0, Format::kOtc1);
  auto info = Renew(1000, kSeed2, Direction::kUp);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(info.status().message().find("otc1"), std::string::npos) << info.status().message();
}

TEST_F(GenerationsTest, AGenerationMustComeAfterTheNewest) {
  MakeStore(1000, Direction::kUp);
  std::string pad = dir_.File("x.pad"), manifest = dir_.File("x.manifest");
  WritePad(pad, manifest, 1000, kSeed2);
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = pad;
  spec.manifest_path = manifest;
  spec.generation = 0;
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kAlreadyExists);
  spec.generation = kMaxGeneration + 1;
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  spec.generation = 3;  // a gap is allowed: the other store may have had more
  auto info = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->meta.generation, 3u);
}

TEST(ContactMetaGenerationTest, GenerationZeroIsVersionOneAndOthersRoundTrip) {
  ContactMeta m;
  m.owner = "alice";
  m.peer = "bob";
  m.pad_size = 1000;
  m.split = 500;
  std::vector<uint8_t> v1 = EncodeContactMeta(m);
  EXPECT_EQ(v1[8], 1);  // version u32 = 1 after the magic
  m.generation = 513;
  std::vector<uint8_t> v2 = EncodeContactMeta(m);
  EXPECT_EQ(v2[8], 2);
  EXPECT_EQ(v2.size(), v1.size() + 4);
  auto back = DecodeContactMeta(v2, "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->generation, 513u);
  EXPECT_EQ(*back, m);
}

TEST(PackageIndexTest, TheTopSixteenBitsNameTheGeneration) {
  EXPECT_EQ(PackageIndex(0, 12345), 12345u);
  EXPECT_EQ(PackageIndex(1, 0), uint64_t{1} << 48);
  EXPECT_EQ(PackageIndex(0xFFFF, (uint64_t{1} << 48) - 1), ~uint64_t{0});
  const uint64_t index = 0x0002'0000'0000'0010ull;
  EXPECT_EQ(GenerationOfIndex(index), 2u);
  EXPECT_EQ(PadIndexOfIndex(index), 16u);
}

}  // namespace
}  // namespace otc::padstore::testing
