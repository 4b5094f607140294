// The device and relay HTTP clients: error mapping (pure), token files, and calls against
// a small in-process HTTP server standing in for the device and the relay.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "chat/client/device_client.h"
#include "chat/client/relay_client.h"
#include "common/http/json_util.h"
#include "common/http/server.h"
#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

using nlohmann::json;
using C = Status::Code;

TEST(DeviceErrorReplyTest, CategoriesMapToCodes) {
  struct Case {
    const char* category;
    C code;
  } cases[] = {{"bad_request", C::kInvalidArgument},
               {"unknown_contact", C::kNotFound},
               {"pad_exhausted", C::kExhausted},
               {"denied", C::kDenied},
               {"replay", C::kReplay},
               {"integrity", C::kIntegrity},
               {"too_large", C::kTooLarge},
               {"unauthorized", C::kDenied},
               {"internal", C::kInternal},
               {"something_new", C::kInternal}};
  for (const Case& c : cases) {
    std::string body = json{{"error", c.category}, {"message", "why"}}.dump();
    Status s = rpc::ParseErrorReply(400, body);
    EXPECT_EQ(s.code(), c.code) << c.category;
  }
  EXPECT_NE(rpc::ParseErrorReply(401, R"({"error":"unauthorized"})").message().find("--token-file"),
            std::string::npos);
  Status garbage = rpc::ParseErrorReply(502, "<html>");
  EXPECT_EQ(garbage.code(), C::kInternal);
  EXPECT_NE(garbage.message().find("HTTP 502"), std::string::npos);
  Status longmsg = rpc::ParseErrorReply(
      400, json{{"error", "bad_request"}, {"message", std::string(1000, 'x')}}.dump());
  EXPECT_LT(longmsg.message().size(), 300u);
}

TEST(RelayErrorStatusTest, RetryableAndFinal) {
  EXPECT_EQ(RelayErrorStatus(429, R"({"error":"rate_limited"})").code(), C::kUnavailable);
  EXPECT_EQ(RelayErrorStatus(503, R"({"error":"overloaded"})").code(), C::kUnavailable);
  EXPECT_EQ(RelayErrorStatus(500, "").code(), C::kUnavailable);
  EXPECT_EQ(RelayErrorStatus(413, R"({"error":"too_large"})").code(), C::kTooLarge);
  Status bad = RelayErrorStatus(400, R"({"error":"invalid_uid","message":"recipient_uid ..."})");
  EXPECT_EQ(bad.code(), C::kInvalidArgument);
  EXPECT_NE(bad.message().find("invalid_uid"), std::string::npos);
}

// {"messages":[m]} where m has the given fields (a null value leaves the field out).
json OneMessage(json ref, json sender, json recipient, json contents) {
  json m = json::object();
  if (!ref.is_null()) m["ref"] = ref;
  if (!sender.is_null()) m["sender_uid"] = sender;
  if (!recipient.is_null()) m["recipient_uid"] = recipient;
  if (!contents.is_null()) m["contents"] = contents;
  json reply = json::object();
  reply["messages"] = json::array({m});
  return reply;
}

TEST(ParseRelayMessagesTest, ChecksEveryField) {
  auto r = ParseRelayMessages(json::parse(OneMessage(7, "bob", "alice", "AA==").dump()));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].ref, 7u);
  EXPECT_EQ((*r)[0].sender, "bob");
  EXPECT_EQ((*r)[0].recipient, "alice");
  EXPECT_EQ((*r)[0].contents, "AA==");
  std::vector<json> bad = {
      json::object({{"count", 0}}),
      json::object({{"messages", "x"}}),
      json::object({{"messages", json::array({1})}}),
      OneMessage("7", "b", "a", ""),
      OneMessage(-1, "b", "a", ""),
      OneMessage(1.5, "b", "a", ""),
      OneMessage(nullptr, "b", "a", ""),
      OneMessage(1, nullptr, "a", ""),
      OneMessage(1, 5, "a", ""),
      OneMessage(1, "b", "a", nullptr),
  };
  for (const json& j : bad) {
    auto p = ParseRelayMessages(json::parse(j.dump()));  // as if it came off the wire
    EXPECT_FALSE(p.ok()) << j.dump();
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), C::kInternal);
    }
  }
}

TEST(TokenFileTest, RulesAreEnforced) {
  TestDir dir;
  auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    std::string path = dir.File(name);
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  };
  auto good = ReadTokenFile(write("good", "0123456789abcdef\n", 0600));
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(*good, "0123456789abcdef");
  auto loose = ReadTokenFile(write("loose", "0123456789abcdef\n", 0640));
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.status().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(ReadTokenFile(write("short", "0123456789abcde\n", 0600)).ok());
  EXPECT_FALSE(ReadTokenFile(write("space", "0123456789 abcdef\n", 0600)).ok());
  EXPECT_FALSE(ReadTokenFile(write("lines", "0123456789abcdef\nmore\n", 0600)).ok());
  EXPECT_FALSE(ReadTokenFile(dir.File("missing")).ok());
}

