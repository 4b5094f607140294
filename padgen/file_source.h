// FileSource: pad bytes from one file or pipe (`--source file:PATH`), read straight into
// the chunk buffers.
//
// For external generators, tests and the pipeline benchmark. No health tests (padgen
// cannot know what the bytes are), no reader thread and no intermediate copy: Fill reads
// the stream directly into the caller's buffer. MeasureRate reads ahead into a bounded
// prefetch buffer, which Fill consumes first, so nothing read while measuring is lost.
// The end of the stream before the pad is complete is an error naming the file.
//
// A regular file is replayable: reading it again from the start after an interruption
// would put the same bytes into the pad twice. So on --resume the job calls Skip() with
// the number of bytes the durable chunks consumed, and a resumed pad equals the one an
// uninterrupted run would have made from the same file. A pipe or device is a stream that
// delivers fresh bytes, so nothing is skipped there (Replayable() is false).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "common/secret_buffer.h"
#include "padgen/byte_stream.h"
#include "padgen/source.h"

namespace otc::padgen {

class FileSource final : public PadSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  explicit FileSource(std::unique_ptr<ByteStream> stream, size_t max_prefetch = size_t{64} << 20);

  std::string Describe() const override { return "file:" + stream_->name(); }
  Status Start() override { return Status::Ok(); }
  Status Fill(std::span<uint8_t> out) override;
  size_t PreferredFillers() const override { return 2; }
  bool Ordered() const override { return true; }
  double MeasureRate(std::chrono::milliseconds budget) override;
  std::vector<StreamStats> Stats() const override;
  void Stop() override { stop_ = true; }

  // True for a regular file (see above).
  bool Replayable() const;
  // Reads and discards `bytes` (before the first Fill). The end of the file first is an
  // IOError naming the file.
  Status Skip(uint64_t bytes);

 private:
  // Reads until `out` is full; the error names the file.
  Status ReadFully(std::span<uint8_t> out);

  std::unique_ptr<ByteStream> stream_;
  size_t max_prefetch_;
  std::mutex mu_;
  SecretBuffer prefetch_;
  size_t prefetch_len_ = 0;
  size_t prefetch_pos_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> bytes_used_{0};
};

}  // namespace otc::padgen
