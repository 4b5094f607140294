#include "chat/client/endpoint.h"

#include <gtest/gtest.h>

namespace otc::client {
namespace {

TEST(EndpointTest, Unix) {
  auto e = ParseEndpoint("unix:/tmp/dev.sock", "device");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(e->path, "/tmp/dev.sock");
  EXPECT_EQ(e->ToString(), "unix:/tmp/dev.sock");
}

TEST(EndpointTest, HttpForms) {
  auto a = ParseEndpoint("http://127.0.0.1:9050", "relay");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9050);
  EXPECT_FALSE(a->tls);
  auto b = ParseEndpoint("localhost:80/", "relay");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ToString(), "http://localhost:80");
  auto c = ParseEndpoint("http://[::1]:9051", "device");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->ToString(), "http://[::1]:9051");
  auto d = ParseEndpoint("https://dev.lan:9443", "device");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->tls);
}

TEST(EndpointTest, Rejects) {
  for (const char* bad : {"unix:", "http://host", "http://:80", "http://h:0", "http://h:65536",
                          "http://h:8x", "ftp://h:1", "http://h:80/path", "http://u@h:80",
                          "http://h:80?x=1", "::1:80", "[::1:80", "[::1]80", "", "http://h:"}) {
    auto e = ParseEndpoint(bad, "relay");
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_NE(e.status().message().find("relay address"), std::string::npos);
    }
  }
  EXPECT_FALSE(ParseEndpoint("unix:/" + std::string(200, 'x'), "device").ok());
}

}  // namespace
}  // namespace otc::client
