// The HTTP server's abuse limits against real loopback connections: the per-address
// connection cap, the cap on bytes held for unsent responses, and hearing of a client that
// leaves while its request is held.
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "common/http/client.h"
#include "common/http/json_util.h"
#include "common/http/server.h"
#include "tests/http/raw_socket.h"

namespace otc::http {
namespace {

using namespace std::chrono_literals;
using otc::testing::BodyOf;
using otc::testing::RawSocket;
using otc::testing::StatusOf;

constexpr auto kWait = 5000ms;

class FnHandler : public Handler {
 public:
  std::function<void(std::shared_ptr<Exchange>)> on_request;
  void Handle(std::shared_ptr<Exchange> ex) override { on_request(std::move(ex)); }
};

ServerOptions TestOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 2;
  o.read_timeout = 2000ms;
  o.idle_timeout = 5000ms;
  o.write_timeout = 10000ms;
  return o;
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = kWait) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(HttpServerLimits, PerAddressCapRefusesOneAddressButServesAnother) {
  auto h = std::make_shared<FnHandler>();
  h->on_request = [](std::shared_ptr<Exchange> ex) {
    ex->Respond(JsonResponse(HttpStatus::ok, {{"remote", ex->info().remote_address}}));
  };
  ServerOptions o = TestOptions();
  o.max_connections_per_address = 3;
  auto server = Server::Start(o, h);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  uint16_t port = (*server)->port();
  // Three idle connections from 127.0.0.1: the cap for that address.
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawSocket>(port, "127.0.0.1", 0));
    ASSERT_TRUE(idle.back()->connected());
  }
  ASSERT_TRUE(WaitFor([&] { return (*server)->stats().connections_open == 3; }));
  RawSocket fourth(port, "127.0.0.1", 0);
  std::string refused = fourth.ReadUntilClose(kWait);
  EXPECT_EQ(StatusOf(refused), 503) << refused;
  EXPECT_EQ(nlohmann::json::parse(BodyOf(refused))["error"], "too_many_connections");
  // Another address is served meanwhile.
  RawSocket other(port, "127.0.0.2", 0);
  ASSERT_TRUE(other.connected());
  ASSERT_TRUE(other.Send(Get("/x")));
  std::string served = other.ReadResponses(1, kWait);
  EXPECT_EQ(StatusOf(served), 200) << served;
  EXPECT_EQ(nlohmann::json::parse(BodyOf(served))["remote"], "127.0.0.2");
  // Closing one of the first address's connections makes room again.
  idle.pop_back();
  ASSERT_TRUE(WaitFor([&] { return (*server)->stats().connections_open <= 3; }));
  RawSocket again(port, "127.0.0.1", 0);
  ASSERT_TRUE(again.Send(Get("/y")));
  EXPECT_EQ(StatusOf(again.ReadResponses(1, kWait)), 200);
}

