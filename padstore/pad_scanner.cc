#include "padstore/pad_scanner.h"

#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace otc::padstore {
namespace {

constexpr uint64_t kAlign = 4096;

struct Request {
  uint64_t offset;  // where the caller's bytes start
  size_t length;    // bytes the caller wants
};

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
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
  std::vector<std::unique_ptr<uint8_t, AlignedFree>> buffers;
  for (unsigned i = 0; i < depth; ++i) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlign, block) != 0)
      return Status::Internal("out of memory for scan buffers");
    buffers.emplace_back(static_cast<uint8_t*>(p));
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

  // Slot i holds request `next_to_consume + k` for k < depth; results by request index.
  std::vector<int> result(depth, 0);
  std::vector<bool> done(depth, false);
  size_t next_submit = 0, next_consume = 0, in_flight = 0;
  auto submit = [&](size_t req) -> Status {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) return Status::Internal("io_uring submission queue full");
    const Request& r = requests[req];
    size_t slot = req % depth;
    size_t len = direct ? round_up(r.length) : r.length;
    io_uring_prep_read(sqe, fd, buffers[slot].get(), static_cast<unsigned>(len), r.offset);
    io_uring_sqe_set_data64(sqe, req);
    done[slot] = false;
    ++in_flight;
    return Status::Ok();
  };
  // Before returning early: wait for what is still in flight (the kernel writes into
  // the buffers until then).
  auto drain = [&] {
    while (in_flight > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) < 0) break;
      io_uring_cqe_seen(&ring, cqe);
      --in_flight;
    }
  };
  while (next_consume < requests.size()) {
    while (next_submit < requests.size() && next_submit < next_consume + depth) {
      if (Status s = submit(next_submit++); !s.ok()) return s;
    }
    if (io_uring_submit(&ring) < 0) return Status::IOError("io_uring_submit failed for " + path);
    // Wait until the next request in file order has completed.
    while (!done[next_consume % depth]) {
      io_uring_cqe* cqe = nullptr;
      int rc = io_uring_wait_cqe(&ring, &cqe);
      if (rc == -EINTR) continue;
      if (rc < 0) return Status::FromErrno(-rc, "waiting for reads of " + path);
      size_t req = static_cast<size_t>(io_uring_cqe_get_data64(cqe));
      result[req % depth] = cqe->res;
      done[req % depth] = true;
      --in_flight;
      io_uring_cqe_seen(&ring, cqe);
    }
    const Request& r = requests[next_consume];
    uint8_t* buf = buffers[next_consume % depth].get();
    int res = result[next_consume % depth];
    if (res < 0) {
      drain();
      return Status::FromErrno(-res, "reading " + path);
    }
    if (static_cast<size_t>(res) < r.length) {
      Status s = PreadFully(fd, buf + res, r.offset + res, r.length - res, direct, path);
      if (!s.ok()) {
        drain();
        return s;
      }
    }
    stats->bytes_read += r.length;
    Status s = consume(r.offset, {buf, r.length});
    ++next_consume;
    if (!s.ok()) {
      drain();
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace otc::padstore