// Answers every request from a table and records what it got.
class CannedServer : public http::Handler {
 public:
  void Handle(std::shared_ptr<http::Exchange> ex) override {
    const http::Request& req = ex->request();
    std::string target(http::ToStd(req.target()));
    {
      std::lock_guard<std::mutex> lock(mu);
      targets.push_back(std::string(http::ToStd(req.method_string())) + " " + target);
      bodies.push_back(req.body());
      auths.push_back(std::string(http::ToStd(req[http::Field::authorization])));
    }
    http::Target t = http::SplitTarget(target);
    auto it = replies.find(std::string(t.path));
    if (it == replies.end()) {
      ex->Respond(http::JsonError(http::HttpStatus::not_found, "bad_request", "no such path"));
      return;
    }
    ex->Respond(http::JsonResponse(it->second.first, it->second.second));
  }
  std::map<std::string, std::pair<http::HttpStatus, json>> replies;
  std::mutex mu;
  std::vector<std::string> targets, bodies, auths;
};

class HttpClientsTest : public ::testing::Test {
 protected:
  void Start() {
    http::ServerOptions o;
    o.listen = "unix:" + dir_.File("s.sock");
    auto s = http::Server::Start(o, handler_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    endpoint_ = *ParseEndpoint("unix:" + dir_.File("s.sock"), "test");
  }
  TestDir dir_;
  std::shared_ptr<CannedServer> handler_ = std::make_shared<CannedServer>();
  std::unique_ptr<http::Server> server_;
  Endpoint endpoint_;
};

TEST_F(HttpClientsTest, DeviceCallsSendTheRightRequestsAndParseReplies) {
  handler_->replies["/v1/package"] = {http::HttpStatus::ok,
                                      {{"package", "UEtH"},
                                       {"index", 41},
                                       {"pad_left", 99},
                                       {"pad_total", 9900},
                                       {"pad_low", true}}};
  handler_->replies["/v1/unpackage"] = {
      http::HttpStatus::ok,
      {{"message_b64", "/w=="}, {"index", 9}, {"skipped", true}, {"late", false}}};
  handler_->replies["/v1/cursor"] = {http::HttpStatus::ok, {{"relay", "r"}, {"cursor", 12}}};
  handler_->replies["/v1/health"] = {http::HttpStatus::ok, {{"status", "ok"}, {"owner", "alice"}}};
  handler_->replies["/v1/contacts"] = {http::HttpStatus::ok,
                                       {{"owner", "alice"},
                                        {"contacts",
                                         {{{"peer", "bob"},
                                           {"protocol", "otc2"},
                                           {"pad_left", 5},
                                           {"pad_total", 50},
                                           {"messages_left", 1}}}}}};
  Start();
  auto dev = HttpDeviceClient::Create(endpoint_, "0123456789abcdef");
  ASSERT_TRUE(dev.ok());

  auto p = (*dev)->Package("bob", "caf\xc3\xa9");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->package_b64, "UEtH");
  EXPECT_EQ(p->index, 41u);
  EXPECT_EQ(p->pad_left, 99u);
  EXPECT_TRUE(p->pad_low);
  auto bin = (*dev)->Package("bob", std::string("\xff\xfe", 2));  // not UTF-8: message_b64
  ASSERT_TRUE(bin.ok());

  auto u = (*dev)->Unpackage("bob", "UEtH");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->message, "\xff");
  EXPECT_EQ(u->index, 9u);
  EXPECT_TRUE(u->skipped);
  EXPECT_FALSE(u->late);

  EXPECT_EQ(*(*dev)->GetCursor("unix:/r r"), 12u);
  EXPECT_TRUE((*dev)->PutCursor("unix:/r r", 13).ok());
  EXPECT_EQ(*(*dev)->Health(), "alice");
  auto contacts = (*dev)->Contacts();
  ASSERT_TRUE(contacts.ok());
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ((*contacts)[0].peer, "bob");
  EXPECT_EQ((*contacts)[0].pad_left, 5u);

  std::lock_guard<std::mutex> lock(handler_->mu);
  EXPECT_EQ(handler_->targets[0], "POST /v1/package");
  EXPECT_EQ(json::parse(handler_->bodies[0]), (json{{"to", "bob"}, {"message", "caf\xc3\xa9"}}));
  EXPECT_EQ(json::parse(handler_->bodies[1]), (json{{"to", "bob"}, {"message_b64", "//4="}}));
  EXPECT_EQ(json::parse(handler_->bodies[2]), (json{{"from", "bob"}, {"package", "UEtH"}}));
  EXPECT_EQ(handler_->targets[3], "GET /v1/cursor?relay=unix%3A%2Fr%20r");
  EXPECT_EQ(handler_->targets[4], "PUT /v1/cursor?relay=unix%3A%2Fr%20r");
  EXPECT_EQ(json::parse(handler_->bodies[4]), (json{{"cursor", 13}}));
  for (const std::string& a : handler_->auths) EXPECT_EQ(a, "Bearer 0123456789abcdef");
}

