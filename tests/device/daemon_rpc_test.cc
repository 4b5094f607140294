// The otc-device daemon as a real child process: every endpoint, every error category,
// the Unix socket and TCP with a token, and the bad-input classes of the issue (each: a
// clear error, the daemon keeps running, no pad consumed).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "chat/protocol/otc2.h"
#include "common/encoding.h"
#include "tests/device/device_test_util.h"
#include "tests/http/raw_socket.h"

namespace otc::device {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using otc::testing::BodyOf;
using otc::testing::RawSocket;
using otc::testing::StatusOf;
using testing::Daemon;
using testing::kStorePlace;
using testing::Pair;
using testing::ReadText;
using testing::RpcClient;
using testing::StoreDir;

constexpr uint64_t kPadSize = 1 << 20;
constexpr uint64_t kHalf = kPadSize / 2;

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, 21},
                                           Pair{"alice", "carol", Format::kOtc1, kPadSize, 22},
                                           Pair{"alice", "dave", Format::kOtc2, 4096, 23}}));
  }

  std::unique_ptr<Daemon> Start(const std::string& user, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--confirm", "auto"});
    return Daemon::Start(StoreDir(dir_, user), std::move(extra));
  }

  std::string Audit(const std::string& user) {
    return ReadText(StoreDir(dir_, user) + "/device-audit.log");
  }

  std::string SocketPath(const std::string& user) { return StoreDir(dir_, user) + "/device.sock"; }

  // alice's own pad left for bob, as the daemon reports it.
  uint64_t PadLeft(RpcClient& client, const std::string& peer) {
    auto r = client.Get("/v1/contacts");
    EXPECT_EQ(r.status, 200);
    for (const auto& c : r.body["contacts"]) {
      if (c["peer"] == peer) return c["pad_left"].get<uint64_t>();
    }
    ADD_FAILURE() << "no contact " << peer;
    return 0;
  }

  void ExpectError(const RpcClient::Reply& r, int status, const std::string& category) {
    EXPECT_EQ(r.status, status) << r.raw;
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    EXPECT_EQ(r.body["error"], category) << r.raw;
    EXPECT_TRUE(r.body["message"].is_string()) << r.raw;
    EXPECT_EQ(r.body.size(), 2u) << r.raw;
  }

  TestDir dir_{kStorePlace};
};

