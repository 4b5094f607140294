// Journal format: scanning, damage classification, recovery folding, and the meta and
// snapshot encodings it carries.
#include "padstore/journal.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "padstore/contact_meta.h"
#include "padstore/crc32c.h"
#include "padstore/recovery.h"
#include "padstore/snapshot.h"
#include "padstore/store_meta.h"
#include "tests/common/test_dir.h"

namespace otc::padstore {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.File("journal"); }

  ContactMeta Meta() {
    ContactMeta m;
    m.owner = "alice";
    m.peer = "bob";
    m.pad_size = 1000;
    m.split = 500;
    m.direction = Direction::kUp;
    m.pad_id[0] = 0xab;
    m.created_unix = 1700000000;
    return m;
  }

  // A journal: snapshot (mark 10, decrypted [900,1000)), then marks 20, 30, one decrypt.
  void WriteJournal() {
    Snapshot snap;
    snap.own_mark = 10;
    snap.decrypted.Insert(900, 1000);
    auto w =
        JournalWriter::Create(env_, path_, 1, 100, EncodeContactMeta(Meta()), EncodeSnapshot(snap));
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Append(RecordType::kMark, 101, EncodeU64(20)).ok());
    ASSERT_TRUE((*w)->Append(RecordType::kDecrypt, 102, EncodeRange({800, 900})).ok());
    ASSERT_TRUE((*w)->Append(RecordType::kMark, 103, EncodeU64(30)).ok());
    ASSERT_TRUE((*w)->Sync().ok());
    EXPECT_EQ((*w)->next_seq(), 7u);  // meta 1, snapshot 2, identity 3, then 4..6
  }

  std::string Bytes() { return *ReadFileToString(env_, path_); }
  void Put(const std::string& bytes) {
    auto f = env_.OpenFile(path_, {.write = true, .create = true, .truncate = true});
    ASSERT_TRUE(
        WriteFully(**f, 0, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).ok());
  }
  RecoveredState Recover() {
    auto scan = ScanJournal(env_, path_);
    EXPECT_TRUE(scan.ok());
    auto rec = RecoverJournal(*scan, Meta().layout(), "test");
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    return rec.ok() ? std::move(*rec) : RecoveredState{};
  }

  Env& env_ = *Env::Default();
  TestDir dir_;
  std::string path_;
};

TEST_F(JournalTest, WritesTwoCopiesOfEveryRecordAndFoldsThem) {
  WriteJournal();
  auto scan = ScanJournal(env_, path_);
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->damage.empty());
  ASSERT_EQ(scan->records.size(), 12u);
  EXPECT_EQ(scan->records[0].type, RecordType::kMeta);
  EXPECT_EQ(scan->records[1].copy, 1);
  EXPECT_EQ(scan->records[2].type, RecordType::kSnapshot);
  EXPECT_EQ(scan->records[4].type, RecordType::kIdentity);
  EXPECT_EQ(scan->records[11].seq, 6u);
  RecoveredState rec = Recover();
  EXPECT_EQ(rec.state.own_mark, 30u);
  EXPECT_EQ(rec.state.decrypted.Intervals(), (std::vector<IndexRange>{{800, 1000}}));
  EXPECT_EQ(rec.next_seq, 7u);
  // The identity recorded is the journal file's own (checked with plain stat(2)).
  ASSERT_TRUE(rec.identity.has_value());
  EXPECT_FALSE(rec.identity_conflict);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(rec.identity->inode, st.st_ino);
  EXPECT_TRUE(rec.copies.empty());
  EXPECT_EQ(rec.state.last_activity, 103u);
  ASSERT_TRUE(rec.meta_bytes.has_value());
  EXPECT_EQ(*DecodeContactMeta(*rec.meta_bytes, "x"), Meta());
}

TEST_F(JournalTest, ATornTailIsReportedAndTheOtherCopyKeepsTheMark) {
  WriteJournal();
  std::string b = Bytes();
  Put(b.substr(0, b.size() - 10));  // tears copy 1 of the last mark
  auto scan = ScanJournal(env_, path_);
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->torn_tail());
  EXPECT_FALSE(scan->has_hole());
  EXPECT_EQ(Recover().state.own_mark, 30u);
}

TEST_F(JournalTest, AFlippedBitLosesOneCopyOnly) {
  WriteJournal();
  std::string b = Bytes();
  // Flip a payload bit in copy 0 of the last mark record (seq 5).
  const size_t last_pair = b.size() - 2 * (kRecordHeaderSize + 8);
  b[last_pair + kRecordHeaderSize + 1] ^= 0x04;
  Put(b);
  auto scan = ScanJournal(env_, path_);
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->has_hole()) << "damage followed by a valid record";
  EXPECT_EQ(scan->damage.size(), 1u);
  EXPECT_EQ(Recover().state.own_mark, 30u);
}

