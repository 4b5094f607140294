#include "relay/waiter_registry.h"

#include <gtest/gtest.h>

namespace otc::relay {
namespace {

TEST(WaiterRegistry, WakesOnlyMatchingRecipientsOncePerNotify) {
  WaiterRegistry r;
  int a = 0, b = 0, a2 = 0;
  uint64_t ida = r.Subscribe("alice", [&] { ++a; });
  r.Subscribe("bob", [&] { ++b; });
  r.Subscribe("alice", [&] { ++a2; });
  r.Notify({"carol"});
  EXPECT_EQ(a + b + a2, 0);
  r.Notify({"alice", "alice"});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(a2, 1);
  EXPECT_EQ(b, 0);
  r.Unsubscribe(ida);
  r.Notify({"alice", "bob"});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(a2, 2);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(r.size(), 2u);
  r.Unsubscribe(ida);  // twice is harmless
  r.Unsubscribe(12345);
  EXPECT_EQ(r.size(), 2u);
}

}  // namespace
}  // namespace otc::relay
