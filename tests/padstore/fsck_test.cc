// fsck on clean, corrupted-pad, corrupted-journal, damaged-meta and burned stores, with
// e2fsck exit codes (0 clean, 1 corrected, 4 uncorrected, 8 operational).
#include "padstore/fsck.h"

#include <sys/stat.h>

#include <filesystem>

#include "padstore/journal.h"
#include "padstore/snapshot.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using testing::ReadText;

class FsckTest : public testing::StoreFixture {
 protected:
  static constexpr uint64_t kPad = 65536;  // 16 chunks of 4096; split 32768

  // Owner direction +1: uses [0, 100); bob (direction -1) sent [65486, 65536).
  void MakeUsedStore() {
    MakeStore(kPad, Direction::kUp);
    auto store = OpenStore();
    auto r = store->ReserveRange("bob", 100);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(store->MarkUsed(*r).ok());
    auto p = store->BeginDecrypt("bob", kPad - 1, 50);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    ASSERT_TRUE(store->Close().ok());
  }

  FsckReport Run(bool repair = false, bool check_pad = true) {
    FsckOptions o;
    o.repair = repair;
    o.check_pad = check_pad;
    return Fsck(store_dir(), o);
  }

  static std::string Problems(const FsckReport& r) {
    std::string s;
    for (const auto& p : r.problems)
      s += p.where + ": " + p.what + (p.corrected ? " [fixed]\n" : "\n");
    return s + r.operational_error;
  }
  static bool Mentions(const FsckReport& r, const std::string& text) {
    return Problems(r).find(text) != std::string::npos;
  }

  void WriteAt(const std::string& path, uint64_t offset, const std::string& bytes) {
    auto f = Env::Default()->OpenFile(path, {.write = true});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(WriteFully(**f, offset, AsBytesOf(bytes)).ok());
  }
  static std::span<const uint8_t> AsBytesOf(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }
};

TEST_F(FsckTest, ACleanStoreIsClean) {
  MakeUsedStore();
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 0) << Problems(r);
  ASSERT_EQ(r.contacts.size(), 1u);
  EXPECT_EQ(r.contacts[0].chunks, 16u);
  EXPECT_EQ(r.contacts[0].chunks_used, 2u);       // chunk 0 and chunk 15
  EXPECT_EQ(r.contacts[0].chunks_verified, 14u);  // every other chunk
  EXPECT_EQ(r.contacts[0].burned_bytes_checked, 150u);
  EXPECT_EQ(r.bytes_read, kPad);
}

TEST_F(FsckTest, ACorruptedUnusedChunkIsReported) {
  MakeUsedStore();
  WriteAt(pad_path(), 20000, "X");  // chunk 4
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "unused chunk 4 (bytes [16384, 20480)) does not match")) << Problems(r);
  EXPECT_EQ(Run(/*repair=*/true).ExitCode(), 14) << "repair never touches the pad";
  EXPECT_EQ(Run(false, /*check_pad=*/false).ExitCode(), 0) << "quick mode reads no pad";
}

TEST_F(FsckTest, BurnedPadThatIsNotZeroIsReported) {
  MakeUsedStore();
  WriteAt(pad_path(), 10, "secret");
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "6 bytes of burned pad do not read back as zeros (first [10, 16))"))
      << Problems(r);
}

TEST_F(FsckTest, AFullyBurnedHalfChecksClean) {
  MakeStore(kPad, Direction::kDown);
  {
    StoreOptions o;
    o.burn_mode = BurnMode::kPunchHole;
    auto store = OpenStore(o);
    for (int i = 0; i < 32; ++i) {
      auto r = store->ReserveRange("bob", 1024);
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(store->MarkUsed(*r).ok());
    }
    EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kExhausted);
    ASSERT_TRUE(store->Close().ok());
  }
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 0) << Problems(r);
  EXPECT_EQ(r.contacts[0].burned_bytes_checked, kPad / 2);
  EXPECT_EQ(r.contacts[0].chunks_verified, 8u);
}

TEST_F(FsckTest, ATornJournalTailIsRepairedByTruncation) {
  MakeUsedStore();
  const std::string journal = contact_file("journal");
  const uint64_t good = std::filesystem::file_size(journal);
  WriteAt(journal, good, std::string("\x4f\x54\x43\x4a", 4) + "half a record");
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "torn tail: 17 bytes after offset " + std::to_string(good)))
      << Problems(r);
  FsckReport fixed = Run(/*repair=*/true);
  EXPECT_EQ(fixed.ExitCode(), 15) << Problems(fixed);
  EXPECT_EQ(std::filesystem::file_size(journal), good);
  EXPECT_EQ(Run().ExitCode(), 0);
}