TEST_F(DaemonTest, DefaultsToAPrivateUnixSocketInsideTheStore) {
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->address(), "unix:" + SocketPath("alice"));
  struct stat st {};
  ASSERT_EQ(::lstat(SocketPath("alice").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(alice->Stop(), 0);
  EXPECT_NE(::lstat(SocketPath("alice").c_str(), &st), 0);  // removed on shutdown
}

TEST_F(DaemonTest, HealthAndContacts) {
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  RpcClient client(alice->address());
  auto health = client.Get("/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, json::parse(R"({"status":"ok","owner":"alice"})"));
  auto contacts = client.Get("/v1/contacts");
  ASSERT_EQ(contacts.status, 200);
  // Estimated messages at 100 bytes: otc2 costs 153 pad bytes (100 + 21 envelope + 32),
  // otc1 248.
  EXPECT_EQ(contacts.body, json::parse(R"({"owner":"alice","contacts":[
      {"peer":"bob","protocol":"otc2","pad_left":524288,"pad_total":524288,"messages_left":3426,
       "generations":1,"generation":0},
      {"peer":"carol","protocol":"otc1","pad_left":524288,"pad_total":524288,"messages_left":2114,
       "generations":1,"generation":0},
      {"peer":"dave","protocol":"otc2","pad_left":2048,"pad_total":2048,"messages_left":13,
       "generations":1,"generation":0}]})"));
}

TEST_F(DaemonTest, AlicePackagesBobAndCarolUnpackageBothProtocols) {
  auto alice = Start("alice");
  auto bob = Start("bob");
  auto carol = Start("carol");
  ASSERT_TRUE(alice && bob && carol);
  RpcClient a(alice->address()), b(bob->address()), c(carol->address());

  auto to_bob = a.Package("bob", "hi bob \xe2\x98\x83");
  ASSERT_EQ(to_bob.status, 200) << to_bob.raw;
  EXPECT_EQ(to_bob.body["index"], 0);
  EXPECT_EQ(to_bob.body["pad_left"], kHalf - (10 + 53));
  EXPECT_EQ(to_bob.body["pad_total"], kHalf);
  EXPECT_EQ(to_bob.body["pad_low"], false);
  auto at_bob = b.Unpackage("alice", to_bob.body["package"]);
  ASSERT_EQ(at_bob.status, 200) << at_bob.raw;
  // otc2: the sender's clock comes along (ms since the epoch); otc1 (carol) has none.
  ASSERT_TRUE(at_bob.body["sent"].is_number_integer()) << at_bob.raw;
  at_bob.body.erase("sent");
  EXPECT_EQ(at_bob.body, json::parse(R"({"message":"hi bob \u2603","index":0,"skipped":false,
                                         "late":false})"));

  auto to_carol = a.Package("carol", "hi carol");
  ASSERT_EQ(to_carol.status, 200) << to_carol.raw;
  EXPECT_EQ(to_carol.body["pad_left"], kHalf - (2 * 8 + 48));
  auto at_carol = c.Unpackage("alice", to_carol.body["package"]);
  ASSERT_EQ(at_carol.status, 200) << at_carol.raw;
  EXPECT_EQ(at_carol.body["message"], "hi carol");

  // Binary both ways; carol answers from the top of the pad.
  auto binary = c.Post("/v1/package", {{"to", "alice"}, {"message_b64", "AP8AgA=="}});
  ASSERT_EQ(binary.status, 200) << binary.raw;
  EXPECT_EQ(binary.body["index"], kPadSize - 1);
  auto back = a.Unpackage("carol", binary.body["package"]);
  ASSERT_EQ(back.status, 200) << back.raw;
  EXPECT_EQ(back.body, json::parse(R"({"message_b64":"AP8AgA==","index":1048575,"skipped":false,
                                         "late":false})"));
}

// The flags a chat shows come from the device's decrypt log: a message after a gap is
// "skipped", the one that fills the gap later is "late".
TEST_F(DaemonTest, OutOfOrderPackagesAreReportedSkippedThenLate) {
  auto alice = Start("alice");
  auto bob = Start("bob");
  ASSERT_TRUE(alice && bob);
  RpcClient a(alice->address()), b(bob->address());
  auto first = a.Package("bob", "one");
  auto second = a.Package("bob", "two");
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(second.status, 200) << second.raw;
  auto got_second = b.Unpackage("alice", second.body["package"]);
  ASSERT_EQ(got_second.status, 200) << got_second.raw;
  EXPECT_EQ(got_second.body["skipped"], true);
  EXPECT_EQ(got_second.body["late"], false);
  auto got_first = b.Unpackage("alice", first.body["package"]);
  ASSERT_EQ(got_first.status, 200) << got_first.raw;
  EXPECT_EQ(got_first.body["message"], "one");
  EXPECT_EQ(got_first.body["skipped"], false);
  EXPECT_EQ(got_first.body["late"], true);
}

// A second client of the same account asking for the identical package is told it was
// already read (no text, no alarm); a different package on the same pad is a replay.
TEST_F(DaemonTest, IdenticalPackageIsAlreadyReadADifferentOneIsAReplay) {
  auto alice = Start("alice");
  auto bob = Start("bob");
  ASSERT_TRUE(alice && bob);
  RpcClient a(alice->address()), b(bob->address());
  auto sent = a.Package("bob", "only once");
  ASSERT_EQ(sent.status, 200) << sent.raw;
  const std::string package = sent.body["package"];
  auto first = b.Unpackage("alice", package);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["message"], "only once");
  auto second = b.Unpackage("alice", package);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body, json::parse(R"({"message":"","index":0,"skipped":false,"late":false,
                                         "already_read":true})"));
  // The same header (so the same pad range) with one ciphertext byte changed.
  std::vector<uint8_t> bytes = *Base64Decode(package);
  bytes[otc::protocol::otc2::kHeaderSize] ^= 1;
  auto forged = b.Unpackage("alice", Base64Encode(bytes));
  EXPECT_EQ(forged.status, 409) << forged.raw;
  EXPECT_EQ(forged.body["error"], "replay");
}

