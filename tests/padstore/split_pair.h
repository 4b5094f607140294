// Fixture for the moved-split tests: two real stores built from one test pad, alice
// (direction +1, indices [0, 32K) upward) and bob (direction -1, [32K, 64K) downward),
// each holding the other as its contact, as two padgen runs would leave them.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "padstore/journal.h"
#include "padstore/snapshot.h"
#include "tests/padstore/padstore_tool.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore::testing {

class SplitPairTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kPad = 64 * 1024;
  static constexpr uint64_t kHalf = kPad / 2;
  static constexpr uint64_t kSeed = 11;

  void SetUp() override {
    // The tools run below read the mark mirror directory from here: keep it in the test.
    ::setenv("OTC_MARK_MIRROR", dir_.File("marks").c_str(), 1);
    MakeParty("alice", "bob", Direction::kUp);
    MakeParty("bob", "alice", Direction::kDown);
  }
  void TearDown() override { ::unsetenv("OTC_MARK_MIRROR"); }

  std::string StoreDir(const std::string& owner) const { return dir_.File(owner + "-store"); }
  std::string ContactFile(const std::string& owner, const std::string& peer,
                          const std::string& name) const {
    return StoreDir(owner) + "/contacts/" + peer + "/" + name;
  }

  void MakeParty(const std::string& owner, const std::string& peer, Direction direction) {
    ASSERT_TRUE(Store::Init(StoreDir(owner), owner).ok());
    const std::string pad = dir_.File(owner + ".pad"), manifest = dir_.File(owner + ".manifest");
    WritePad(pad, manifest, kPad, kSeed);
    ContactSpec spec;
    spec.peer = peer;
    spec.pad_path = pad;
    spec.manifest_path = manifest;
    spec.direction = direction;
    spec.format = Format::kOtc2;
    auto info = RegisterContact(StoreDir(owner), owner, spec);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
  }

  std::unique_ptr<Store> Open(const std::string& owner, Env* env = nullptr) {
    StoreOptions o;
    o.env = env;
    auto store = Store::Open(StoreDir(owner), std::move(o));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Appends both copies of a record to a closed store's journal, as a later write would.
  void AppendRecord(const std::string& owner, const std::string& peer, RecordType type,
                    const std::vector<uint8_t>& payload) {
    const std::string path = ContactFile(owner, peer, "journal");
    auto scan = ScanJournal(*Env::Default(), path);
    ASSERT_TRUE(scan.ok());
    const uint64_t seq = scan->records.back().seq + 1;
    std::vector<uint8_t> bytes = EncodeRecord(type, 0, seq, 1, payload);
    std::vector<uint8_t> second = EncodeRecord(type, 1, seq, 1, payload);
    bytes.insert(bytes.end(), second.begin(), second.end());
    auto f = Env::Default()->OpenFile(path, {.write = true});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(WriteFully(**f, scan->file_size, bytes).ok());
  }

  ToolRun Padstore(const std::string& args) { return RunPadstore(args); }

  TestDir dir_;
};

}  // namespace otc::padstore::testing
