#include "common/http/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "common/http/session.h"
#include "common/http/tls.h"

namespace otc::http {

using boost::system::error_code;
using Acceptor = net::basic_socket_acceptor<net::generic::stream_protocol, net::any_io_executor>;

Server::Core::Admission Server::Core::Register(uint64_t id, const std::shared_ptr<Session>& session,
                                               const std::string& remote) {
  std::lock_guard lock(mu);
  if (shutting_down) return Admission::kShuttingDown;
  size_t open_before = sessions.size();
  sessions.emplace(id, session);
  size_t from_address = is_tcp ? ++per_address[remote] : 0;
  if (open_before >= options.max_connections) return Admission::kOverloaded;
  if (options.max_connections_per_address > 0 &&
      from_address > options.max_connections_per_address) {
    return Admission::kTooManyFromAddress;
  }
  return Admission::kServe;
}

void Server::Core::Unregister(uint64_t id, const std::string& remote) {
  std::lock_guard lock(mu);
  if (sessions.erase(id) == 0) return;
  if (is_tcp) {
    auto it = per_address.find(remote);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  if (sessions.empty()) sessions_changed.notify_all();
}

bool Server::Core::ChargeUnsent(uint64_t bytes) {
  uint64_t cap = options.max_unsent_response_bytes;
  uint64_t before = unsent_bytes.fetch_add(bytes);
  if (cap == 0 || bytes < kAlwaysSentBytes || before + bytes <= cap) return true;
  unsent_bytes.fetch_sub(bytes);
  return false;
}

size_t Server::Core::OpenSessions() {
  std::lock_guard lock(mu);
  return sessions.size();
}

void Server::Core::Rejected(std::string_view category) {
  rejected_total.fetch_add(1, std::memory_order_relaxed);
  handler->OnRejected(category);
}

namespace {

// "127.0.0.1" / "::1" from a connected socket, "unix" for a Unix socket.
std::string RemoteAddress(const Socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const sockaddr* sa = endpoint.data();
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    net::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &in->sin_addr, 4);
    return net::ip::address_v4(b).to_string();
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    net::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &in6->sin6_addr, 16);
    auto v6 = net::ip::address_v6(b);
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
    return v6.to_string();
  }
  return "unix";
}

uint16_t LocalPort(const Acceptor& acceptor) {
  error_code ec;
  auto endpoint = acceptor.local_endpoint(ec);
  if (ec) return 0;
  const sockaddr* sa = endpoint.data();
  if (sa->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  }
  return 0;
}

Status FromError(const error_code& ec, std::string_view what) {
  if (ec == net::error::address_in_use) return Status::Busy(std::string(what) + ": address in use");
  if (ec.category() == boost::system::system_category()) return Status::FromErrno(ec.value(), what);
  return Status::IOError(std::string(what) + ": " + ec.message());
}

