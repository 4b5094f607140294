#include "padstore/pad_scanner.h"

#include <fcntl.h>
#include <liburing.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace otc::padstore {
namespace {

constexpr uint64_t kAlign = 4096;

struct Request {
  uint64_t offset;  // where the caller's bytes start
  size_t length;    // bytes the caller wants
};

// Scan buffers hold pad: wiped before they are freed.
struct WipeAndFree {
  size_t size;
  void operator()(uint8_t* p) const {
    OPENSSL_cleanse(p, size);
    std::free(p);
  }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads [offset, offset + length) completely with pread (after a short io_uring read, or
// without io_uring). O_DIRECT needs aligned requests: read the aligned cover instead.
Status PreadFully(int fd, uint8_t* buf, uint64_t offset, size_t length, bool direct,
                  const std::string& path) {
  size_t done = 0;
  while (done < length) {
    uint64_t at = offset + done;
    size_t want = length - done;
    if (direct && (at % kAlign != 0 || want % kAlign != 0)) {
      // Only reached for a tail the kernel cut short; rare. Reopen buffered for it.
      int plain = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (plain < 0) return Status::FromErrno(errno, "opening " + path);
      Fd guard(plain);
      return PreadFully(plain, buf + done, at, want, false, path);
    }
    ssize_t n = ::pread(fd, buf + done, want, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "reading " + path);
    }
    if (n == 0)
      return Status::Corruption(path + ": unexpected end of file at " + std::to_string(at));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status ScanFile(const std::string& path, const std::vector<IndexRange>& extents,
                const ScanOptions& options,
                const std::function<Status(uint64_t, std::span<const uint8_t>)>& consume,
                ScanStats* stats) {
  ScanStats local;
  if (stats == nullptr) stats = &local;
  *stats = ScanStats{};
  if (extents.empty()) return Status::Ok();
  const size_t block = std::max<size_t>(kAlign, options.block_size / kAlign * kAlign);

  // O_DIRECT only when every request starts aligned; lengths are rounded up (the kernel
  // stops at end of file) and only the wanted bytes are handed on.
  bool aligned = true;
  for (const IndexRange& e : extents) aligned &= e.lo % kAlign == 0;
  int fd = -1;
  bool direct = false;
  if (options.direct && aligned) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    direct = fd >= 0;
  }
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "opening " + path);
  Fd guard(fd);
  stats->used_direct = direct;

  std::vector<Request> requests;
  for (const IndexRange& e : extents) {
    for (uint64_t at = e.lo; at < e.hi; at += block) {
      requests.push_back({at, static_cast<size_t>(std::min<uint64_t>(block, e.hi - at))});
    }
  }
  const unsigned depth = std::max(1u, options.queue_depth);
  std::vector<std::unique_ptr<uint8_t, WipeAndFree>> buffers;
  for (unsigned i = 0; i < depth; ++i) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlign, block) != 0)
      return Status::Internal("out of memory for scan buffers");
    buffers.emplace_back(static_cast<uint8_t*>(p), WipeAndFree{block});
  }
  auto round_up = [](size_t n) { return (n + kAlign - 1) / kAlign * kAlign; };

  io_uring ring;
  bool uring = options.use_io_uring && io_uring_queue_init(depth, &ring, 0) == 0;
  stats->used_io_uring = uring;
  if (!uring) {
    for (const Request& r : requests) {
      if (Status s = PreadFully(fd, buffers[0].get(), r.offset, r.length, direct, path); !s.ok()) {
        return s;
      }
      stats->bytes_read += r.length;
      if (Status s = consume(r.offset, {buffers[0].get(), r.length}); !s.ok()) return s;
    }
    return Status::Ok();
  }
  struct RingGuard {
    io_uring* ring;
    ~RingGuard() { io_uring_queue_exit(ring); }
  } ring_guard{&ring};
  // Twice as many buffers as reads in flight: this thread keeps `depth` reads queued while
  // a consumer thread digests completed buffers in file order, so a slow or preempted
  // digest does not let the disk's queue run dry.
  for (unsigned i = depth; i < 2 * depth; ++i) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlign, block) != 0)
      return Status::Internal("out of memory for scan buffers");
    buffers.emplace_back(static_cast<uint8_t*>(p), WipeAndFree{block});
  }
  std::mutex mu;
  std::condition_variable cv;
  std::deque<size_t> ready;  // requests completed and in order, for the consumer
  std::vector<size_t> free_buffers;
  for (size_t i = 0; i < buffers.size(); ++i) free_buffers.push_back(i);
  std::vector<size_t> buffer_of(requests.size());
  bool io_done = false;
  Status consumer_status;
  std::thread consumer([&] {
    for (size_t next = 0; next < requests.size(); ++next) {
      size_t req;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !ready.empty() || io_done; });
        if (ready.empty()) return;  // the reader stopped early
        req = ready.front();
        ready.pop_front();
      }
      const Request& r = requests[req];
      Status s = consume(r.offset, {buffers[buffer_of[req]].get(), r.length});
      std::lock_guard lock(mu);
      free_buffers.push_back(buffer_of[req]);
      if (!s.ok()) consumer_status = s;
      cv.notify_all();
      if (!s.ok()) return;
    }
  });
  std::vector<int> result(requests.size(), 0);
  std::vector<char> done(requests.size(), 0);
  size_t next_submit = 0, next_ready = 0, in_flight = 0;
  Status io_status;
  auto finish = [&](Status s) {
    while (in_flight > 0) {  // the kernel writes into the buffers until these complete
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) < 0) break;
      io_uring_cqe_seen(&ring, cqe);
      --in_flight;
    }
    {
      std::lock_guard lock(mu);
      io_done = true;
      cv.notify_all();
    }
    consumer.join();
    if (s.ok()) s = consumer_status;
    return s;
  };
  while (next_ready < requests.size()) {
    // Queue reads while there are free buffers and room in the ring.
    {
      std::unique_lock lock(mu);
      if (!consumer_status.ok()) {
        lock.unlock();
        return finish(Status::Ok());
      }
      // With nothing in flight, wait for the consumer to free a buffer.
      cv.wait(lock,
              [&] { return !free_buffers.empty() || in_flight > 0 || !consumer_status.ok(); });
      while (next_submit < requests.size() && in_flight < depth && !free_buffers.empty()) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (sqe == nullptr) break;
        const size_t req = next_submit++;
        const size_t buf = free_buffers.back();
        free_buffers.pop_back();
        buffer_of[req] = buf;
        const Request& r = requests[req];
        size_t len = direct ? round_up(r.length) : r.length;
        io_uring_prep_read(sqe, fd, buffers[buf].get(), static_cast<unsigned>(len), r.offset);
        io_uring_sqe_set_data64(sqe, req);
        ++in_flight;
      }
    }
    if (io_uring_submit(&ring) < 0)
      return finish(Status::IOError("io_uring_submit failed for " + path));
    if (in_flight == 0) continue;
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_wait_cqe(&ring, &cqe);
    if (rc == -EINTR) continue;
    if (rc < 0) return finish(Status::FromErrno(-rc, "waiting for reads of " + path));
    const size_t req = static_cast<size_t>(io_uring_cqe_get_data64(cqe));
    result[req] = cqe->res;
    done[req] = 1;
    --in_flight;
    io_uring_cqe_seen(&ring, cqe);
    // Hand completed reads to the consumer in file order.
    while (next_ready < requests.size() && done[next_ready]) {
      const Request& r = requests[next_ready];
      const int res = result[next_ready];
      if (res < 0) return finish(Status::FromErrno(-res, "reading " + path));
      if (static_cast<size_t>(res) < r.length) {
        uint8_t* buf = buffers[buffer_of[next_ready]].get();
        Status s = PreadFully(fd, buf + res, r.offset + res, r.length - res, direct, path);
        if (!s.ok()) return finish(s);
      }
      stats->bytes_read += r.length;
      std::lock_guard lock(mu);
      ready.push_back(next_ready++);
      cv.notify_all();
    }
  }
  return finish(Status::Ok());
}

}  // namespace otc::padstore
