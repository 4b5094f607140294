// Accounts over HTTP: /register, and only a queue's owner reads, pages and acks it.
#include <gtest/gtest.h>

#include "chat/client/endpoint.h"
#include "chat/client/relay_client.h"
#include "common/encoding.h"
#include "relay/accounts.h"
#include "tests/relay/relay_fixture.h"

namespace otc::relay {
namespace {

class RelayAccounts : public RelayFixture {
 protected:
  void SetUp() override {
    Config c = DefaultConfig();
    c.relay.accounts_required = true;
    c.relay.register_rate = 0;  // unlimited unless a test says otherwise
    StartRelay(c);
  }
  // Registers `uid`; returns its token ("" on failure).
  std::string Register(const std::string& uid) {
    http::Response r = PostJson("/register", {{"recipient_uid", uid}});
    EXPECT_EQ(r.result_int(), 200) << r.body();
    nlohmann::json j = Json(r);
    if (r.result_int() != 200) return "";
    EXPECT_EQ(j["uid"], uid);
    return j["token"].get<std::string>();
  }
  http::Response As(const std::string& token, http::Verb verb, const std::string& target,
                    std::string body = "") {
    http::Request req(verb, target, 11);
    if (!token.empty()) req.set(http::Field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::Field::content_type, "application/json");
      req.body() = std::move(body);
    }
    Result<http::Response> r = client_->Send(std::move(req));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : http::Response();
  }
};

TEST_F(RelayAccounts, OnlyTheOwnerReadsPagesAndAcksTheQueue) {
  std::string bob = Register("bob");
  std::string mallory = Register("mallory");
  ASSERT_EQ(bob.size(), 64u);
  EXPECT_NE(bob, mallory);
  uint64_t ref = Send("alice", "bob", Base64Encode(AsBytes(std::string_view("hi"))));
  ASSERT_GT(ref, 0u);
  const std::string read = "/getmessages?recipient_uid=bob&start_ref=0";
  const std::string next = "/getnextref?recipient_uid=bob";
  const std::string ack = R"({"recipient_uid":"bob","up_to_ref":9223372036854775807})";
  for (const std::string& token : {std::string(), mallory, std::string("not-a-real-token")}) {
    int want = token.empty() ? 401 : 403;
    http::Response r = As(token, http::Verb::get, read);
    EXPECT_EQ(r.result_int(), want) << r.body();
    EXPECT_EQ(ErrorOf(r), token.empty() ? "unauthorized" : "forbidden");
    if (token.empty()) {
      EXPECT_EQ(r[http::Field::www_authenticate], "Bearer");
    }
    EXPECT_EQ(As(token, http::Verb::get, next).result_int(), want);
    EXPECT_EQ(As(token, http::Verb::post, "/ack", ack).result_int(), want);
  }
  // Another scheme is no token at all.
  http::Request basic(http::Verb::get, read, 11);
  basic.set(http::Field::authorization, "Basic " + bob);
  EXPECT_EQ(client_->Send(std::move(basic))->result_int(), 401);
  // The review's attack did nothing: bob's message is still there for bob.
  http::Response mine = As(bob, http::Verb::get, read);
  ASSERT_EQ(mine.result_int(), 200) << mine.body();
  EXPECT_EQ(Json(mine)["count"], 1);
  EXPECT_EQ(As(bob, http::Verb::get, next).result_int(), 200);
  http::Response acked = As(bob, http::Verb::post, "/ack", ack);
  EXPECT_EQ(acked.result_int(), 200);
  EXPECT_EQ(Json(acked)["deleted"], 1);
  // Sending stays open to anyone, as email is.
  EXPECT_GT(Send("stranger", "bob", Base64Encode(AsBytes(std::string_view("yo")))), ref);
}

TEST_F(RelayAccounts, RegisterStoresOnlyTheHashAndRefusesATakenUid) {
  std::string token = Register("bob");
  Result<std::string> stored = store_->AccountTokenHash("bob");
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(*stored, token);
  EXPECT_EQ(*stored, AccountTokenHash(token));
  http::Response again = PostJson("/register", {{"recipient_uid", "bob"}});
  EXPECT_EQ(again.result_int(), 409);
  EXPECT_EQ(ErrorOf(again), "uid_taken");
  EXPECT_EQ(again.body().find(token), std::string::npos);
  // Form bodies work too; bad uids are refused.
  EXPECT_EQ(PostForm("/register", "recipient_uid=carol").result_int(), 200);
  EXPECT_EQ(PostForm("/register", "recipient_uid=Bad%20Uid").result_int(), 400);
  EXPECT_EQ(PostForm("/register", "").result_int(), 400);
}

TEST_F(RelayAccounts, AQueueWithoutAnAccountIsForbiddenToAnyToken) {
  std::string mallory = Register("mallory");
  EXPECT_EQ(
      As(mallory, http::Verb::get, "/getmessages?recipient_uid=nobody&start_ref=0").result_int(),
      403);
}

class RelayAccountsLimited : public RelayFixture {};

TEST_F(RelayAccountsLimited, RegistrationIsRateLimitedPerAddress) {
  Config c = DefaultConfig();
  c.relay.accounts_required = true;
  c.relay.register_rate = 0.001;
  c.relay.register_burst = 2;
  StartRelay(c);
  EXPECT_EQ(PostForm("/register", "recipient_uid=a1").result_int(), 200);
  EXPECT_EQ(PostForm("/register", "recipient_uid=a2").result_int(), 200);
  http::Response third = PostForm("/register", "recipient_uid=a3");
  EXPECT_EQ(third.result_int(), 429);
  EXPECT_EQ(ErrorOf(third), "rate_limited");
}

TEST_F(RelayAccountsLimited, WithAccountsOffRegisterIs404AndQueuesAreOpen) {
  StartRelay();
  EXPECT_EQ(PostForm("/register", "recipient_uid=bob").result_int(), 404);
  EXPECT_EQ(Get("/getmessages?recipient_uid=bob&start_ref=0").result_int(), 200);
}

// The chat client's relay client against this relay: it registers, then sends its token on
// reads and acks; without the token the relay refuses it with a hint.
TEST_F(RelayAccounts, TheClientRegistersAndReadsWithItsToken) {
  Result<client::Endpoint> ep =
      client::ParseEndpoint("http://" + server_->address().ToString(), "relay");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  auto anonymous = client::HttpRelayClient::Create(*ep);
  ASSERT_TRUE(anonymous.ok());
  Result<std::string> token = (*anonymous)->Register("bob");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ((*anonymous)->Register("bob").status().code(), Status::Code::kAlreadyExists);
  Result<uint64_t> ref = (*anonymous)->Send("alice", "bob", "QUJD");
  ASSERT_TRUE(ref.ok());
  Result<std::vector<client::RelayMessage>> refused = (*anonymous)->GetMessages("bob", 0, 10, 0);
  EXPECT_EQ(refused.status().code(), Status::Code::kDenied);
  EXPECT_NE(refused.status().message().find("otc register"), std::string::npos);

  client::RelayClientOptions options;
  options.account_token = *token;
  auto bob = client::HttpRelayClient::Create(*ep, options);
  ASSERT_TRUE(bob.ok());
  Result<std::vector<client::RelayMessage>> got = (*bob)->GetMessages("bob", 0, 10, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].ref, *ref);
  EXPECT_TRUE((*bob)->NextRef("bob").ok());
  EXPECT_TRUE((*bob)->Ack("bob", *ref).ok());
  EXPECT_EQ((*bob)->GetMessages("mallory", 0, 10, 0).status().code(), Status::Code::kDenied);
}

TEST(BearerTokenOf, ParsesOnlyTheBearerScheme) {
  EXPECT_EQ(BearerTokenOf("Bearer abc"), "abc");
  EXPECT_EQ(BearerTokenOf("bearer   abc  "), "abc");
  EXPECT_EQ(BearerTokenOf("Basic abc"), "");
  EXPECT_EQ(BearerTokenOf("Bearer"), "");
  EXPECT_EQ(BearerTokenOf(""), "");
}

}  // namespace
}  // namespace otc::relay