TEST_F(JournalTest, RecoveryDoesNotStopAtAHoleBeforeLaterRecords) {
  WriteJournal();
  std::string b = Bytes();
  // Wipe both copies of the first mark (seq 3) and both copies of the decrypt (seq 4), as
  // a failed fsync followed by a power loss could: the later mark must still be found.
  size_t first_mark = b.find(std::string("\x4f\x54\x43\x4a", 4), 0);
  for (int i = 0; i < 6; ++i)  // past meta, snapshot and identity, two copies each
    first_mark = b.find(std::string("\x4f\x54\x43\x4a", 4), first_mark + 1);
  const size_t wipe = 2 * (kRecordHeaderSize + 8) + 2 * (kRecordHeaderSize + 16);
  std::fill(b.begin() + first_mark, b.begin() + first_mark + wipe, '\0');
  Put(b);
  auto scan = ScanJournal(env_, path_);
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->damage.size(), 1u);
  EXPECT_EQ(scan->damage[0], (IndexRange{first_mark, first_mark + wipe}));
  RecoveredState rec = Recover();
  EXPECT_EQ(rec.state.own_mark, 30u);
  EXPECT_EQ(rec.state.decrypted.Intervals(), (std::vector<IndexRange>{{900, 1000}}));
}

TEST_F(JournalTest, GarbageAndEmptyFilesHaveNoSnapshot) {
  Put("this is not a journal");
  auto scan = ScanJournal(env_, path_);
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->records.empty());
  EXPECT_TRUE(scan->torn_tail());
  auto rec = RecoverJournal(*scan, Meta().layout(), "test");
  EXPECT_EQ(rec.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ScanJournal(env_, dir_.File("missing")).status().code(), Status::Code::kNotFound);
}

TEST_F(JournalTest, RecordsThatBreakTheGeometryAreCorruption) {
  WriteJournal();
  auto w = JournalWriter::Create(env_, path_, 1, 1, EncodeContactMeta(Meta()),
                                 EncodeSnapshot(Snapshot{}));
  ASSERT_TRUE(w.ok());
  // A decrypt range in the owner's own half.
  ASSERT_TRUE((*w)->Append(RecordType::kDecrypt, 1, EncodeRange({0, 10})).ok());
  auto scan = ScanJournal(env_, path_);
  EXPECT_EQ(RecoverJournal(*scan, Meta().layout(), "t").status().code(), Status::Code::kCorruption);
  w = JournalWriter::Create(env_, path_, 1, 1, EncodeContactMeta(Meta()),
                            EncodeSnapshot(Snapshot{}));
  ASSERT_TRUE((*w)->Append(RecordType::kMark, 1, EncodeU64(501)).ok());  // own half is 500
  scan = ScanJournal(env_, path_);
  EXPECT_EQ(RecoverJournal(*scan, Meta().layout(), "t").status().code(), Status::Code::kCorruption);
}

TEST(SnapshotTest, RoundTripsAndRejectsNonCanonicalLists) {
  Snapshot s;
  s.own_mark = uint64_t{1} << 40;
  s.last_activity = 5;
  s.decrypted.Insert(1, 5);
  s.decrypted.Insert(9, 12);
  s.burned.Insert(0, 3);
  auto bytes = EncodeSnapshot(s);
  EXPECT_EQ(bytes.size(), 32u + 16u * 3u);
  auto back = DecodeSnapshot(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->own_mark, s.own_mark);
  EXPECT_EQ(back->decrypted, s.decrypted);
  EXPECT_EQ(back->burned, s.burned);
  // Overlapping intervals (1,5) (4,12) are not canonical.
  auto bad = bytes;
  bad[16 + 8 + 16] = 4;
  EXPECT_FALSE(DecodeSnapshot(bad).ok());
  bytes.pop_back();
  EXPECT_FALSE(DecodeSnapshot(bytes).ok());
}

TEST(MetaFormatTest, ContactMetaRoundTripsAndDetectsDamage) {
  ContactMeta m;
  m.owner = "alice";
  m.peer = "bob";
  m.pad_size = uint64_t{1} << 40;
  m.split = uint64_t{1} << 39;
  m.direction = Direction::kDown;
  m.format = Format::kOtc1;
  m.flags = ContactMeta::kImportedLegacy;
  m.pad_id.fill(0x5a);
  m.created_unix = 123;
  auto bytes = EncodeContactMeta(m);
  auto back = DecodeContactMeta(bytes, "meta");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x01;
    EXPECT_FALSE(DecodeContactMeta(bad, "meta").ok()) << "flip at " << i;
  }
  StoreMeta sm{"alice", 77, std::string(16, 'x')};
  auto sb = EncodeStoreMeta(sm);
  auto sback = DecodeStoreMeta(sb, "store.meta");
  ASSERT_TRUE(sback.ok());
  EXPECT_EQ(sback->owner, "alice");
  EXPECT_EQ(sback->instance, std::string(16, 'x'));
  // A version 1 file (before stores had an instance id) still reads, without one.
  std::vector<uint8_t> v1 = {'O', 'T', 'C', 'S', 'T', 'O', 'R', '1', 1, 0, 0, 0, 5,
                             'a', 'l', 'i', 'c', 'e', 77,  0,   0,   0, 0, 0, 0, 0};
  uint32_t crc = Crc32c(v1);
  for (int i = 0; i < 4; ++i) v1.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  auto old = DecodeStoreMeta(v1, "store.meta");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->owner, "alice");
  EXPECT_EQ(old->created_unix, 77u);
  EXPECT_TRUE(old->instance.empty());
  sb[9] ^= 1;
  EXPECT_EQ(DecodeStoreMeta(sb, "store.meta").status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace otc::padstore
