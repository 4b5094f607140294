// IoRing: a small RAII wrapper over a liburing ring for the pad data path.
//
// The pipeline and the verifier submit reads, writes and fdatasyncs on raw file
// descriptors; each request carries a 64-bit tag that comes back with its completion.
#pragma once

#include <liburing.h>

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/status.h"

namespace otc::padgen {

class IoRing {
 public:
  struct Completion {
    uint64_t tag;
    int result;  // bytes, or a negative errno
  };

  IoRing() = default;
  ~IoRing();
  IoRing(const IoRing&) = delete;
  IoRing& operator=(const IoRing&) = delete;

  Status Init(unsigned entries);

  // Queue requests; they are sent with the next Submit (or automatically when the
  // submission queue is full).
  Status Write(int fd, const void* buf, size_t len, uint64_t offset, uint64_t tag);
  Status Read(int fd, void* buf, size_t len, uint64_t offset, uint64_t tag);
  Status DataSync(int fd, uint64_t tag);
  Status Submit();

  // Waits up to `timeout` for a completion; nullopt on timeout.
  Result<std::optional<Completion>> Wait(std::chrono::milliseconds timeout);
  // A completion that is already available, without waiting.
  std::optional<Completion> Peek();

  size_t in_flight() const { return in_flight_; }

 private:
  Result<io_uring_sqe*> GetSqe();
  io_uring ring_{};
  bool initialized_ = false;
  size_t in_flight_ = 0;
};

}  // namespace otc::padgen
