// The otc-relay binary facing the internet: memory stays bounded under slow readers, HTTPS
// with a pinned or an untrusted certificate, and a client failing over from a dead relay
// to a live one.
#include <signal.h>

#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/client/relay_client.h"
#include "chat/client/relay_endpoints.h"
#include "common/encoding.h"
#include "common/http/client.h"
#include "tests/common/sanitizers.h"
#include "tests/common/test_dir.h"
#include "tests/http/raw_socket.h"
#include "tests/http/test_cert.h"
#include "tests/relay/relay_process.h"

namespace otc::relay {
namespace {

using namespace std::chrono_literals;
using otc::TestDir;
using otc::testing::RelayProcess;

// The 2015 anonymous API (--accounts off): these tests are about limits, TLS and
// failover; accounts have their own tests.
std::vector<std::string> Args(const TestDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {
      "--listen", "127.0.0.1:0", "--db", dir.File("relay.db"), "--threads",  "2", "--rate-limit",
      "0",        "--accounts",  "off",  "--metrics-listen",   "127.0.0.1:0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

uint16_t PortOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// A value from the relay's /metrics (on its metrics listener), or -1.
int64_t Metric(const RelayProcess& relay, const std::string& sample) {
  std::string address =
      nlohmann::json::parse(relay.startup_line())["metrics_listen"].get<std::string>();
  auto client = http::Client::Connect(address);
  if (!client.ok()) return -1;
  Result<http::Response> r = (*client)->Get("/metrics");
  if (!r.ok()) return -1;
  const std::string& body = r->body();
  size_t at = body.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(body.substr(at + sample.size() + 2));
}

// kB of a /proc/PID/status field ("VmRSS", "VmHWM"), or -1.
long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

TEST(RelayAbuse, SlowReadersOfALargeQueueKeepTheRelayUnder300MB) {
  if (otc::testing::kUnderAddressSanitizer) {
    // ASan's shadow memory and quarantine alone take hundreds of MB: the bound is the
    // normal build's to check.
    GTEST_SKIP() << "resident memory is not meaningful under AddressSanitizer";
  }
  TestDir dir;
  RelayProcess relay;
  // 8 MiB answers, as relays served before paging: without the cap on unsent answers, 95
  // readers that never read would pin about 95 x 11 MB of JSON.
  ASSERT_TRUE(relay.Start(Args(dir, {"--max-response", "8M", "--max-unsent", "64M"}),
                          dir.File("relay.log")));
  // A 10 MiB queue for bob: 160 messages of 64 KiB, sent over 4 connections.
  std::vector<std::thread> senders;
  std::atomic<int> sent{0};
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      auto client = http::Client::Connect(relay.address());
      if (!client.ok()) return;
      for (int i = 0; i < 40; ++i) {
        // Distinct contents: the relay stores an identical resend only once.
        std::string contents(64 * 1024, static_cast<char>('a' + (t * 40 + i) % 26));
        contents.replace(0, 8, std::to_string(10000000 + t * 1000 + i).substr(0, 8));
        Result<http::Response> r =
            (*client)->PostJson("/send", {{"sender_uid", "alice"},
                                          {"recipient_uid", "bob"},
                                          {"contents", Base64Encode(AsBytes(contents))}});
        if (r.ok() && r->result_int() == 200) ++sent;
      }
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_EQ(sent.load(), 160);

  constexpr int kReaders = 95;
  std::vector<std::unique_ptr<otc::testing::RawSocket>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<otc::testing::RawSocket>(PortOf(relay.address()), "", 4096));
    ASSERT_TRUE(
        readers.back()->Send("GET /getmessages?recipient_uid=bob&start_ref=0&maxcount=1000 "
                             "HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  // Every request handled (answered or refused), then a moment for the writes to stall.
  for (int i = 0; i < 600; ++i) {
    if (Metric(relay, "otc_relay_requests_total{endpoint=\"getmessages\"}") == kReaders) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(Metric(relay, "otc_relay_requests_total{endpoint=\"getmessages\"}"), kReaders);
  std::this_thread::sleep_for(500ms);

  long rss_kb = ProcStatusKb(relay.pid(), "VmRSS");
  long peak_kb = ProcStatusKb(relay.pid(), "VmHWM");
  ASSERT_GT(rss_kb, 0);
  EXPECT_LT(rss_kb, 300 * 1024) << "VmRSS " << rss_kb << " kB";
  EXPECT_LT(peak_kb, 300 * 1024) << "VmHWM " << peak_kb << " kB";
  EXPECT_LE(Metric(relay, "otc_relay_unsent_response_bytes"), 64 << 20);
  EXPECT_GT(Metric(relay, "otc_relay_errors_total{category=\"overloaded\"}"), 0);
  // The relay still serves others meanwhile.
  auto client = http::Client::Connect(relay.address());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get("/check")->result_int(), 200);
  RecordProperty("relay_vmrss_kb", std::to_string(rss_kb));
  RecordProperty("relay_vmhwm_kb", std::to_string(peak_kb));
}

TEST(RelayAbuse, HttpsWithPinnedKeyWrongPinAndUntrustedCertificate) {
  TestDir dir;
  otc::testing::TestCert cert, other;
  std::string error;
  ASSERT_TRUE(otc::testing::MakeTestCert(dir.path(), "relay", &cert, &error)) << error;
  ASSERT_TRUE(otc::testing::MakeTestCert(dir.path(), "other", &other, &error)) << error;
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(Args(dir, {"--tls-cert", cert.cert_file, "--tls-key", cert.key_file}),
                          dir.File("relay.log")));
  // The relay announces the same pin that openssl computes.
  EXPECT_EQ(nlohmann::json::parse(relay.startup_line())["tls_pin"], cert.pin);

  Result<client::Endpoint> endpoint = client::ParseEndpoint("https://" + relay.address(), "relay");
  ASSERT_TRUE(endpoint.ok());
  client::RelayClientOptions pinned;
  pinned.pin = cert.pin;
  auto good = client::HttpRelayClient::Create(*endpoint, pinned);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_TRUE((*good)->Check().ok());
  Result<uint64_t> ref = (*good)->Send("alice", "bob", "QUJD");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto got = (*good)->GetMessages("bob", 0, 10, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].contents, "QUJD");

  client::RelayClientOptions wrong;
  wrong.pin = other.pin;
  auto bad = client::HttpRelayClient::Create(*endpoint, wrong);
  ASSERT_TRUE(bad.ok());
  Status refused = (*bad)->Check();
  EXPECT_EQ(refused.code(), Status::Code::kDenied) << refused.ToString();
  EXPECT_NE(refused.message().find("pin"), std::string::npos) << refused.message();

  auto unpinned = client::HttpRelayClient::Create(*endpoint, {});
  ASSERT_TRUE(unpinned.ok());
  Status untrusted = (*unpinned)->Check();
  EXPECT_EQ(untrusted.code(), Status::Code::kDenied) << untrusted.ToString();
  EXPECT_NE(untrusted.message().find("not trusted"), std::string::npos) << untrusted.message();
  // Neither refused client got a request through: only the pinned one's 3 were routed.
  EXPECT_EQ(Metric(relay, "otc_relay_requests_total{endpoint=\"check\"}"), 1);
}

TEST(RelayAbuse, TlsFlagsGoTogether) {
  TestDir dir;
  otc::testing::TestCert cert;
  std::string error;
  ASSERT_TRUE(otc::testing::MakeTestCert(dir.path(), "relay", &cert, &error)) << error;
  std::string out;
  EXPECT_EQ(RelayProcess::Run(Args(dir, {"--tls-cert", cert.cert_file}), &out), 2);
  EXPECT_NE(out.find("--tls-key"), std::string::npos) << out;
}

TEST(RelayAbuse, ClientFailsOverFromADeadRelayToALiveOne) {
  TestDir dead_dir, live_dir;
  RelayProcess dead, live;
  ASSERT_TRUE(dead.Start(Args(dead_dir), dead_dir.File("relay.log")));
  std::string dead_address = dead.address();
  dead.Signal(SIGKILL);
  ASSERT_EQ(dead.Wait(), 128 + SIGKILL);
  ASSERT_TRUE(live.Start(Args(live_dir), live_dir.File("relay.log")));

  Result<std::vector<client::Endpoint>> list =
      client::ParseRelayList("http://" + dead_address + ", http://" + live.address());
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  client::RelayClientOptions options;
  options.timeout = 3s;
  auto relay = client::HttpRelayClient::Create(*list, options);
  ASSERT_TRUE(relay.ok());
  Result<uint64_t> ref = (*relay)->Send("alice", "bob", "QUJD");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto got = (*relay)->GetMessages("bob", 0, 10, 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].ref, *ref);
  EXPECT_TRUE((*relay)->Ack("bob", *ref).ok());
  EXPECT_EQ(Metric(live, "otc_relay_requests_total{endpoint=\"send\"}"), 1);

  // With every relay down the call is Unavailable (the caller retries later).
  live.Signal(SIGKILL);
  ASSERT_EQ(live.Wait(), 128 + SIGKILL);
  EXPECT_EQ((*relay)->Check().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace otc::relay
