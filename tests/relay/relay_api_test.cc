// The relay's HTTP API against a real server on an ephemeral loopback port: every
// endpoint, and every class of bad input answered with a JSON error and a 4xx status
// while the server keeps serving.
#include <thread>

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/relay/test_name.h"

#include "common/encoding.h"
#include "relay/retention.h"
#include "tests/http/raw_socket.h"
#include "tests/relay/relay_fixture.h"

namespace otc::relay {
namespace {

using namespace std::chrono_literals;
using http::PercentEncode;

std::string B64(std::string_view text) { return Base64Encode(AsBytes(text)); }

std::string Form(std::initializer_list<std::pair<std::string, std::string>> fields) {
  std::string out;
  for (auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return out;
}

class RelayApi : public RelayFixture {
 protected:
  void SetUp() override { StartRelay(); }

  // A bad request must get `status` with JSON error `category`, and leave the server fine.
  void ExpectError(const http::Response& r, int status, const std::string& category) {
    EXPECT_EQ(r.result_int(), status) << r.body();
    EXPECT_EQ(ErrorOf(r), category) << r.body();
    EXPECT_EQ(http::ToStd(r[http::Field::content_type]), "application/json");
    auto fresh = NewClient();
    Result<http::Response> check = fresh->Get("/check");
    ASSERT_TRUE(check.ok());
    EXPECT_EQ(check->result_int(), 200);
  }
};

TEST_F(RelayApi, Check) {
  http::Response r = Get("/check");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(Json(r), (nlohmann::json{{"status", "ok"}}));
}

TEST_F(RelayApi, SendAcceptsFormAndJsonAndReturnsIncreasingRefs) {
  http::Response r = PostForm(
      "/send",
      Form({{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("one+/=")}}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(Json(r), (nlohmann::json{{"received", true}, {"ref", 1}}));
  r = PostJson("/send",
               {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("two")}});
  EXPECT_EQ(Json(r), (nlohmann::json{{"received", true}, {"ref", 2}}));
  // Fields may also come in the query string of a POST.
  Result<http::Response> q = client_->Post(
      "/send?sender_uid=alice&recipient_uid=carol&contents=" + PercentEncode(B64("three")), "",
      "application/x-www-form-urlencoded");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(Json(*q)["ref"], 3);
}

TEST_F(RelayApi, GetMessagesShapeOrderAndStartRef) {
  Send("alice", "bob", B64("m1"));
  Send("alice", "carol", B64("other"));
  Send("dave", "bob", B64("m3"));
  http::Response r = Get("/getmessages?recipient_uid=bob&start_ref=0");
  ASSERT_EQ(r.result_int(), 200);
  nlohmann::json expected = {
      {"recipient_uid", "bob"},
      {"count", 2},
      {"messages",
       {{{"ref", 1}, {"recipient_uid", "bob"}, {"sender_uid", "alice"}, {"contents", B64("m1")}},
        {{"ref", 3}, {"recipient_uid", "bob"}, {"sender_uid", "dave"}, {"contents", B64("m3")}}}},
      {"complete", true}};
  EXPECT_EQ(Json(r), expected);
  // start_ref is inclusive.
  r = Get("/getmessages?recipient_uid=bob&start_ref=3");
  EXPECT_EQ(Json(r)["count"], 1);
  EXPECT_EQ(Json(r)["messages"][0]["ref"], 3);
  r = Get("/getmessages?recipient_uid=bob&start_ref=4");
  EXPECT_EQ(Json(r)["count"], 0);
  EXPECT_EQ(Json(r)["messages"], nlohmann::json::array());
  EXPECT_EQ(Json(r)["complete"], true);
}

TEST_F(RelayApi, GetMessagesMaxcountPagesWithComplete) {
  for (int i = 0; i < 5; ++i) Send("alice", "bob", B64(otc::testing::Name("m", i)));
  http::Response r = Get("/getmessages?recipient_uid=bob&start_ref=0&maxcount=2");
  EXPECT_EQ(Json(r)["count"], 2);
  EXPECT_EQ(Json(r)["complete"], false);
  EXPECT_EQ(Json(r)["messages"][1]["ref"], 2);
  r = Get("/getmessages?recipient_uid=bob&start_ref=3&maxcount=3");
  EXPECT_EQ(Json(r)["count"], 3);
  EXPECT_EQ(Json(r)["complete"], true);
}

TEST_F(RelayApi, GetNextRef) {
  EXPECT_EQ(Json(Get("/getnextref?recipient_uid=bob")), (nlohmann::json{{"nextref", 1}}));
  Send("alice", "carol", B64("x"));
  Send("alice", "bob", B64("y"));
  EXPECT_EQ(Json(Get("/getnextref?recipient_uid=bob"))["nextref"], 3);
}

TEST_F(RelayApi, AckDeletesDeliveredMessagesOfThatRecipientOnly) {
  uint64_t b1 = Send("alice", "bob", B64("1"));
  uint64_t c1 = Send("alice", "carol", B64("2"));
  uint64_t b2 = Send("alice", "bob", B64("3"));
  uint64_t b3 = Send("alice", "bob", B64("4"));
  http::Response r =
      PostForm("/ack", Form({{"recipient_uid", "bob"}, {"up_to_ref", std::to_string(b2)}}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(Json(r), (nlohmann::json{{"deleted", 2}}));
  nlohmann::json bob = Json(Get("/getmessages?recipient_uid=bob&start_ref=0"));
  ASSERT_EQ(bob["count"], 1);
  EXPECT_EQ(bob["messages"][0]["ref"], b3);
  nlohmann::json carol = Json(Get("/getmessages?recipient_uid=carol&start_ref=0"));
  ASSERT_EQ(carol["count"], 1);
  EXPECT_EQ(carol["messages"][0]["ref"], c1);
  // JSON numbers are accepted too; acking again deletes nothing.
  r = PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", b1}});
  EXPECT_EQ(Json(r)["deleted"], 0);
  // After deleting the newest message, its ref is not handed out again.
  PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", b3}});
  EXPECT_EQ(Send("alice", "bob", B64("5")), b3 + 1);
}

TEST_F(RelayApi, MetricsInPrometheusFormat) {
  Send("alice", "bob", B64("hello"));
  Get("/getmessages?recipient_uid=bob&start_ref=0");
  Get("/getmessages?recipient_uid=Bad&start_ref=0");
  http::Response r = GetMetrics();
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(http::ToStd(r[http::Field::content_type]), "text/plain; version=0.0.4");
  const std::string& m = r.body();
  EXPECT_NE(m.find("# TYPE otc_relay_requests_total counter\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_requests_total{endpoint=\"send\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("otc_relay_requests_total{endpoint=\"getmessages\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_errors_total{category=\"invalid_uid\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_errors_total{category=\"bad_base64\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_messages_stored 1\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_bytes_stored " + std::to_string(B64("hello").size()) + "\n"),
            std::string::npos);
  EXPECT_NE(m.find("otc_relay_longpolls_held 0\n"), std::string::npos);
  EXPECT_NE(m.find("otc_relay_connections_open "), std::string::npos);
  // Every sample line is "name{labels} value" or "name value".
  size_t pos = 0;
  while (pos < m.size()) {
    size_t end = m.find('\n', pos);
    ASSERT_NE(end, std::string::npos);
    std::string line = m.substr(pos, end - pos);
    if (!line.starts_with("#")) {
      size_t space = line.rfind(' ');
      ASSERT_NE(space, std::string::npos) << line;
      EXPECT_TRUE(std::all_of(line.begin() + space + 1, line.end(), ::isdigit)) << line;
    }
    pos = end + 1;
  }
}

TEST_F(RelayApi, MetricsAreOnlyOnTheMetricsListener) {
  http::Response r = Get("/metrics");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(ErrorOf(r), "not_found");
  EXPECT_EQ(GetMetrics().result_int(), 200);
  // ...which serves nothing else.
  auto client = http::Client::Connect(metrics_server_->address().ToString());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get("/getmessages?recipient_uid=bob&start_ref=0")->result_int(), 404);
}

// --- bad input ---------------------------------------------------------------------

TEST_F(RelayApi, MessageOverSizeLimitIs413) {
  std::string exact(64 * 1024, 'x');
  EXPECT_NE(Send("alice", "bob", B64(exact)), 0u);  // exactly the limit is fine
  http::Response r = PostJson(
      "/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64(exact + "y")}});
  ExpectError(r, 413, "too_large");
  // Far over: refused from the text length alone.
  r = PostJson(
      "/send",
      {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", std::string(200'000, 'A')}});
  ExpectError(r, 413, "too_large");
}

TEST_F(RelayApi, BodyOverHttpLimitIs413) {
  std::string body(BodyLimitFor(64 * 1024) + 1, 'a');
  Result<http::Response> r = client_->Post("/send", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectError(*r, 413, "too_large");
}

TEST_F(RelayApi, InvalidUidIs400) {
  for (const std::string& bad : {std::string("Alice"), std::string(""), std::string(65, 'a'),
                                 std::string("a b"), std::string("a/b"), std::string("\xc3\xa9")}) {
    SCOPED_TRACE(bad);
    ExpectError(
        PostJson("/send", {{"sender_uid", bad}, {"recipient_uid", "bob"}, {"contents", B64("x")}}),
        400, "invalid_uid");
    ExpectError(PostJson("/send",
                         {{"sender_uid", "alice"}, {"recipient_uid", bad}, {"contents", B64("x")}}),
                400, "invalid_uid");
    ExpectError(Get("/getmessages?recipient_uid=" + PercentEncode(bad) + "&start_ref=0"), 400,
                "invalid_uid");
    ExpectError(Get("/getnextref?recipient_uid=" + PercentEncode(bad)), 400, "invalid_uid");
    ExpectError(PostJson("/ack", {{"recipient_uid", bad}, {"up_to_ref", 1}}), 400, "invalid_uid");
  }
  EXPECT_EQ(store_->Stats().messages, 0u);
}

TEST_F(RelayApi, BadBase64Is400) {
  for (const char* bad : {"", "abc", "aGVsbG8", "aGVsbG9=", "aGVs bG8=", "aGVsbG8=\n",
                          "a===", "aGVs*G8=", "=aGVsbG8"}) {
    SCOPED_TRACE(bad);
    ExpectError(
        PostJson("/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", bad}}),
        400, "bad_base64");
  }
  EXPECT_EQ(store_->Stats().messages, 0u);
}

// One text, one meaning: a second spelling of the same bytes ('=' before the end,
// non-zero bits under the padding) would let a relay replay a package past the device's
// replay check. Each is refused in both body encodings.
TEST_F(RelayApi, NonCanonicalBase64Is400) {
  for (const char* bad : {"AA=A", "AA=z", "AAAAAA=A", "AB==", "AAB="}) {
    SCOPED_TRACE(bad);
    ExpectError(
        PostJson("/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", bad}}),
        400, "bad_base64");
    ExpectError(
        PostForm("/send",
                 Form({{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", bad}})),
        400, "bad_base64");
  }
  EXPECT_EQ(store_->Stats().messages, 0u);
  // The canonical spellings of the same lengths are stored.
  for (const char* good : {"AA==", "AAA=", "AAAAAA=="}) {
    SCOPED_TRACE(good);
    http::Response r =
        PostJson("/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", good}});
    EXPECT_EQ(r.result_int(), 200) << r.body();
  }
  EXPECT_EQ(store_->Stats().messages, 3u);
}

TEST_F(RelayApi, MissingFieldsAre400) {
  nlohmann::json full = {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("x")}};
  for (const char* field : {"sender_uid", "recipient_uid", "contents"}) {
    nlohmann::json partial = full;
    partial.erase(field);
    SCOPED_TRACE(field);
    ExpectError(PostJson("/send", partial), 400, "missing_field");
  }
  ExpectError(PostForm("/send", ""), 400, "missing_field");
  ExpectError(Get("/getmessages?start_ref=0"), 400, "missing_field");
  ExpectError(Get("/getmessages?recipient_uid=bob"), 400, "missing_field");
  ExpectError(Get("/getnextref"), 400, "missing_field");
  ExpectError(PostJson("/ack", {{"up_to_ref", 1}}), 400, "missing_field");
  ExpectError(PostJson("/ack", {{"recipient_uid", "bob"}}), 400, "missing_field");
}

TEST_F(RelayApi, NonNumericOrNegativeRefsAre400) {
  for (const char* bad : {"abc", "-1", "1.5", "", " 1", "0x10", "1e3", "9223372036854775808"}) {
    SCOPED_TRACE(bad);
    ExpectError(Get("/getmessages?recipient_uid=bob&start_ref=" + PercentEncode(bad)), 400,
                "bad_ref");
    ExpectError(PostForm("/ack", Form({{"recipient_uid", "bob"}, {"up_to_ref", bad}})), 400,
                "bad_ref");
  }
  ExpectError(PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", -1}}), 400, "bad_ref");
  ExpectError(PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", 2.5}}), 400, "bad_ref");
  ExpectError(PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", nullptr}}), 400, "bad_ref");
}

TEST_F(RelayApi, BadMaxcountAndWaitAre400) {
  for (const char* bad : {"0", "1001", "-1", "x", ""}) {
    ExpectError(Get("/getmessages?recipient_uid=bob&start_ref=0&maxcount=" + std::string(bad)), 400,
                "bad_maxcount");
  }
  for (const char* bad : {"61", "-1", "x", "1.2345", "", "1e1"}) {
    ExpectError(Get("/getmessages?recipient_uid=bob&start_ref=0&wait=" + std::string(bad)), 400,
                "bad_wait");
  }
}

TEST_F(RelayApi, MalformedBodiesAre400Or415) {
  Result<http::Response> r = client_->Post("/send", "{\"sender_uid\":", "application/json");
  ExpectError(*r, 400, "bad_body");
  r = client_->Post("/send", "[1,2,3]", "application/json");
  ExpectError(*r, 400, "bad_body");
  r = client_->Post("/send", "sender_uid=%zz", "application/x-www-form-urlencoded");
  ExpectError(*r, 400, "bad_body");
  r = client_->Post("/send", "a=1&a=2", "application/x-www-form-urlencoded");
  ExpectError(*r, 400, "bad_body");
  r = client_->Post("/send", "--x\r\n", "multipart/form-data; boundary=x");
  ExpectError(*r, 415, "unsupported_media_type");
  // A field in both the query and the body.
  r = client_->Post("/send?sender_uid=alice", Form({{"sender_uid", "alice"}}),
                    "application/x-www-form-urlencoded");
  ExpectError(*r, 400, "bad_request");
  // Wrong JSON types.
  ExpectError(
      PostJson("/send", {{"sender_uid", 5}, {"recipient_uid", "bob"}, {"contents", B64("x")}}), 400,
      "bad_field");
  ExpectError(
      PostJson("/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", {1, 2}}}),
      400, "bad_field");
  ExpectError(Get("/getmessages?recipient_uid=bob&start_ref=0&x=%G1"), 400, "bad_request");
}

TEST_F(RelayApi, UnknownPathIs404AndWrongMethodIs405) {
  ExpectError(Get("/nope"), 404, "not_found");
  ExpectError(Get("/send"), 405, "method_not_allowed");
  http::Response r = PostForm("/getmessages", "");
  ExpectError(r, 405, "method_not_allowed");
  EXPECT_EQ(http::ToStd(r[http::Field::allow]), "GET");
  http::Request del(http::Verb::delete_, "/ack", 11);
  Result<http::Response> d = client_->Send(std::move(del));
  ASSERT_TRUE(d.ok());
  ExpectError(*d, 405, "method_not_allowed");
}

TEST_F(RelayApi, OversizedHeadersAre431) {
  otc::testing::RawSocket s(server_->port());
  ASSERT_TRUE(s.Send("GET /check HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(64 * 1024, 'c') +
                     "\r\n\r\n"));
  std::string raw = s.ReadUntilClose(5s);
  EXPECT_EQ(otc::testing::StatusOf(raw), 431);
  EXPECT_EQ(nlohmann::json::parse(otc::testing::BodyOf(raw))["error"], "headers_too_large");
  EXPECT_EQ(Get("/check").result_int(), 200);
  EXPECT_EQ(service_->metrics().errors("headers_too_large"), 1u);
}

TEST_F(RelayApi, GarbageIs400) {
  otc::testing::RawSocket s(server_->port());
  ASSERT_TRUE(
      s.Send(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n", 20)));
  std::string raw = s.ReadUntilClose(5s);
  EXPECT_EQ(otc::testing::StatusOf(raw), 400);
  EXPECT_EQ(nlohmann::json::parse(otc::testing::BodyOf(raw))["error"], "bad_request");
  EXPECT_EQ(Get("/check").result_int(), 200);
}

TEST_F(RelayApi, NonAsciiAndNulInContentsAreRejected) {
  ExpectError(PostJson("/send", {{"sender_uid", "alice"},
                                 {"recipient_uid", "bob"},
                                 {"contents", "\xc3\xa9\xc3\xa9"}}),
              400, "bad_base64");
  ExpectError(PostForm("/send", "sender_uid=alice&recipient_uid=bob&contents=QQ%00%3D"), 400,
              "bad_base64");
}

class RelayLimits : public RelayFixture {};

TEST_F(RelayLimits, SlowClientIs408) {
  Config c = DefaultConfig();
  c.server.read_timeout = 300ms;
  StartRelay(c);
  otc::testing::RawSocket s(server_->port());
  ASSERT_TRUE(s.Send("POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsender_uid="));
  std::string raw = s.ReadUntilClose(5s);
  EXPECT_EQ(otc::testing::StatusOf(raw), 408);
  EXPECT_EQ(nlohmann::json::parse(otc::testing::BodyOf(raw))["error"], "timeout");
  EXPECT_EQ(Get("/check").result_int(), 200);
  EXPECT_EQ(service_->metrics().errors("timeout"), 1u);
}

TEST_F(RelayLimits, TooManyRequestsFromOneAddressIs429) {
  Config c = DefaultConfig();
  c.relay.rate_limit = 0.001;  // effectively no refill during the test
  c.relay.burst = 3;
  StartRelay(c);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/check").result_int(), 200) << i;
  http::Response r = Get("/check");
  EXPECT_EQ(r.result_int(), 429);
  EXPECT_EQ(ErrorOf(r), "rate_limited");
  EXPECT_EQ(http::ToStd(r[http::Field::retry_after]), "1");
  r = PostJson("/send",
               {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("x")}});
  EXPECT_EQ(r.result_int(), 429);
  EXPECT_EQ(store_->Stats().messages, 0u);
  EXPECT_EQ(service_->metrics().errors("rate_limited"), 2u);
}

TEST_F(RelayLimits, SmallerMessageLimit) {
  Config c = DefaultConfig();
  c.relay.max_message_bytes = 10;
  c.server.max_body_bytes = BodyLimitFor(10);
  StartRelay(c);
  EXPECT_NE(Send("alice", "bob", B64("0123456789")), 0u);
  http::Response r = PostJson(
      "/send",
      {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("0123456789a")}});
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorOf(r), "too_large");
}

TEST_F(RelayLimits, FullDiskIs507AndReadsAndAcksGoOn) {
  Config c = DefaultConfig();
  c.store.max_page_count = 12;
  StartRelay(c);
  int status = 200;
  uint64_t last = 0;
  for (int i = 0; i < 200 && status == 200; ++i) {
    // Distinct contents: an identical send would be answered with its first ref.
    http::Response r =
        PostJson("/send", {{"sender_uid", "alice"},
                           {"recipient_uid", "bob"},
                           {"contents", B64(std::to_string(i) + std::string(3000, 'x'))}});
    status = r.result_int();
    if (status == 200) last = Json(r)["ref"].get<uint64_t>();
    if (status != 200) {
      EXPECT_EQ(ErrorOf(r), "storage_full");
    }
  }
  EXPECT_EQ(status, 507);
  EXPECT_FALSE(store_->failed());
  EXPECT_EQ(Get("/check").result_int(), 200);
  EXPECT_EQ(Get("/getmessages?recipient_uid=bob&start_ref=0").result_int(), 200);
  http::Response ack = PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", last}});
  EXPECT_EQ(ack.result_int(), 200) << ack.body();
  EXPECT_GT(Send("alice", "bob", B64(std::string(3000, 'y'))), last);
}

TEST_F(RelayLimits, FullQueueIs507) {
  Config c = DefaultConfig();
  c.store.quota.max_messages = 2;
  StartRelay(c);
  Send("alice", "bob", B64("one"));
  Send("alice", "bob", B64("two"));
  http::Response r = PostJson(
      "/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", B64("three")}});
  EXPECT_EQ(r.result_int(), 507);
  EXPECT_EQ(ErrorOf(r), "storage_full");
  EXPECT_GT(Send("alice", "carol", B64("three")), 0u);
}

TEST_F(RelayApi, RepeatedSendIsAnsweredWithTheOriginalRef) {
  uint64_t first = Send("alice", "bob", B64("hello"));
  EXPECT_EQ(Send("alice", "bob", B64("hello")), first);
  EXPECT_EQ(PostJson("/ack", {{"recipient_uid", "bob"}, {"up_to_ref", first}}).result_int(), 200);
  EXPECT_EQ(Send("alice", "bob", B64("hello")), first);
  EXPECT_EQ(Json(Get("/getmessages?recipient_uid=bob&start_ref=0"))["count"], 0);
}

TEST_F(RelayLimits, RetentionDeletesOnlyOldUndeliveredMessages) {
  std::atomic<int64_t> now{1'700'000'000'000};
  Config c = DefaultConfig();
  c.store.now_unix_ms = [&] { return now.load(); };
  StartRelay(c);
  uint64_t old_bob = Send("alice", "bob", B64("old"));
  uint64_t old_carol = Send("alice", "carol", B64("old"));
  now += 29LL * 24 * 3600 * 1000;  // 29 days later
  uint64_t young = Send("alice", "bob", B64("young"));
  RetentionSweeper sweeper(
      store_.get(), std::chrono::hours(24 * 30), [&] { return now.load(); },
      [&](uint64_t n) { service_->metrics().CountDeleted(false, n); });
  EXPECT_EQ(*sweeper.SweepNow(), 0u);  // nothing is 30 days old yet
  now += 2LL * 24 * 3600 * 1000;       // day 31: the first two are past retention
  EXPECT_EQ(*sweeper.SweepNow(), 2u);
  nlohmann::json bob = Json(Get("/getmessages?recipient_uid=bob&start_ref=0"));
  ASSERT_EQ(bob["count"], 1);
  EXPECT_EQ(bob["messages"][0]["ref"], young);
  EXPECT_EQ(Json(Get("/getmessages?recipient_uid=carol&start_ref=0"))["count"], 0);
  EXPECT_NE(GetMetrics().body().find("otc_relay_messages_deleted_total{reason=\"retention\"} 2"),
            std::string::npos);
  (void)old_bob;
  (void)old_carol;
  // The background thread does the same on its own.
  now += 40LL * 24 * 3600 * 1000;
  sweeper.Start(20ms);
  for (int i = 0; i < 500 && store_->Stats().messages != 0; ++i) std::this_thread::sleep_for(10ms);
  sweeper.Stop();
  EXPECT_EQ(store_->Stats().messages, 0u);
}

TEST(RetentionSweeper, DefaultIntervalIsATenthClamped) {
  EXPECT_EQ(RetentionSweeper::DefaultInterval(std::chrono::seconds(5)), std::chrono::seconds(1));
  EXPECT_EQ(RetentionSweeper::DefaultInterval(std::chrono::seconds(300)), std::chrono::seconds(30));
  EXPECT_EQ(RetentionSweeper::DefaultInterval(std::chrono::hours(24 * 30)),
            std::chrono::seconds(60));
}

TEST_F(RelayLimits, LongQueueIsPagedByBytesAndFollowedWithTheNextRef) {
  // Ten 64 KiB messages in answers of at most 200 KiB of contents.
  Config c = DefaultConfig();
  c.relay.max_response_bytes = 200 * 1024;
  StartRelay(c);
  std::string big(60 * 1024, 'm');
  std::vector<uint64_t> refs;
  for (int i = 0; i < 10; ++i) refs.push_back(Send("alice", "bob", B64(big + char('0' + i))));
  std::vector<uint64_t> got;
  uint64_t next = 0;
  int pages = 0;
  while (true) {
    nlohmann::json page =
        Json(Get("/getmessages?recipient_uid=bob&maxcount=1000&start_ref=" + std::to_string(next)));
    ++pages;
    ASSERT_GT(page["count"], 0);
    size_t bytes = 0;
    for (const auto& m : page["messages"]) {
      got.push_back(m["ref"]);
      bytes += m["contents"].get<std::string>().size();
    }
    EXPECT_LE(bytes, c.relay.max_response_bytes);
    next = got.back() + 1;
    if (page["complete"]) break;
    ASSERT_LT(pages, 20);
  }
  EXPECT_EQ(got, refs);
  EXPECT_GE(pages, 4);  // 10 x 80 KiB of base64 in pages of at most 200 KiB
}

}  // namespace
}  // namespace otc::relay
