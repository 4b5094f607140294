// IoRing: a small RAII wrapper over a liburing ring for bulk pad I/O (common/bulk_file.h).
//
// Callers queue reads, writes and fdatasyncs on BulkFiles; each request carries a 64-bit
// tag that comes back with its completion. The ring picks the file's descriptor for each
// request (O_DIRECT when aligned) and passes every completion through the file's
// BulkFile::Complete before returning it, so an Env's injected faults reach the caller
// exactly as a failing drive's would. In-flight tags must be distinct.
//
// Built as its own library (otc_io_ring, linking liburing) so that programs which never
// do bulk pad I/O, the device above all, do not link liburing.
#pragma once

#include <liburing.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "common/bulk_file.h"
#include "common/status.h"

namespace otc {

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
  Status Write(BulkFile& file, const void* buf, size_t len, uint64_t offset, uint64_t tag);
  Status Read(BulkFile& file, void* buf, size_t len, uint64_t offset, uint64_t tag);
  Status DataSync(BulkFile& file, uint64_t tag);
  // A read on a descriptor that is not pad (an eventfd that wakes the ring's waiter).
  Status ReadRaw(int fd, void* buf, size_t len, uint64_t tag);
  Status Submit();

  // Waits up to `timeout` for a completion; nullopt on timeout.
  Result<std::optional<Completion>> Wait(std::chrono::milliseconds timeout);
  // Waits as long as it takes (EINTR is retried).
  Result<Completion> WaitForever();
  // A completion that is already available, without waiting.
  std::optional<Completion> Peek();

  size_t in_flight() const { return in_flight_; }

 private:
  struct Pending {
    BulkFile* file;  // nullptr for ReadRaw
    BulkOp op;
    uint64_t offset;
    size_t length;
  };
  Result<io_uring_sqe*> GetSqe();
  Status Queue(io_uring_sqe* sqe, uint64_t tag, Pending pending);
  Completion Reap(io_uring_cqe* cqe);

  io_uring ring_{};
  bool initialized_ = false;
  size_t in_flight_ = 0;
  std::unordered_map<uint64_t, Pending> pending_;
};

}  // namespace otc
