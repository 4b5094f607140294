// relay_idle_polls: holds N idle long-polls open against a relay, for bench/relay.sh.
//
//   relay_idle_polls --address 127.0.0.1:9050 --connections 2000 [--seconds 600]
//
// Each connection sends GET /getmessages?recipient_uid=idle-<i>&start_ref=0&wait=60 and
// sends it again whenever it is answered, so the relay always holds N requests. Nobody
// sends to the idle-* recipients, so they stay idle. Prints "holding N" once every
// connection has its first request written, then runs until --seconds pass or SIGTERM.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/http/listen_address.h"

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

std::atomic<int> written{0};
std::atomic<long> answered{0};

class Poller : public std::enable_shared_from_this<Poller> {
 public:
  Poller(net::io_context& ioc, net::ip::tcp::endpoint endpoint, int index)
      : socket_(ioc), endpoint_(endpoint) {
    request_ = "GET /getmessages?recipient_uid=idle-";
    request_ += std::to_string(index);
    request_ += "&start_ref=0&wait=60 HTTP/1.1\r\nHost: relay\r\n\r\n";
  }

  void Start() {
    socket_.async_connect(endpoint_, [self = shared_from_this()](error_code ec) {
      if (ec) {
        std::cerr << "relay_idle_polls: connect: " << ec.message() << "\n";
        return;
      }
      self->socket_.set_option(net::ip::tcp::no_delay(true));
      self->Send(true);
    });
  }

 private:
  void Send(bool first) {
    net::async_write(socket_, net::buffer(request_),
                     [self = shared_from_this(), first](error_code ec, size_t) {
                       if (ec) return;
                       if (first) ++written;
                       self->Read();
                     });
  }
  void Read() {
    parser_.emplace();
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) {
                          std::cerr << "relay_idle_polls: read: " << ec.message() << "\n";
                          return;
                        }
                        ++answered;
                        self->Send(false);
                      });
  }

  net::ip::tcp::socket socket_;
  net::ip::tcp::endpoint endpoint_;
  std::string request_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"relay_idle_polls: hold N idle long-polls open against an otc-relay"};
  std::string address;
  int connections = 2000;
  int seconds = 600;
  app.add_option("--address", address, "relay HOST:PORT")->required();
  app.add_option("--connections", connections, "long-polls to hold")->capture_default_str();
  app.add_option("--seconds", seconds, "stop after this long")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto parsed = otc::http::ParseListenAddress(address);
  if (!parsed.ok() || parsed->kind != otc::http::ListenAddress::Kind::kTcp) {
    std::cerr << "relay_idle_polls: --address must be HOST:PORT\n";
    return 2;
  }
  net::io_context ioc;
  net::ip::tcp::endpoint endpoint(net::ip::make_address(parsed->host), parsed->port);
  for (int i = 0; i < connections; ++i) std::make_shared<Poller>(ioc, endpoint, i)->Start();

  net::steady_timer report(ioc);
  std::function<void()> tick = [&] {
    report.expires_after(std::chrono::milliseconds(50));
    report.async_wait([&](error_code ec) {
      if (ec) return;
      if (written.load() == connections) {
        std::cout << "holding " << connections << std::endl;
        return;
      }
      tick();
    });
  };
  tick();
  net::steady_timer stop(ioc);
  stop.expires_after(std::chrono::seconds(seconds));
  stop.async_wait([&](error_code) { ioc.stop(); });
  net::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](error_code, int) { ioc.stop(); });
  ioc.run();
  std::cerr << "relay_idle_polls: " << answered.load() << " long-polls were answered\n";
  return 0;
}