TEST_F(DaemonTest, EveryErrorCategoryOverHttp) {
  auto alice = Start("alice");
  auto bob = Start("bob");
  ASSERT_TRUE(alice && bob);
  RpcClient a(alice->address()), b(bob->address());

  ExpectError(a.Call(http::Verb::post, "/v1/package", "{not json"), 400, "bad_request");
  ExpectError(a.Package("zed", "hi"), 404, "unknown_contact");
  ExpectError(a.Post("/v1/package", {{"to", "dave"}, {"message", std::string(3000, 'x')}}), 409,
              "pad_exhausted");
  ExpectError(a.Post("/v1/package", {{"to", "bob"}, {"message", std::string(65537, 'x')}}), 413,
              "too_large");
  auto p = a.Package("bob", "only once");
  ASSERT_EQ(p.status, 200);
  std::string package = p.body["package"];
  auto bytes = *Base64Decode(package);
  bytes[bytes.size() - 3] ^= 0x40;
  ExpectError(b.Unpackage("alice", Base64Encode(bytes)), 422, "integrity");
  ASSERT_EQ(b.Unpackage("alice", package).status, 200);
  // Another package on that pad, now that it is decrypted: a replay.
  auto other = *Base64Decode(package);
  other[other.size() / 2] ^= 1;
  ExpectError(b.Unpackage("alice", Base64Encode(other)), 409, "replay");
  // denied: confirm_test.cc (a scripted terminal); unauthorized: the TCP tests below.

  // internal: make the cursor file impossible to replace (its temp name is a directory).
  ASSERT_EQ(::mkdir((StoreDir(dir_, "alice") + "/device-cursors.tmp").c_str(), 0700), 0);
  auto internal = a.Call(http::Verb::put, "/v1/cursor?relay=http%3A%2F%2Fr", R"({"cursor":5})");
  ExpectError(internal, 500, "internal");
  EXPECT_EQ(internal.body["message"].get<std::string>().find(StoreDir(dir_, "alice")),
            std::string::npos)
      << "internals must not reach the client";
  EXPECT_NE(Audit("alice").find("INTERNAL op=cursor"), std::string::npos);
  EXPECT_EQ(a.Get("/v1/health").status, 200);

  std::string audit = Audit("alice");
  for (const char* line : {"category=unknown_contact", "category=pad_exhausted",
                           "category=too_large", "BAD_REQUEST"}) {
    EXPECT_NE(audit.find(line), std::string::npos) << line;
  }
  std::string bob_audit = Audit("bob");
  EXPECT_NE(bob_audit.find("category=integrity"), std::string::npos);
  EXPECT_NE(bob_audit.find("category=replay"), std::string::npos);
}

TEST_F(DaemonTest, RoutingErrors) {
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  RpcClient a(alice->address());
  ExpectError(a.Get("/v1/nope"), 404, "bad_request");
  ExpectError(a.Get("/"), 404, "bad_request");
  ExpectError(a.Get("/v1/package"), 405, "bad_request");
  ExpectError(a.Call(http::Verb::post, "/v1/health", "{}"), 405, "bad_request");
  ExpectError(a.Call(http::Verb::delete_, "/v1/cursor?relay=x"), 405, "bad_request");
  ExpectError(a.Call(http::Verb::post, "/v1/package", "to=bob&message=hi",
                     "application/x-www-form-urlencoded"),
              415, "bad_request");
  // No Content-Type at all is fine for JSON.
  EXPECT_EQ(a.Call(http::Verb::post, "/v1/package", R"({"to":"bob","message":"x"})", "").status,
            200);
}