TEST(HttpServerLimits, UnsentResponseBytesAreCapped) {
  constexpr size_t kBody = 16u << 20;   // far more than a socket's kernel buffers take
  constexpr uint64_t kCap = 40u << 20;  // room for two such answers, not three
  auto h = std::make_shared<FnHandler>();
  h->on_request = [](std::shared_ptr<Exchange> ex) {
    Response r(HttpStatus::ok, 11);
    if (ex->request().target() == "/can-hold") {
      r.body() = ex->CanHoldResponse(kBody) ? "yes" : "no";
    }
    if (ex->request().target() == "/big") r.body().assign(kBody, 'x');
    ex->Respond(std::move(r));
  };
  ServerOptions o = TestOptions();
  o.max_unsent_response_bytes = kCap;
  auto server = Server::Start(o, h);
  ASSERT_TRUE(server.ok());
  uint16_t port = (*server)->port();
  // Readers that ask for a big answer and never read it.
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::make_unique<RawSocket>(port, "", 4096));
    ASSERT_TRUE(slow.back()->Send(Get("/big")));
  }
  ASSERT_TRUE(WaitFor([&] { return (*server)->stats().requests_total == 4; }));
  std::this_thread::sleep_for(200ms);  // let every answer reach its write
  uint64_t held = (*server)->stats().unsent_response_bytes;
  EXPECT_LE(held, kCap);
  EXPECT_GE(held, 2 * kBody);  // two are stuck in their writes
  // Small answers still go out.
  auto client = Client::Connect((*server)->address().ToString());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get("/small")->result(), HttpStatus::ok);
  // A handler can ask before building a big answer...
  EXPECT_EQ((*client)->Get("/can-hold")->body(), "no");
  // ...and a big one is refused with 503 and Retry-After while the cap is reached...
  Result<Response> refused = (*client)->Get("/big");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->result(), HttpStatus::service_unavailable);
  EXPECT_EQ(ToStd((*refused)[Field::retry_after]), "1");
  EXPECT_EQ(nlohmann::json::parse(refused->body())["error"], "overloaded");
  // ...and served once the slow readers are gone.
  slow.clear();
  ASSERT_TRUE(WaitFor([&] { return (*server)->stats().unsent_response_bytes == 0; }));
  EXPECT_EQ((*client)->Get("/can-hold")->body(), "yes");
  Result<Response> served = (*client)->Get("/big");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(served->result(), HttpStatus::ok);
  EXPECT_EQ(served->body().size(), kBody);
}

TEST(HttpServerLimits, HeldRequestHearsItsClientLeave) {
  auto h = std::make_shared<FnHandler>();
  std::mutex mu;
  std::vector<std::shared_ptr<Exchange>> held;
  std::atomic<int> gone{0};
  h->on_request = [&](std::shared_ptr<Exchange> ex) {
    ex->OnClientGone([&gone] { ++gone; });
    std::lock_guard lock(mu);
    held.push_back(std::move(ex));
  };
  auto server = Server::Start(TestOptions(), h);
  ASSERT_TRUE(server.ok());
  constexpr int kClients = 50;
  {
    std::vector<std::unique_ptr<RawSocket>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(std::make_unique<RawSocket>((*server)->port()));
      ASSERT_TRUE(clients.back()->Send(Get("/hold")));
    }
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard lock(mu);
      return held.size() == kClients;
    }));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(gone.load(), 0);  // nobody has left yet
  }                             // all close
  EXPECT_TRUE(WaitFor([&] { return gone.load() == kClients; })) << gone.load();
  std::lock_guard lock(mu);
  held.clear();  // answering the departed goes nowhere
  EXPECT_TRUE(WaitFor([&] { return (*server)->stats().connections_open == 0; }));
}

TEST(HttpServerLimits, PipelinedBytesWhileHeldAreNotALeaveAndAreServedNext) {
  auto h = std::make_shared<FnHandler>();
  std::mutex mu;
  std::shared_ptr<Exchange> held;
  std::atomic<int> gone{0};
  h->on_request = [&](std::shared_ptr<Exchange> ex) {
    if (ex->request().target() == "/hold") {
      ex->OnClientGone([&gone] { ++gone; });
      std::lock_guard lock(mu);
      held = std::move(ex);
      return;
    }
    ex->Respond(JsonResponse(HttpStatus::ok, {{"t", ToStd(ex->request().target())}}));
  };
  auto server = Server::Start(TestOptions(), h);
  ASSERT_TRUE(server.ok());
  RawSocket s((*server)->port());
  ASSERT_TRUE(s.Send(Get("/hold")));
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return held != nullptr;
  }));
  ASSERT_TRUE(s.Send(Get("/next")));  // read by the watching read, kept for later
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(held->Respond(JsonResponse(HttpStatus::ok, {{"t", "/hold"}})));
    held.reset();
  }
  std::string raw = s.ReadResponses(2, kWait);
  EXPECT_NE(raw.find(R"("t":"/hold")"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("t":"/next")"), std::string::npos) << raw;
  EXPECT_EQ(gone.load(), 0);
}

}  // namespace
}  // namespace otc::http
