#include "padstore/pad_scanner.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "common/bulk_file.h"
#include "common/io_ring.h"
#include "common/secret_buffer.h"

namespace otc::padstore {
namespace {

// Requests are cut at multiples of a page, which every O_DIRECT alignment a BulkFile
// accepts divides.
constexpr uint64_t kPage = 4096;

struct Request {
  uint64_t offset;  // where the caller's bytes start
  size_t length;    // bytes the caller wants
};

}  // namespace

// The reads a scan of `extents` makes, in file order: at most `block` bytes each.
std::vector<Request> SplitIntoRequests(const std::vector<IndexRange>& extents, size_t block) {
  std::vector<Request> requests;
  for (const IndexRange& e : extents) {
    for (uint64_t at = e.lo; at < e.hi; at += block) {
      requests.push_back({at, static_cast<size_t>(std::min<uint64_t>(block, e.hi - at))});
    }
  }
  return requests;
}

using Consumer = std::function<Status(uint64_t, std::span<const uint8_t>)>;

// Without io_uring: one buffer, pread after pread.
Status ScanSynchronously(BulkFile& file, const std::vector<Request>& requests, size_t block,
                         const Consumer& consume, ScanStats* stats) {
  SecretBuffer buffer(block);
  for (const Request& r : requests) {
    std::span<uint8_t> out(buffer.data(), r.length);
    if (Status s = ReadFully(file, r.offset, out); !s.ok()) return s;
    stats->bytes_read += r.length;
    if (Status s = consume(r.offset, out); !s.ok()) return s;
  }
  return Status::Ok();
}

// With io_uring: `depth` reads in flight, digested by a consumer thread in file order.
// `read_length` is what to ask the kernel for (O_DIRECT rounds a request up).
Status ScanWithRing(IoRing& ring, BulkFile& file, const std::string& path,
                    const std::vector<Request>& requests, size_t block, unsigned depth,
                    const std::function<size_t(const Request&)>& read_length,
                    const Consumer& consume, ScanStats* stats) {
  // Twice as many buffers as reads in flight: this thread keeps `depth` reads queued while
  // a consumer thread digests completed buffers in file order, so a slow or preempted
  // digest does not let the disk's queue run dry.
  std::vector<SecretBuffer> buffers;
  for (unsigned i = 0; i < 2 * depth; ++i) buffers.push_back(SecretBuffer::ForBulkIo(block));
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
      Status s = consume(r.offset, {buffers[buffer_of[req]].data(), r.length});
      std::lock_guard lock(mu);
      free_buffers.push_back(buffer_of[req]);
      if (!s.ok()) consumer_status = s;
      cv.notify_all();
      if (!s.ok()) return;
    }
  });
  std::vector<int> result(requests.size(), 0);
  std::vector<char> done(requests.size(), 0);
  size_t next_submit = 0, next_ready = 0;
  auto finish = [&](Status s) {
    while (ring.in_flight() > 0) {  // the kernel writes into the buffers until these complete
      if (!ring.WaitForever().ok()) break;
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
      cv.wait(lock, [&] {
        return !free_buffers.empty() || ring.in_flight() > 0 || !consumer_status.ok();
      });
      while (next_submit < requests.size() && ring.in_flight() < depth && !free_buffers.empty()) {
        const size_t req = next_submit;
        const size_t buf = free_buffers.back();
        const Request& r = requests[req];
        if (Status s = ring.Read(file, buffers[buf].data(), read_length(r), r.offset, req);
            !s.ok()) {
          lock.unlock();
          return finish(s);
        }
        ++next_submit;
        free_buffers.pop_back();
        buffer_of[req] = buf;
      }
    }
    if (Status s = ring.Submit(); !s.ok()) return finish(s.WithContext(path));
    if (ring.in_flight() == 0) continue;
    Result<IoRing::Completion> c = ring.WaitForever();
    if (!c.ok()) return finish(c.status().WithContext("reading " + path));
    const size_t req = static_cast<size_t>(c->tag);
    result[req] = c->result;
    done[req] = 1;
    // Hand completed reads to the consumer in file order.
    while (next_ready < requests.size() && done[next_ready]) {
      const Request& r = requests[next_ready];
      const int res = result[next_ready];
      if (res < 0) return finish(Status::FromErrno(-res, "reading " + path));
      if (static_cast<size_t>(res) < r.length) {  // a short read: the rest synchronously
        std::span<uint8_t> rest(buffers[buffer_of[next_ready]].data() + res, r.length - res);
        if (Status s = ReadFully(file, r.offset + res, rest); !s.ok()) return finish(s);
      }
      stats->bytes_read += r.length;
      std::lock_guard lock(mu);
      ready.push_back(next_ready++);
      cv.notify_all();
    }
  }
  return finish(Status::Ok());
}

Status ScanFile(Env& env, const std::string& path, const std::vector<IndexRange>& extents,
                const ScanOptions& options,
                const std::function<Status(uint64_t, std::span<const uint8_t>)>& consume,
                ScanStats* stats) {
  ScanStats local;
  if (stats == nullptr) stats = &local;
  *stats = ScanStats{};
  if (extents.empty()) return Status::Ok();
  const size_t block = std::max<size_t>(kPage, options.block_size / kPage * kPage);

  BulkOpenOptions open_options;
  open_options.direct = options.direct;
  open_options.direct_unit = kPage;
  Result<std::unique_ptr<BulkFile>> opened = env.OpenBulkFile(path, open_options);
  if (!opened.ok()) return opened.status();
  BulkFile& file = **opened;
  stats->used_direct = file.direct();
  // An O_DIRECT read of an aligned start is rounded up to whole blocks (the kernel stops
  // at end of file) and only the wanted bytes are handed on; others read buffered.
  const uint64_t align = file.offset_align();
  auto read_length = [&](const Request& r) -> size_t {
    if (!file.direct() || r.offset % align != 0) return r.length;
    return (r.length + align - 1) / align * align;
  };

  const std::vector<Request> requests = SplitIntoRequests(extents, block);
  const unsigned depth = std::max(1u, options.queue_depth);
  IoRing ring;
  const bool uring = options.use_io_uring && ring.Init(depth).ok();
  stats->used_io_uring = uring;
  // Scan buffers hold pad: SecretBuffers are page-aligned and wiped when freed.
  if (!uring) return ScanSynchronously(file, requests, block, consume, stats);
  return ScanWithRing(ring, file, path, requests, block, depth, read_length, consume, stats);
}

}  // namespace otc::padstore
