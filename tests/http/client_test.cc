// The synchronous client: deadlines, reconnects after the server closed a kept-alive
// connection, and errors when nobody listens.
#include "common/http/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
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

// A loopback listener that plays a server closing an idle connection just as the client's
// request arrives: it drops its first connection without reading the request (the kernel
// answers the client with a reset), and answers every request on later connections with 200.
class DroppingFirstConnectionServer {
 public:
  DroppingFirstConnectionServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~DroppingFirstConnectionServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      int n = ++connections_;
      char buf[4096];
      ssize_t got = ::recv(fd, buf, 1, MSG_PEEK);  // wait until the request arrives
      if (n > 1 && got > 0) {
        ::recv(fd, buf, sizeof buf, 0);
        static const char kReply[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        ::send(fd, kReply, std::strlen(kReply), MSG_NOSIGNAL);
      }
      ::close(fd);  // with the request unread on the first connection: a reset
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(HttpClient, GetIsRetriedWhenAnIdleConnectionIsDroppedAsTheRequestArrives) {
  DroppingFirstConnectionServer server;
  auto client = Client::Connect(server.address());
  ASSERT_TRUE(client.ok());
  Result<Response> r = (*client)->Get("/check");  // the connection Connect opened is dropped
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body(), "ok");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, PostIsNotRetriedWhenTheConnectionIsDropped) {
  DroppingFirstConnectionServer server;
  auto client = Client::Connect(server.address());
  ASSERT_TRUE(client.ok());
  Result<Response> r = (*client)->PostJson("/send", {{"a", 1}});
  EXPECT_EQ(r.status().code(), otc::Status::Code::kUnavailable);
  EXPECT_EQ(server.connections(), 1);
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
