// The synchronous client: deadlines, reconnects after the server closed a kept-alive
// connection, and errors when nobody listens.
#include "common/http/client.h"

#include <thread>

#include <gtest/gtest.h>

#include "common/http/json_util.h"
#include "common/http/server.h"

namespace otc::http {
namespace {

using namespace std::chrono_literals;

class SlowHandler : public Handler {
 public:
  void Handle(std::shared_ptr<Exchange> ex) override {
    std::string target(ToStd(ex->request().target()));
    if (target == "/slow") {
      std::thread([ex] {
        std::this_thread::sleep_for(500ms);
        ex->Respond(JsonResponse(HttpStatus::ok, {}));
      }).detach();
      return;
    }
    ex->Respond(JsonResponse(HttpStatus::ok, {{"target", target}, {"body", ex->request().body()}}));
  }
};

std::unique_ptr<Server> Start(std::chrono::milliseconds idle = 5000ms) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.idle_timeout = idle;
  auto s = Server::Start(o, std::make_shared<SlowHandler>());
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

TEST(HttpClient, TimesOutAndRecovers) {
  auto server = Start();
  ClientOptions co;
  co.timeout = 100ms;
  auto client = Client::Connect(server->address().ToString(), co);
  ASSERT_TRUE(client.ok());
  Result<Response> r = (*client)->Get("/slow");
  EXPECT_EQ(r.status().code(), otc::Status::Code::kUnavailable);
  r = (*client)->Send(Request(Verb::get, "/slow", 11), 3000ms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  r = (*client)->Get("/fast");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nlohmann::json::parse(r->body())["target"], "/fast");
}

TEST(HttpClient, ReconnectsAfterServerClosedIdleConnection) {
  auto server = Start(/*idle=*/100ms);
  auto client = Client::Connect(server->address().ToString());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Get("/1").ok());
  std::this_thread::sleep_for(400ms);  // the server has closed the idle connection
  Result<Response> r = (*client)->PostJson("/2", {{"a", 1}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(r->body())["body"], R"({"a":1})");
  EXPECT_EQ(server->stats().connections_total, 2u);
}

TEST(HttpClient, NobodyListeningIsUnavailable) {
  uint16_t port;
  {
    auto server = Start();
    port = server->port();
  }
  auto client = Client::Connect("127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(client.status().code(), otc::Status::Code::kUnavailable);
  EXPECT_EQ(Client::Connect("unix:/nonexistent/otc.sock").status().code(),
            otc::Status::Code::kUnavailable);
  EXPECT_EQ(Client::Connect("bad address").status().code(), otc::Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace otc::http
