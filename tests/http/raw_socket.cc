#include "tests/http/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace otc::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Content-Length of the header block starting at `head`, or -1.
long ContentLength(std::string_view head) {
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return -1;
  return std::strtol(lower.c_str() + at + 17, nullptr, 10);
}

}  // namespace

RawSocket::RawSocket(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::RawSocket(uint16_t port, const std::string& source_ip, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  bool ok = true;
  if (!source_ip.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ok = ::inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr) == 1 &&
         ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!ok || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::RawSocket(const std::string& unix_path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, unix_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawSocket::HalfClose() { ::shutdown(fd_, SHUT_WR); }

std::string RawSocket::ReadUntilClose(std::chrono::milliseconds timeout, bool* closed) {
  std::string out = std::move(pending_);
  pending_.clear();
  auto deadline = Clock::now() + timeout;
  if (closed) *closed = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string RawSocket::ReadResponses(int count, std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  auto complete = [&](size_t* end) {
    size_t pos = 0;
    for (int i = 0; i < count; ++i) {
      size_t head_end = out.find("\r\n\r\n", pos);
      if (head_end == std::string::npos) return false;
      std::string_view head(out.data() + pos, head_end - pos);
      long length = ContentLength(head);
      if (head.starts_with("HTTP/1.1 100")) length = 0, --i;
      size_t body_end = head_end + 4 + static_cast<size_t>(std::max(0L, length));
      if (out.size() < body_end) return false;
      pos = body_end;
    }
    *end = pos;
    return true;
  };
  size_t end = 0;
  while (!complete(&end)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
  pending_ = out.substr(end);
  out.resize(end);
  return out;
}

int StatusOf(std::string_view raw) {
  if (!raw.starts_with("HTTP/1.") || raw.size() < 12) return 0;
  return std::atoi(std::string(raw.substr(9, 3)).c_str());
}

std::string BodyOf(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return {};
  long length = ContentLength(raw.substr(0, head_end));
  std::string_view body = raw.substr(head_end + 4);
  if (length >= 0 && static_cast<size_t>(length) < body.size()) body = body.substr(0, length);
  return std::string(body);
}

int CountResponses(std::string_view raw) {
  int count = 0;
  size_t pos = 0;
  while ((pos = raw.find("HTTP/1.", pos)) != std::string_view::npos) {
    if (pos == 0 || raw.substr(pos - 2, 2) == "\r\n" || raw[pos - 1] == '\n') ++count;
    pos += 7;
  }
  return count;
}

}  // namespace otc::testing
