// Test helper: a blocking loopback socket for sending exact bytes (garbage, partial
// requests, half-closes) to a server, with a receive deadline so a test never hangs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace otc::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port, or to a Unix socket path if `unix_path` is non-empty.
  explicit RawSocket(uint16_t port);
  explicit RawSocket(const std::string& unix_path);
  // Connects to 127.0.0.1:port from `source_ip` (another loopback address such as
  // 127.0.0.2 makes a second client address); `receive_buffer` > 0 sets SO_RCVBUF before
  // connecting (a small one makes a reader that takes almost nothing).
  RawSocket(uint16_t port, const std::string& source_ip, int receive_buffer);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false if the peer is gone.
  bool Send(std::string_view bytes);
  // shutdown(SHUT_WR): "I have sent everything" while still reading.
  void HalfClose();
  // Reads until the peer closes the connection or `timeout` passes; `closed` says which.
  std::string ReadUntilClose(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads until `count` complete HTTP responses with Content-Length bodies have arrived
  // (or timeout / close). Returns the bytes read.
  std::string ReadResponses(int count, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string pending_;
};

// The status code of the first response in `raw` ("HTTP/1.1 413 ..." -> 413), or 0.
int StatusOf(std::string_view raw);
// The body of the first response in `raw` (after the blank line, Content-Length bytes).
std::string BodyOf(std::string_view raw);
// Number of "HTTP/1.x NNN" status lines in `raw`.
int CountResponses(std::string_view raw);

}  // namespace otc::testing