TEST_F(DaemonTest, CursorIsKeptOnTheDeviceAcrossRestarts) {
  const std::string target = "/v1/cursor?relay=http%3A%2F%2F127.0.0.1%3A9050";
  {
    auto alice = Start("alice");
    ASSERT_TRUE(alice);
    RpcClient a(alice->address());
    auto empty = a.Get(target);
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(empty.body, json::parse(R"({"relay":"http://127.0.0.1:9050","cursor":0})"));
    auto put = a.Call(http::Verb::put, target, R"({"cursor":42})");
    EXPECT_EQ(put.status, 200) << put.raw;
    EXPECT_EQ(put.body, json::parse(R"({"relay":"http://127.0.0.1:9050","cursor":42})"));
    ExpectError(a.Call(http::Verb::put, target, R"({"cursor":-1})"), 400, "bad_request");
    ExpectError(a.Call(http::Verb::put, target, R"({"cursor":"42"})"), 400, "bad_request");
    ExpectError(a.Call(http::Verb::put, target, R"({"cursor":1,"extra":true})"), 400,
                "bad_request");
    ExpectError(a.Get("/v1/cursor"), 400, "bad_request");
    ExpectError(a.Get("/v1/cursor?relay=%zz"), 400, "bad_request");
    ExpectError(a.Get("/v1/cursor?relay=a%20b"), 400, "bad_request");
    EXPECT_EQ(alice->Stop(), 0);
  }
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  RpcClient a(alice->address());
  EXPECT_EQ(a.Get(target).body["cursor"], 42);
  EXPECT_EQ(a.Get("/v1/cursor?relay=other").body["cursor"], 0);
}

// Every bad-input class of the issue: clear error, daemon alive, no pad consumed.
TEST_F(DaemonTest, BadInputNeverConsumesPadOrHurtsTheDaemon) {
  auto alice = Start("alice", {"--read-timeout", "0.5"});
  ASSERT_TRUE(alice);
  RpcClient a(alice->address());
  struct Case {
    const char* target;
    std::string body;
    int status;
    const char* category;
  };
  std::vector<Case> cases = {
      {"/v1/package", "{\"to\":\"bob\",", 400, "bad_request"},                 // malformed
      {"/v1/package", "[1,2]", 400, "bad_request"},                            // not object
      {"/v1/package", R"({"to":["bob"],"message":"x"})", 400, "bad_request"},  // wrong type
      {"/v1/package", R"({"to":"bob","message":7})", 400, "bad_request"},      // wrong type
      {"/v1/package", R"({"to":"bob","message":"x","cc":"eve"})", 400, "bad_request"},  // unknown
      {"/v1/package", R"({"to":"bob","message":"x","from":"bob"})", 400, "bad_request"},
      {"/v1/package", R"({"to":"bob","message_b64":"not base64!"})", 400, "bad_request"},
      {"/v1/package", R"({"to":"../../etc","message":"x"})", 400, "bad_request"},
      {"/v1/package", R"({"to":"nobody","message":"x"})", 404, "unknown_contact"},
      {"/v1/unpackage", R"({"from":"bob","package":"AAAA"})", 400, "bad_request"},  // too short
      {"/v1/unpackage",
       R"({"from":"bob","package":")" + Base64Encode(std::vector<uint8_t>(200000, 1)) + "\"}", 413,
       "too_large"},  // too long
      {"/v1/unpackage", R"({"from":"bob","package":"AA=A"})", 400, "bad_request"},
      {"/v1/unpackage", R"({"from":"bob","package":null})", 400, "bad_request"},
      {"/v1/unpackage", R"({"from":"alice","package":"AAAA"})", 400, "bad_request"},
      {"/v1/unpackage",
       R"({"from":"nobody","package":")" + Base64Encode(std::vector<uint8_t>(64, 2)) + "\"}", 404,
       "unknown_contact"},
      {"/v1/package", std::string(40, '[') + std::string(40, ']'), 400, "bad_request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    ExpectError(a.Call(http::Verb::post, c.target, c.body), c.status, c.category);
  }
  // A body over the server's limit is refused before it is read.
  {
    RawSocket s(std::string(SocketPath("alice")));
    ASSERT_TRUE(s.connected());
    s.Send(
        "POST /v1/package HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000000\r\n\r\n{\"to\":\"bob\"");
    std::string raw = s.ReadUntilClose(5s);
    EXPECT_EQ(StatusOf(raw), 413);
  }
  // Not HTTP at all.
  for (std::string garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("HELLO device\r\n\r\n"), std::string("GET /v1/health HTTP/9.9\r\n\r\n"),
        std::string("GET /v1/health\r\n\r\n")}) {
    RawSocket s(std::string(SocketPath("alice")));
    ASSERT_TRUE(s.connected());
    s.Send(garbage);
    bool closed = false;
    std::string raw = s.ReadUntilClose(5s, &closed);
    EXPECT_TRUE(raw.empty() || StatusOf(raw) == 400) << raw;
    EXPECT_TRUE(closed);
  }
  // Slow: a request that never completes is cut off after --read-timeout.
  {
    RawSocket s(std::string(SocketPath("alice")));
    s.Send("POST /v1/package HTTP/1.1\r\nHost: d\r\nContent-Length: 40\r\n\r\n{\"to\":");
    bool closed = false;
    std::string raw = s.ReadUntilClose(10s, &closed);
    EXPECT_EQ(StatusOf(raw), 408) << raw;
    EXPECT_TRUE(closed);
  }
  // Half-closed before the request is complete: an error, not a hang.
  {
    RawSocket s(std::string(SocketPath("alice")));
    s.Send("POST /v1/package HTTP/1.1\r\nHost: d\r\nContent-Length: 40\r\n\r\n{\"to\":");
    s.HalfClose();
    bool closed = false;
    std::string raw = s.ReadUntilClose(10s, &closed);
    EXPECT_TRUE(closed);
    EXPECT_TRUE(raw.empty() || StatusOf(raw) == 400) << raw;
  }
  // Half-closed after a complete request: the answer still comes.
  {
    RawSocket s(std::string(SocketPath("alice")));
    s.Send("GET /v1/health HTTP/1.1\r\nHost: d\r\n\r\n");
    s.HalfClose();
    std::string raw = s.ReadUntilClose(10s);
    EXPECT_EQ(StatusOf(raw), 200) << raw;
  }

  EXPECT_TRUE(alice->Alive());
  EXPECT_EQ(a.Get("/v1/health").status, 200);
  EXPECT_EQ(PadLeft(a, "bob"), kHalf);
  auto first = a.Package("bob", "after all that");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["index"], 0);  // nothing was consumed before
}

class TcpDaemonTest : public DaemonTest {
 protected:
  std::string TokenFile(const std::string& token) {
    std::string path = dir_.File("token");
    std::ofstream(path) << token << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }
};

TEST_F(TcpDaemonTest, TcpRequiresTheBearerToken) {
  const std::string token = "s3cret-token-0123456789";
  auto alice = Start("alice", {"--listen", "tcp:127.0.0.1:0", "--token-file", TokenFile(token)});
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->address().rfind("127.0.0.1:", 0), 0u) << alice->address();

  RpcClient none(alice->address());
  ExpectError(none.Get("/v1/health"), 401, "unauthorized");
  ExpectError(none.Package("bob", "hi"), 401, "unauthorized");
  RpcClient wrong(alice->address(), "s3cret-token-0123456780");
  ExpectError(wrong.Get("/v1/contacts"), 401, "unauthorized");
  ExpectError(wrong.Unpackage("bob", "AAAA"), 401, "unauthorized");
  RpcClient prefix(alice->address(), "s3cret-token");
  ExpectError(prefix.Get("/v1/health"), 401, "unauthorized");

  RpcClient good(alice->address(), token);
  EXPECT_EQ(good.Get("/v1/health").status, 200);
  auto p = good.Package("bob", "over tcp");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["index"], 0);  // the refused requests consumed nothing
  EXPECT_NE(Audit("alice").find("UNAUTHORIZED remote=127.0.0.1"), std::string::npos);
  EXPECT_EQ(Audit("alice").find(token), std::string::npos);
}

