// Many clients at once (the 2015 implementation could reuse pad when two requests
// raced): 8 concurrent clients x 2,000 packages through alice's daemon; every pad range
// disjoint; all 16,000 unpackage on bob's daemon. OTC_TEST_PROFILE=long: 8 x 20,000.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "common/encoding.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::Daemon;
using testing::kStorePlace;
using testing::Pair;
using testing::RpcClient;
using testing::StoreDir;

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p != nullptr && std::string(p) == "long";
}

struct Sent {
  std::string message;
  std::string package;
  uint64_t index = 0;
};

TEST(DaemonLoad, ConcurrentClientsNeverShareAPadByte) {
  const int kClients = 8;
  const int kPerClient = LongProfile() ? 20000 : 2000;
  const uint64_t pad_size = LongProfile() ? (uint64_t{32} << 20) : (uint64_t{4} << 20);
  TestDir dir{kStorePlace};
  ASSERT_TRUE(testing::MakeStores(dir, {Pair{"alice", "bob", Format::kOtc2, pad_size, 51}}));
  auto alice = Daemon::Start(StoreDir(dir, "alice"), {"--confirm", "auto"});
  auto bob = Daemon::Start(StoreDir(dir, "bob"), {"--confirm", "auto"});
  ASSERT_TRUE(alice && bob);

  std::vector<std::vector<Sent>> sent(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      RpcClient client(alice->address());
      for (int i = 0; i < kPerClient; ++i) {
        Sent s;
        s.message = "client " + std::to_string(t) + " message " + std::to_string(i);
        auto r = client.Package("bob", s.message);
        if (r.status != 200) {
          ADD_FAILURE() << r.raw;
          return;
        }
        s.package = r.body["package"];
        s.index = r.body["index"];
        sent[t].push_back(std::move(s));
      }
    });
  }
  for (auto& th : threads) th.join();
  threads.clear();

  // Disjoint: sorted by index, each range [index, index + m + 53) ends before the next
  // (otc2 with the device's 21-byte envelope).
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& per : sent) {
    ASSERT_EQ(per.size(), static_cast<size_t>(kPerClient));
    for (const Sent& s : per) ranges.emplace_back(s.index, s.index + s.message.size() + 53);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    ASSERT_LE(ranges[i - 1].second, ranges[i].first) << "overlap at " << ranges[i].first;
  }
  EXPECT_EQ(ranges.size(), static_cast<size_t>(kClients * kPerClient));

  // Every package unpackages on bob's device, concurrently too.
  std::atomic<int> ok{0};
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      RpcClient client(bob->address());
      for (const Sent& s : sent[t]) {
        auto r = client.Unpackage("alice", s.package);
        if (r.status != 200 || r.body["message"] != s.message || r.body["index"] != s.index) {
          ADD_FAILURE() << r.raw;
          return;
        }
        ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kClients * kPerClient);
  EXPECT_EQ(alice->Stop(), 0);
  EXPECT_EQ(bob->Stop(), 0);
}

}  // namespace
}  // namespace otc::device