TEST_F(FsckTest, DamageBetweenRecordsIsReportedAndNotRepaired) {
  MakeUsedStore();
  const std::string journal = contact_file("journal");
  auto scan = ScanJournal(*Env::Default(), journal);
  ASSERT_TRUE(scan.ok());
  WriteAt(journal, scan->records[2].offset + kRecordHeaderSize, "!");  // snapshot copy 0
  FsckReport r = Run(/*repair=*/true);
  EXPECT_EQ(r.ExitCode(), 14) << Problems(r);
  EXPECT_TRUE(Mentions(r, "damaged bytes lie between valid records")) << Problems(r);
  // The store still opens (the other copy survives) and opening rewrites the journal.
  ASSERT_TRUE(OpenStore() != nullptr);
  EXPECT_EQ(Run().ExitCode(), 0);
}

TEST_F(FsckTest, ADamagedMetaIsRewrittenFromTheJournal) {
  MakeUsedStore();
  const std::string meta = contact_file("meta");
  const std::string original = ReadText(meta);
  WriteAt(meta, 20, "\xff");
  {
    auto store = Store::Open(store_dir());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->ReserveRange("bob", 1).status().code(), Status::Code::kCorruption);
  }
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "checksum mismatch")) << Problems(r);
  FsckReport fixed = Run(/*repair=*/true);
  EXPECT_EQ(fixed.ExitCode(), 15) << Problems(fixed);
  EXPECT_EQ(ReadText(meta), original);
  EXPECT_EQ(Run().ExitCode(), 0);
  auto store = OpenStore();
  EXPECT_TRUE(store->ReserveRange("bob", 1).ok());
}

TEST_F(FsckTest, BrokenJournalInvariantsAreReported) {
  MakeUsedStore();
  {
    // Append records a correct store never writes: a mark going backward, a decrypt
    // overlapping an earlier one, a burn of pad that was never used.
    auto scan = ScanJournal(*Env::Default(), contact_file("journal"));
    uint64_t seq = scan->records.back().seq + 1;
    std::vector<uint8_t> bad;
    auto add = [&](RecordType t, std::vector<uint8_t> payload) {
      for (uint8_t c = 0; c < 2; ++c) {
        auto r = EncodeRecord(t, c, seq, 1, payload);
        bad.insert(bad.end(), r.begin(), r.end());
      }
      ++seq;
    };
    add(RecordType::kMark, EncodeU64(50));
    add(RecordType::kDecrypt, EncodeRange({65500, 65510}));
    add(RecordType::kBurn, EncodeRange({30000, 30010}));
    auto f = Env::Default()->OpenFile(contact_file("journal"), {.write = true});
    ASSERT_TRUE(WriteFully(**f, std::filesystem::file_size(contact_file("journal")), bad).ok());
  }
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "the mark moved backward from 100 to 50")) << Problems(r);
  EXPECT_TRUE(Mentions(r, "decrypt range [65500, 65510) overlaps pad decrypted before"));
  EXPECT_TRUE(Mentions(r, "burn of [30000, 30010) destroys pad that was never used"));
}

TEST_F(FsckTest, APadReadableByOthersIsReported) {
  MakeUsedStore();
  ASSERT_EQ(::chmod(pad_path().c_str(), 0644), 0);
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "(mode 0644); run chmod 600")) << Problems(r);
}

TEST_F(FsckTest, NotAStoreFailsAndAStoreInUseExitsTen) {
  EXPECT_EQ(Fsck(dir_.File("nope"), {}).ExitCode(), 1);
  MakeUsedStore();
  auto store = OpenStore();
  FsckReport r = Run();
  EXPECT_EQ(r.ExitCode(), 10);
  EXPECT_TRUE(r.store_in_use);
  EXPECT_NE(r.operational_error.find("is in use by PID"), std::string::npos) << r.operational_error;
}

TEST_F(FsckTest, ReadOnlyChecksAStoreInUse) {
  MakeUsedStore();
  auto store = OpenStore();  // held, as by a running device
  FsckOptions o;
  o.read_only = true;
  FsckReport r = Fsck(store_dir(), o);
  EXPECT_EQ(r.ExitCode(), 0) << r.operational_error << Problems(r);
  ASSERT_EQ(r.contacts.size(), 1u);
  EXPECT_GT(r.contacts[0].chunks_verified, 0u);
  // Damage is still found without the lock.
  WriteAt(pad_path(), 20000, "X");  // chunk 4, unused
  FsckReport damaged = Fsck(store_dir(), o);
  EXPECT_EQ(damaged.ExitCode(), 14);
  EXPECT_TRUE(Mentions(damaged, "unused chunk 4")) << Problems(damaged);
  o.repair = true;
  FsckReport both = Fsck(store_dir(), o);
  EXPECT_EQ(both.ExitCode(), 1);
  EXPECT_NE(both.operational_error.find("cannot repair"), std::string::npos);
}

TEST_F(FsckTest, AMissingJournalIsReported) {
  MakeUsedStore();
  std::filesystem::remove(contact_file("journal"));
  FsckReport r = Run(/*repair=*/true);
  EXPECT_EQ(r.ExitCode(), 14);
  EXPECT_TRUE(Mentions(r, "bob/journal: is missing")) << Problems(r);
}

}  // namespace
}  // namespace otc::padstore