// Accepts connections until closed; backs off briefly when out of file descriptors.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(Server::Core* core, Acceptor acceptor)
      : core_(core), acceptor_(std::move(acceptor)), retry_(acceptor_.get_executor()) {}

  void Accept() {
    acceptor_.async_accept(net::make_strand(core_->ioc),
                           [self = shared_from_this()](error_code ec, auto socket) {
                             self->OnAccept(ec, Socket(std::move(socket)));
                           });
  }

  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void OnAccept(error_code ec, Socket socket) {
    if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
    if (ec) {
      // EMFILE/ENFILE/ENOBUFS/ENOMEM: the listen queue keeps the client; retry shortly
      // instead of spinning. Anything else (ECONNABORTED...) concerns one client only.
      if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
          ec == net::error::no_memory || ec.value() == ENFILE) {
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
          if (!wait_ec) self->Accept();
        });
        return;
      }
      Accept();
      return;
    }
    uint64_t id = core_->next_connection_id.fetch_add(1);
    core_->connections_total.fetch_add(1, std::memory_order_relaxed);
    std::string remote = RemoteAddress(socket);
    auto session = std::make_shared<Session>(core_, std::move(socket), id, remote);
    Server::Core::Admission admission = core_->Register(id, session, remote);
    if (admission != Server::Core::Admission::kShuttingDown) {
      net::post(session->executor(), [session, admission] {
        switch (admission) {
          case Server::Core::Admission::kServe:
            session->Start();
            break;
          case Server::Core::Admission::kOverloaded:
            session->StartRejecting("overloaded", "too many connections; retry later");
            break;
          default:
            session->StartRejecting("too_many_connections",
                                    "too many connections from your address; close some");
            break;
        }
      });
    }
    Accept();
  }

  Server::Core* core_;
  Acceptor acceptor_;
  net::steady_timer retry_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                              std::shared_ptr<Handler> handler) {
  if (!handler) return Status::InvalidArgument("http server: no handler");
  if (options.threads < 1) return Status::InvalidArgument("http server: threads must be >= 1");
  if (options.max_connections < 1) {
    return Status::InvalidArgument("http server: max_connections must be >= 1");
  }
  Result<ListenAddress> address = ParseListenAddress(options.listen);
  if (!address.ok()) return address.status();
  bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && address->kind != ListenAddress::Kind::kTcp) {
    return Status::InvalidArgument("http server: TLS needs a TCP listen address");
  }
  std::unique_ptr<net::ssl::context> tls_context;
  if (tls) {
    Result<std::unique_ptr<net::ssl::context>> made =
        MakeServerTlsContext(options.tls_cert_file, options.tls_key_file);
    if (!made.ok()) return made.status();
    tls_context = std::move(*made);
  }

  std::unique_ptr<Server> server(new Server());
  server->core_ = std::make_shared<Core>();
  Core* core = server->core_.get();
  core->options = options;
  core->handler = std::move(handler);
  core->is_tcp = address->kind == ListenAddress::Kind::kTcp;
  core->tls = std::move(tls_context);

  Acceptor acceptor(net::make_strand(core->ioc));
  error_code ec;
  if (core->is_tcp) {
    net::ip::tcp::endpoint endpoint(net::ip::make_address(address->host), address->port);
    net::generic::stream_protocol::endpoint generic(endpoint);
    acceptor.open(generic.protocol(), ec);
    if (ec) return FromError(ec, "opening a TCP socket");
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(generic, ec);
    if (ec) return FromError(ec, "binding " + address->ToString());
  } else {
    struct stat st;
    if (::lstat(address->path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Status::AlreadyExists(address->path + ": exists and is not a socket");
      }
      // A socket file left by a dead server is removed; a live server's is not.
      net::io_context probe_ioc;
      net::local::stream_protocol::socket probe(probe_ioc);
      error_code probe_ec;
      probe.connect(net::local::stream_protocol::endpoint(address->path), probe_ec);
      if (!probe_ec) return Status::Busy(address->path + ": another server is listening there");
      ::unlink(address->path.c_str());
    }
    net::generic::stream_protocol::endpoint generic(
        net::local::stream_protocol::endpoint(address->path));
    acceptor.open(generic.protocol(), ec);
    if (ec) return FromError(ec, "opening a Unix socket");
    acceptor.bind(generic, ec);
    if (ec) return FromError(ec, "binding " + address->path);
    // No client can connect before listen(), so tightening the mode here is race-free.
    if (::chmod(address->path.c_str(), 0600) != 0) {
      int err = errno;
      ::unlink(address->path.c_str());
      return Status::FromErrno(err, "chmod " + address->path);
    }
  }
  acceptor.listen(options.backlog, ec);
  if (ec) return FromError(ec, "listening on " + address->ToString());
  if (core->is_tcp) address->port = LocalPort(acceptor);
  server->address_ = *address;

  auto listener = std::make_shared<Listener>(core, std::move(acceptor));
  server->listener_ = listener;
  listener->Accept();

  core->work = std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(
      core->ioc.get_executor());
  for (int i = 0; i < options.threads; ++i) {
    core->threads.emplace_back([core] { core->ioc.run(); });
  }
  return server;
}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

ServerStats Server::stats() const {
  ServerStats s;
  s.connections_open = core_->OpenSessions();
  s.connections_total = core_->connections_total.load();
  s.requests_total = core_->requests_total.load();
  s.rejected_total = core_->rejected_total.load();
  s.unsent_response_bytes = core_->unsent_bytes.load();
  return s;
}

bool Server::Shutdown(std::chrono::milliseconds grace) {
  if (stopped_.exchange(true)) return clean_shutdown_;
  if (!listener_) return true;  // Start() failed before serving
  Core* core = core_.get();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(core->mu);
    core->shutting_down = true;
    core->stopping.store(true);
  }
  std::static_pointer_cast<Listener>(listener_)->Close();
  core->handler->OnShutdown();
  auto collect = [&] {
    std::lock_guard lock(core->mu);
    live.clear();
    for (auto& [id, weak] : core->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  };
  collect();
  for (auto& session : live) session->NotifyShutdown();
  live.clear();  // a Session must be able to die as soon as it is done

  {
    std::unique_lock lock(core->mu);
    clean_shutdown_ =
        core->sessions_changed.wait_for(lock, grace, [&] { return core->sessions.empty(); });
  }
  if (!clean_shutdown_) {
    collect();
    for (auto& session : live) session->NotifyForceClose();
    live.clear();
    std::unique_lock lock(core->mu);
    core->sessions_changed.wait_for(lock, std::chrono::milliseconds(200),
                                    [&] { return core->sessions.empty(); });
  }
  core->work.reset();
  core->ioc.stop();
  for (auto& thread : core->threads) thread.join();
  core->threads.clear();
  if (address_.kind == ListenAddress::Kind::kUnix) ::unlink(address_.path.c_str());
  listener_.reset();
  return clean_shutdown_;
}

}  // namespace otc::http