TEST_F(HttpClientsTest, DeviceErrorsAndBadRepliesAreTyped) {
  handler_->replies["/v1/unpackage"] = {http::HttpStatus::unprocessable_entity,
                                        {{"error", "integrity"}, {"message", "tag mismatch"}}};
  handler_->replies["/v1/package"] = {http::HttpStatus::ok, {{"package", 5}}};
  Start();
  auto dev = HttpDeviceClient::Create(endpoint_, "");
  EXPECT_EQ((*dev)->Unpackage("bob", "AA==").status().code(), C::kIntegrity);
  EXPECT_EQ((*dev)->Package("bob", "x").status().code(), C::kInternal);
  EXPECT_EQ((*dev)->Health().status().code(), C::kInvalidArgument);  // 404 bad_request
  std::lock_guard<std::mutex> lock(handler_->mu);
  EXPECT_EQ(handler_->auths[0], "");  // no token: no header
}

TEST_F(HttpClientsTest, NobodyListeningIsUnavailable) {
  Endpoint nowhere = *ParseEndpoint("unix:" + dir_.File("none.sock"), "device");
  auto dev = HttpDeviceClient::Create(nowhere, "");
  EXPECT_EQ((*dev)->Health().status().code(), C::kUnavailable);
  auto relay = HttpRelayClient::Create(nowhere);
  EXPECT_EQ((*relay)->Send("a", "b", "AA==").status().code(), C::kUnavailable);
  Endpoint https = *ParseEndpoint("https://127.0.0.1:1", "device");
  EXPECT_EQ(HttpDeviceClient::Create(https, "").status().code(), C::kUnsupported);
  // A relay may be https (tests/http/tls_test.cc, tests/relay/relay_abuse_test.cc); a bad
  // pin is refused when the client is made.
  EXPECT_TRUE(HttpRelayClient::Create(https).ok());
  RelayClientOptions bad_pin;
  bad_pin.pin = "sha256:1234";
  EXPECT_EQ(HttpRelayClient::Create(https, bad_pin).status().code(), C::kInvalidArgument);
}

TEST_F(HttpClientsTest, RelayCalls) {
  handler_->replies["/check"] = {http::HttpStatus::ok, {{"status", "ok"}}};
  handler_->replies["/send"] = {http::HttpStatus::ok, {{"received", true}, {"ref", 3}}};
  handler_->replies["/getmessages"] = {
      http::HttpStatus::ok,
      {{"recipient_uid", "alice"},
       {"count", 1},
       {"messages",
        {{{"ref", 3}, {"sender_uid", "bob"}, {"recipient_uid", "alice"}, {"contents", "AA=="}}}},
       {"complete", true}}};
  handler_->replies["/getnextref"] = {http::HttpStatus::ok, {{"nextref", 4}}};
  handler_->replies["/ack"] = {http::HttpStatus::ok, {{"deleted", 1}}};
  Start();
  auto relay = HttpRelayClient::Create(endpoint_);
  ASSERT_TRUE(relay.ok());
  EXPECT_TRUE((*relay)->Check().ok());
  EXPECT_EQ(*(*relay)->Send("bob", "alice", "AA=="), 3u);
  auto got = (*relay)->GetMessages("alice", 2, 50, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].sender, "bob");
  EXPECT_EQ(*(*relay)->NextRef("alice"), 4u);
  EXPECT_TRUE((*relay)->Ack("alice", 3).ok());
  std::lock_guard<std::mutex> lock(handler_->mu);
  EXPECT_EQ(handler_->targets[1], "POST /send");
  EXPECT_EQ(json::parse(handler_->bodies[1]),
            (json{{"sender_uid", "bob"}, {"recipient_uid", "alice"}, {"contents", "AA=="}}));
  EXPECT_EQ(handler_->targets[2],
            "GET /getmessages?recipient_uid=alice&start_ref=2&maxcount=50&wait=1");
  EXPECT_EQ(json::parse(handler_->bodies[4]), (json{{"recipient_uid", "alice"}, {"up_to_ref", 3}}));
}

TEST_F(HttpClientsTest, RelayRateLimitIsRetryableAndGarbageIsInternal) {
  handler_->replies["/send"] = {http::HttpStatus::too_many_requests, {{"error", "rate_limited"}}};
  handler_->replies["/getmessages"] = {http::HttpStatus::ok, {{"messages", {{{"ref", "x"}}}}}};
  Start();
  auto relay = HttpRelayClient::Create(endpoint_);
  EXPECT_EQ((*relay)->Send("bob", "alice", "AA==").status().code(), C::kUnavailable);
  EXPECT_EQ((*relay)->GetMessages("alice", 0, 10, 0).status().code(), C::kInternal);
}

}  // namespace
}  // namespace otc::client