TEST_F(TcpDaemonTest, RefusesTcpWithoutATokenAndAllInterfacesUnlessTold) {
  auto no_token =
      testing::Run({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"),
                    "--confirm", "auto", "--listen", "tcp:127.0.0.1:0"});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("--token-file"), std::string::npos) << no_token.err;
  auto all = testing::Run({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"),
                           "--confirm", "auto", "--listen", "tcp:0.0.0.0:0", "--token-file",
                           TokenFile("0123456789abcdef0123")});
  EXPECT_EQ(all.exit_code, 2);
  EXPECT_NE(all.err.find("--all-interfaces"), std::string::npos) << all.err;
  std::string loose = TokenFile("0123456789abcdef0123");
  ::chmod(loose.c_str(), 0644);
  auto readable =
      testing::Run({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"),
                    "--confirm", "auto", "--listen", "tcp:127.0.0.1:0", "--token-file", loose});
  EXPECT_EQ(readable.exit_code, 2);
  EXPECT_NE(readable.err.find("chmod 600"), std::string::npos) << readable.err;
}

TEST_F(DaemonTest, SecondDaemonOnTheSameStoreIsRefused) {
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  auto second = testing::Run({testing::DeviceBinary(), "serve", "--store", StoreDir(dir_, "alice"),
                              "--confirm", "auto", "--listen", "unix:" + dir_.File("other.sock")});
  EXPECT_EQ(second.exit_code, 10);
  EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
  EXPECT_TRUE(alice->Alive());
}

TEST_F(DaemonTest, AutoConfirmWarnsWhatItGivesUp) {
  auto alice = Start("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->Stop(), 0);
  EXPECT_NE(alice->stderr_text().find("--confirm auto approves every request"), std::string::npos);
}

}  // namespace
}  // namespace otc::device
