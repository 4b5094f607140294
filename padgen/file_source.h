// FileSource: pad bytes from one file or pipe (`--source file:PATH`), read straight into
// the chunk buffers.
//
// For external generators, tests and the pipeline benchmark. No health tests (padgen
// cannot know what the bytes are), no reader thread and no intermediate copy: Fill reads
// the stream directly into the caller's buffer. MeasureRate reads ahead into a bounded
// prefetch buffer, which Fill consumes first, so nothing read while measuring is lost.
// The end of the stream before the pad is complete is an error naming the file.
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
