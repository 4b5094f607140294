#include "padgen/file_source.h"

#include <algorithm>
#include <cstring>

namespace otc::padgen {

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(path);
  if (!s.ok()) return s.status();
  return std::make_unique<FileSource>(std::move(*s));
}

FileSource::FileSource(std::unique_ptr<ByteStream> stream, size_t max_prefetch)
    : stream_(std::move(stream)), max_prefetch_(max_prefetch) {}

Status FileSource::ReadFully(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    Result<size_t> n = stream_->Read(out.subspan(done), stop_);
    if (!n.ok()) {
      return Status::IOError(n.status().message() + " after " + std::to_string(bytes_read_.load()) +
                             " bytes; fix the source and re-run with --resume");
    }
    if (*n == 0) {
      if (stop_) return Status::Failed("source stopped");
      return Status::IOError("source file " + stream_->name() + " ended (end of file) after " +
                             std::to_string(bytes_read_.load()) +
                             " bytes; the pad is incomplete: fix the source and re-run with "
                             "--resume");
    }
    done += *n;
    bytes_read_ += *n;
  }
  return Status::Ok();
}

Status FileSource::Fill(std::span<uint8_t> out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return Status::Failed("source stopped");
  size_t done = 0;
  if (prefetch_pos_ < prefetch_len_) {
    done = std::min(out.size(), prefetch_len_ - prefetch_pos_);
    std::memcpy(out.data(), prefetch_.data() + prefetch_pos_, done);
    prefetch_pos_ += done;
    if (prefetch_pos_ == prefetch_len_) prefetch_.Clear();  // wiped and released
  }
  Status s = ReadFully(out.subspan(done));
  if (s.ok()) bytes_used_ += out.size();
  return s;
}

double FileSource::MeasureRate(std::chrono::milliseconds budget) {
  using Clock = std::chrono::steady_clock;
  std::lock_guard<std::mutex> lock(mu_);
  if (prefetch_len_ > 0) return 0;  // measured already
  prefetch_.Resize(max_prefetch_);
  const auto start = Clock::now();
  const auto deadline = start + budget;
  const size_t step = size_t{1} << 20;
  // The rate counts from the first byte on: a pipe's writer (an external generator) may
  // take a while to start, which says nothing about how fast it then delivers.
  Clock::time_point first_at{};
  size_t first_len = 0;
  while (prefetch_len_ < prefetch_.size()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    size_t want = std::min(step, prefetch_.size() - prefetch_len_);
    Result<size_t> n =
        stream_->Read({prefetch_.data() + prefetch_len_, want}, stop_,
                      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    if (!n.ok() || *n == 0) break;  // timeout; or Fill reports the error or the end
    if (first_len == 0) {
      first_at = Clock::now();
      first_len = *n;
    }
    prefetch_len_ += *n;
    bytes_read_ += *n;
  }
  const auto end = Clock::now();
  const double since_first = std::chrono::duration<double>(end - first_at).count();
  if (prefetch_len_ > first_len && since_first > 0) {
    return static_cast<double>(prefetch_len_ - first_len) / since_first;
  }
  // One read only (or none): all we know is what arrived within the whole wait.
  double seconds = std::chrono::duration<double>(end - start).count();
  return seconds > 0 ? static_cast<double>(prefetch_len_) / seconds : 0.0;
}

bool FileSource::Replayable() const { return std::strcmp(stream_->kind(), "file") == 0; }

Status FileSource::Skip(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  SecretBuffer scratch(static_cast<size_t>(std::min<uint64_t>(bytes, uint64_t{1} << 20)));
  while (bytes > 0) {
    if (stop_) return Status::Failed("source stopped");
    size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, scratch.size()));
    Status s = ReadFully(scratch.span().first(n));
    if (!s.ok()) return s.WithContext("skipping the input already used by the pad");
    bytes -= n;
  }
  return Status::Ok();
}

std::vector<StreamStats> FileSource::Stats() const {
  StreamStats s;
  s.name = stream_->name();
  s.kind = "file";
  s.bytes_read = bytes_read_.load();
  s.bytes_accepted = bytes_used_.load();
  return {s};
}

}  // namespace otc::padgen
