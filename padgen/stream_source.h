// StreamSource: pad bytes from one or more byte streams (HRNG devices, serial HRNGs,
// pipes, files), read in parallel and combined by concatenation.
//
// Each stream has a reader thread that reads fixed-size blocks. For HRNGs every block
// goes through the SP 800-90B health tests (health_test.h) first:
//   * startup: the first `startup_samples` bytes are tested and then discarded; a
//     failure there stops the run at once ("failed its startup health test");
//   * a block in which a test fails is discarded (it never reaches a pad), counted, and
//     reported; `max_failures` failures within `failure_window` bytes of one stream stop
//     the run with an error naming the device.
// Blocks that pass are queued in arrival order, so the pad is the concatenation of
// whatever each device delivered and the throughput of several devices adds up.
//
// A stream that ends (EOF) or fails (EIO, ...) queues a marker after its last good
// block; Fill returns that error when it reaches the marker, so bytes read before the
// failure are still used and a file holding exactly the pad size is not an error.
// Only the failing (partial) block is dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/secret_buffer.h"
#include "padgen/byte_stream.h"
#include "padgen/health_test.h"
#include "padgen/source.h"

namespace otc::padgen {

struct StreamSourceOptions {
  std::string kind = "hrng";  // "hrng" (health-tested) or "file" (external generator)
  bool health_tests = true;
  HealthTestConfig health;
  size_t block_size = 64 << 10;
  size_t queue_blocks = 16;  // per stream: how far a reader may run ahead
};

class StreamSource final : public PadSource {
 public:
  // Opens every path with OpenByteStream.
  static Result<std::unique_ptr<StreamSource>> Open(const std::vector<std::string>& paths,
                                                    const StreamSourceOptions& options);
  // Takes already-open streams (tests pass scripted ones).
  StreamSource(std::vector<std::unique_ptr<ByteStream>> streams, StreamSourceOptions options);
  ~StreamSource() override;

  std::string Describe() const override;
  Status Start() override;
  Status Fill(std::span<uint8_t> out) override;
  size_t PreferredFillers() const override { return 2; }
  bool Ordered() const override { return true; }
  double MeasureRate(std::chrono::milliseconds budget) override;
  std::vector<StreamStats> Stats() const override;
  void Stop() override;

 private:
  struct Block {
    size_t stream = 0;
    size_t length = 0;
    SecretBuffer* buffer = nullptr;  // null: end-of-stream marker carrying `status`
    Status status;
  };
  struct Stream {
    std::unique_ptr<ByteStream> io;
    std::vector<std::unique_ptr<SecretBuffer>> buffers;
    std::vector<SecretBuffer*> free;  // guarded by mu_
    std::thread thread;
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> bytes_accepted{0};
    std::atomic<uint64_t> bytes_discarded{0};
    std::atomic<uint64_t> rct_failures{0};
    std::atomic<uint64_t> apt_failures{0};
    uint32_t rct_cutoff = 0;
    uint32_t apt_cutoff = 0;
  };

  void ReaderLoop(size_t index);
  // Reads until `out` is full, the stream ends, or stop. Returns bytes read.
  Result<size_t> ReadBlock(Stream& s, std::span<uint8_t> out);
  void Push(Block block);
  SecretBuffer* TakeFree(size_t stream);

  StreamSourceOptions options_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  std::chrono::steady_clock::time_point start_time_;

  std::mutex stop_mu_;  // serializes joining the reader threads
  mutable std::mutex mu_;
  std::condition_variable ready_cv_;  // a block was queued, or stop
  std::condition_variable free_cv_;   // a buffer was returned, or stop
  std::deque<Block> ready_;
  Block current_;  // the block Fill is consuming
  size_t current_pos_ = 0;
  Status error_;  // sticky: once Fill has hit a marker it keeps failing
};

}  // namespace otc::padgen
