#include "padgen/stream_source.h"

#include <cstring>

namespace otc::padgen {

Result<std::unique_ptr<StreamSource>> StreamSource::Open(const std::vector<std::string>& paths,
                                                         const StreamSourceOptions& options) {
  std::vector<std::unique_ptr<ByteStream>> streams;
  for (const std::string& path : paths) {
    Result<std::unique_ptr<ByteStream>> s = OpenByteStream(path);
    if (!s.ok()) return s.status();
    streams.push_back(std::move(*s));
  }
  return std::make_unique<StreamSource>(std::move(streams), options);
}

StreamSource::StreamSource(std::vector<std::unique_ptr<ByteStream>> streams,
                           StreamSourceOptions options)
    : options_(std::move(options)) {
  for (auto& io : streams) {
    auto s = std::make_unique<Stream>();
    s->io = std::move(io);
    streams_.push_back(std::move(s));
  }
}

StreamSource::~StreamSource() { Stop(); }

std::string StreamSource::Describe() const {
  std::string out = options_.kind == "hrng" ? (streams_.size() == 1 ? "HRNG " : "HRNGs ") : "";
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (i > 0) out += " + ";
    out += (options_.kind == "file" ? "file:" : "") + streams_[i]->io->name();
  }
  return out;
}

Status StreamSource::Start() {
  if (started_) return Status::Ok();
  if (streams_.empty()) return Status::InvalidArgument("no input streams");
  if (options_.health_tests) {
    Status s = ValidateHealthTestConfig(options_.health);
    if (!s.ok()) return s;
  }
  started_ = true;
  start_time_ = std::chrono::steady_clock::now();
  for (size_t i = 0; i < streams_.size(); ++i) {
    Stream& s = *streams_[i];
    s.rct_cutoff =
        RepetitionCountCutoff(options_.health.min_entropy, options_.health.alpha_exponent);
    s.apt_cutoff = AdaptiveProportionCutoff(
        options_.health.min_entropy, options_.health.alpha_exponent, options_.health.apt_window);
    for (size_t b = 0; b < options_.queue_blocks + 1; ++b) {
      s.buffers.push_back(std::make_unique<SecretBuffer>(options_.block_size));
      s.free.push_back(s.buffers.back().get());
    }
    s.thread = std::thread([this, i] { ReaderLoop(i); });
  }
  return Status::Ok();
}

void StreamSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  ready_cv_.notify_all();
  free_cv_.notify_all();
  std::lock_guard<std::mutex> lock(stop_mu_);  // Stop may be called from several threads
  for (auto& s : streams_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

SecretBuffer* StreamSource::TakeFree(size_t stream) {
  std::unique_lock<std::mutex> lock(mu_);
  Stream& s = *streams_[stream];
  free_cv_.wait(lock, [&] { return stop_ || !s.free.empty(); });
  if (stop_) return nullptr;
  SecretBuffer* b = s.free.back();
  s.free.pop_back();
  return b;
}

void StreamSource::Push(Block block) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(std::move(block));
  }
  ready_cv_.notify_all();
}

Result<size_t> StreamSource::ReadBlock(Stream& s, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    Result<size_t> n = s.io->Read(out.subspan(done), stop_);
    if (!n.ok()) return n.status();
    if (*n == 0) break;  // end of stream, or stop
    done += *n;
    s.bytes_read += *n;
  }
  return done;
}

