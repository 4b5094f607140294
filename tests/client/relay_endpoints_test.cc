// Relay lists (several relay addresses for failover) as users type them.
#include "chat/client/relay_endpoints.h"

#include <gtest/gtest.h>

namespace otc::client {
namespace {

TEST(RelayList, OneOrSeveralAddressesInOrder) {
  Result<std::vector<Endpoint>> one = ParseRelayList("http://127.0.0.1:9050");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  Result<std::vector<Endpoint>> two =
      ParseRelayList("http://10.0.0.2:9050 ,https://[::1]:443,  unix:/run/otc/relay.sock");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  ASSERT_EQ(two->size(), 3u);
  EXPECT_EQ((*two)[0].ToString(), "http://10.0.0.2:9050");
  EXPECT_EQ((*two)[1].ToString(), "https://[::1]:443");
  EXPECT_TRUE((*two)[1].tls);
  EXPECT_EQ((*two)[2].ToString(), "unix:/run/otc/relay.sock");
}

TEST(RelayList, EmptyEntriesDuplicatesAndBadAddressesAreErrors) {
  for (const char* bad :
       {"", ",", "http://127.0.0.1:1,", "http://127.0.0.1:1,,http://127.0.0.1:2",
        "http://127.0.0.1:1, ftp://127.0.0.1:2", "http://127.0.0.1:1, 127.0.0.1"}) {
    Result<std::vector<Endpoint>> r = ParseRelayList(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
  }
  Result<std::vector<Endpoint>> dup = ParseRelayList("127.0.0.1:9050, http://127.0.0.1:9050");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
}

}  // namespace
}  // namespace otc::client