void StreamSource::ReaderLoop(size_t index) {
  Stream& s = *streams_[index];
  const std::string& name = s.io->name();
  const bool hrng = options_.kind == "hrng";
  const std::string what = hrng ? "HRNG " + name : "source file " + name;
  auto fail = [&](Status status) { Push(Block{index, 0, nullptr, std::move(status)}); };

  HealthTester tester(options_.health);
  HealthMonitor monitor(options_.health);
  uint64_t position = 0;  // stream offset of the next byte

  if (options_.health_tests && options_.health.startup_samples > 0) {
    SecretBuffer startup(options_.health.startup_samples);
    Result<size_t> n = ReadBlock(s, startup.span());
    if (!n.ok()) return fail(n.status().WithContext(what));
    if (stop_) return;
    if (*n < startup.size()) {
      return fail(Status::IOError(what + " ended (end of file) after " + std::to_string(*n) +
                                  " bytes, during its startup health test; check the device"));
    }
    position += *n;
    s.bytes_discarded += *n;
    HealthFailure f = tester.Process(startup.span());
    if (f != HealthFailure::kNone) {
      (f == HealthFailure::kRepetitionCount ? s.rct_failures : s.apt_failures)++;
      return fail(Status::Failed(what + " failed its startup health test (" + HealthFailureName(f) +
                                 " over the first " + std::to_string(startup.size()) +
                                 " bytes): the device is stuck or broken; check or replace it"));
    }
  }

  while (!stop_) {
    SecretBuffer* buffer = TakeFree(index);
    if (buffer == nullptr) return;
    Result<size_t> n = ReadBlock(s, buffer->span());
    auto give_back = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      s.free.push_back(buffer);
    };
    if (!n.ok()) {
      give_back();
      // The partial block is dropped: bytes from a failing device are not trusted.
      return fail(Status::IOError(n.status().message() + " after " +
                                  std::to_string(s.bytes_read.load()) + " bytes from " + what +
                                  "; fix the device and re-run with --resume"));
    }
    if (stop_) {
      give_back();
      return;
    }
    const size_t got = *n;
    const uint64_t block_start = position;
    position += got;
    if (got > 0 && options_.health_tests) {
      HealthFailure f = tester.Process({buffer->data(), got});
      if (f != HealthFailure::kNone) {
        (f == HealthFailure::kRepetitionCount ? s.rct_failures : s.apt_failures)++;
        s.bytes_discarded += got;
        give_back();
        if (monitor.RecordFailure(block_start)) {
          return fail(Status::Failed(
              what + " failed its health tests " + std::to_string(monitor.failures()) +
              " times (last: " + HealthFailureName(f) + " at byte " + std::to_string(block_start) +
              "), " + std::to_string(options_.health.max_failures) + " within " +
              std::to_string(options_.health.failure_window) +
              " bytes: the device is stuck, biased or broken; check or replace it"));
        }
        continue;
      }
    }
    if (got > 0) {
      s.bytes_accepted += got;
      Push(Block{index, got, buffer, Status::Ok()});
    } else {
      give_back();
    }
    if (got < buffer->size()) {
      if (stop_) return;
      return fail(Status::IOError(what + " ended (end of file) after " +
                                  std::to_string(s.bytes_read.load()) +
                                  " bytes; the pad is incomplete: fix the source and re-run "
                                  "with --resume"));
    }
  }
}

Status StreamSource::Fill(std::span<uint8_t> out) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  size_t done = 0;
  while (done < out.size()) {
    if (current_.buffer == nullptr || current_pos_ == current_.length) {
      if (current_.buffer != nullptr) {
        streams_[current_.stream]->free.push_back(current_.buffer);
        current_.buffer = nullptr;
        free_cv_.notify_all();
      }
      ready_cv_.wait(lock, [&] { return stop_ || !ready_.empty(); });
      if (stop_ && ready_.empty()) return Status::Failed("source stopped");
      current_ = std::move(ready_.front());
      ready_.pop_front();
      current_pos_ = 0;
      if (current_.buffer == nullptr) {
        error_ = current_.status;
        return error_;
      }
    }
    size_t n = std::min(out.size() - done, current_.length - current_pos_);
    std::memcpy(out.data() + done, current_.buffer->data() + current_pos_, n);
    current_pos_ += n;
    done += n;
  }
  return Status::Ok();
}

double StreamSource::MeasureRate(std::chrono::milliseconds budget) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = start_time_ + budget;
  auto total = [&] {
    uint64_t sum = 0;
    for (auto& s : streams_) sum += s->bytes_read.load();
    return sum;
  };
  while (Clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      bool all_full = true;
      for (auto& s : streams_) all_full = all_full && s->free.empty();
      bool failed = false;
      for (const Block& b : ready_) failed = failed || b.buffer == nullptr;
      if (all_full || failed) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start_time_).count();
  return seconds > 0 ? static_cast<double>(total()) / seconds : 0.0;
}

std::vector<StreamStats> StreamSource::Stats() const {
  std::vector<StreamStats> out;
  for (const auto& s : streams_) {
    StreamStats st;
    st.name = s->io->name();
    st.kind = options_.kind;
    st.bytes_read = s->bytes_read.load();
    st.bytes_accepted = s->bytes_accepted.load();
    st.bytes_discarded = s->bytes_discarded.load();
    st.health_tested = options_.health_tests;
    st.rct_cutoff = options_.health_tests ? s->rct_cutoff : 0;
    st.apt_cutoff = options_.health_tests ? s->apt_cutoff : 0;
    st.rct_failures = s->rct_failures.load();
    st.apt_failures = s->apt_failures.load();
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace otc::padgen
