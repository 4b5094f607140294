#include "padgen/pipeline.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "common/io_ring.h"
#include "common/secret_buffer.h"

namespace otc::padgen {
namespace {

using padstore::Digest128;

enum : uint64_t { kTagWrite = 1, kTagSync = 2, kTagWake = 3 };
constexpr uint64_t Tag(uint64_t kind, uint64_t slot, uint64_t dest) {
  return kind << 56 | slot << 24 | dest;
}
constexpr uint64_t TagKind(uint64_t tag) { return tag >> 56; }
constexpr uint64_t TagSlot(uint64_t tag) { return (tag >> 24) & 0xffffffff; }
constexpr uint64_t TagDest(uint64_t tag) { return tag & 0xffffff; }

std::string ErrnoText(int err) { return std::strerror(err); }

struct Slot {
  SecretBuffer buffer;
  uint64_t chunk = 0;
  uint64_t length = 0;
  std::vector<uint64_t> done;  // bytes written so far, per destination
  size_t pending = 0;          // destinations whose write has not completed
};

class Pipeline {
 public:
  Pipeline(const PipelineConfig& config, PadSource& source,
           const std::vector<Transform*>& transforms, const RawObserver& observer,
           const std::vector<PipelineTarget>& targets, PipelineProgress* progress,
           const std::atomic<bool>& cancel)
      : config_(config),
        source_(source),
        transforms_(transforms),
        observer_(observer),
        targets_(targets),
        progress_(progress),
        cancel_(cancel),
        chunk_count_((config.pad_size + config.chunk_size - 1) / config.chunk_size) {}

  ~Pipeline() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<PipelineResult> Run();

 private:
  uint64_t ChunkLength(uint64_t chunk) const {
    return std::min(config_.chunk_size, config_.pad_size - chunk * config_.chunk_size);
  }
  const std::string& Label(size_t d) const { return targets_[d].destination->spec().label; }
  const std::string& PadPath(size_t d) const { return targets_[d].destination->spec().pad_path; }

  // Records the first error and stops taking new chunks. `io` is true for a failed
  // write, fdatasync or manifest append: then no further writes are started either. A
  // source failure still lets the chunks already filled be written and recorded.
  void Fail(Status status, bool io = true);
  void Wake();
  void FillerLoop();
  Status FillChunk(uint64_t chunk, std::span<uint8_t> out, std::vector<SecretBuffer>& stages);
  // source_.Fill, in chunk order for an Ordered() source.
  Status FillFromSource(uint64_t chunk, std::span<uint8_t> raw);
  void ManifestLoop(size_t d);
  Status SubmitWrite(size_t slot, size_t d);
  void HandleCompletion(const IoRing::Completion& c);
  void PublishDurable();
  // The steps of Run().
  Status Prepare();
  void CancelIfAsked();
  // Starts the writes of the filled slots on every destination; sets *failed on error.
  void SubmitWrites(const std::deque<size_t>& ready, bool* failed);
  // Starts the fdatasyncs that are due; returns whether any is needed.
  bool ScheduleSyncs();
  void DrainWake();
  Result<PipelineResult> Finish();

  const PipelineConfig& config_;
  PadSource& source_;
  const std::vector<Transform*>& transforms_;
  const RawObserver& observer_;
  const std::vector<PipelineTarget>& targets_;
  PipelineProgress* progress_;
  const std::atomic<bool>& cancel_;
  const uint64_t chunk_count_;

  std::vector<Slot> slots_;
  std::vector<Digest128> digests_;
  // Declared after the buffers so it is torn down first.
  IoRing ring_;
  int wake_fd_ = -1;
  uint64_t wake_value_ = 0;
  bool wake_armed_ = false;

  // Shared, guarded by mu_.
  std::mutex mu_;
  std::condition_variable free_cv_;
  std::condition_variable manifest_cv_;
  std::condition_variable fill_cv_;  // an Ordered() source's turn moved on, or stop
  uint64_t fill_turn_ = 0;           // the chunk whose Fill may run next
  std::vector<size_t> free_slots_;
  std::deque<size_t> ready_slots_;
  uint64_t next_chunk_ = 0;
  size_t fillers_running_ = 0;
  bool stopping_ = false;
  bool cancelled_ = false;
  bool shutdown_ = false;
  bool io_failed_ = false;  // a write, fdatasync or manifest append failed
  Status error_;
  std::vector<uint64_t> durable_;     // per destination: chunks below this are durable
  std::vector<uint64_t> manifested_;  // per destination: chunks recorded in the manifest

  // Writer thread only.
  std::vector<std::vector<uint8_t>> written_;
  std::vector<uint64_t> contiguous_;  // per destination: chunks below this are written
  std::vector<uint64_t> sync_target_;
  std::vector<bool> sync_in_flight_;
  std::vector<bool> dest_failed_;
  std::vector<uint64_t> synced_;
  std::vector<size_t> writes_in_flight_;
};

void Pipeline::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Pipeline::Fail(Status status, bool io) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (io) io_failed_ = true;
    if (error_.ok() && !(cancelled_ && status.code() == Status::Code::kFailed &&
                         status.message() == "source stopped")) {
      error_ = std::move(status);
    }
    stopping_ = true;
  }
  free_cv_.notify_all();
  manifest_cv_.notify_all();
  fill_cv_.notify_all();
  source_.Stop();
  Wake();
}

Status Pipeline::FillFromSource(uint64_t chunk, std::span<uint8_t> raw) {
  if (!source_.Ordered()) return source_.Fill(raw);
  {
    std::unique_lock<std::mutex> lock(mu_);
    fill_cv_.wait(lock, [&] { return stopping_ || fill_turn_ == chunk; });
    if (fill_turn_ != chunk) return Status::Failed("source stopped");
  }
  Status s = source_.Fill(raw);
  {
    std::lock_guard<std::mutex> lock(mu_);
    fill_turn_ = chunk + 1;
  }
  fill_cv_.notify_all();
  return s;
}

Status Pipeline::FillChunk(uint64_t chunk, std::span<uint8_t> out,
                           std::vector<SecretBuffer>& stages) {
  if (transforms_.empty()) {
    Status s = FillFromSource(chunk, out);
    if (s.ok() && observer_) observer_(chunk, out);
    return s;
  }
  // Stage sizes, back to front: stage k is the input of transform k.
  const size_t n = transforms_.size();
  std::vector<uint64_t> sizes(n + 1);
  sizes[n] = out.size();
  for (size_t k = n; k-- > 0;) sizes[k] = transforms_[k]->InputBytes(sizes[k + 1]);
  stages.resize(n);
  for (size_t k = 0; k < n; ++k) {
    if (stages[k].size() != sizes[k]) stages[k].Resize(sizes[k]);
  }
  Status s = FillFromSource(chunk, stages[0].span());
  if (!s.ok()) return s;
  if (observer_) observer_(chunk, stages[0].span());
  for (size_t k = 0; k < n; ++k) {
    std::span<uint8_t> dst = k + 1 < n ? stages[k + 1].span() : out;
    s = transforms_[k]->Apply(chunk, stages[k].span(), dst);
    if (!s.ok()) return s.WithContext("transform " + transforms_[k]->Name());
  }
  return Status::Ok();
}

void Pipeline::FillerLoop() {
  std::vector<SecretBuffer> stages;
  while (true) {
    size_t slot;
    uint64_t chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      free_cv_.wait(lock, [&] { return stopping_ || !free_slots_.empty(); });
      if (stopping_ || next_chunk_ >= chunk_count_) break;
      slot = free_slots_.back();
      free_slots_.pop_back();
      chunk = next_chunk_++;
    }
    Slot& s = slots_[slot];
    s.chunk = chunk;
    s.length = ChunkLength(chunk);
    std::span<uint8_t> data(s.buffer.data(), s.length);
    Status st = FillChunk(chunk, data, stages);
    if (!st.ok()) {
      Fail(st, /*io=*/false);
      {
        std::lock_guard<std::mutex> lock(mu_);
        free_slots_.push_back(slot);
      }
      break;
    }
    digests_[chunk] = padstore::ChunkDigest(data);
    if (progress_ != nullptr) progress_->filled_bytes += s.length;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_slots_.push_back(slot);
    }
    Wake();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --fillers_running_;
  }
  Wake();
}

void Pipeline::ManifestLoop(size_t d) {
  uint64_t next = config_.start_chunk;
  while (true) {
    uint64_t target;
    {
      std::unique_lock<std::mutex> lock(mu_);
      manifest_cv_.wait(lock, [&] { return shutdown_ || durable_[d] > next; });
      target = durable_[d];
      if (target == next) return;  // shutdown and nothing left to record
    }
    // Every chunk below `target` is durable on this destination: record them all with
    // one write and one fdatasync.
    Status s = targets_[d].manifest->AppendChunks(
        std::span<const Digest128>(digests_.data() + next, target - next));
    if (!s.ok()) {
      Fail(s.WithContext(Label(d) + ": recording chunks " + std::to_string(next) + ".." +
                         std::to_string(target - 1) + " in the manifest"));
      return;
    }
    next = target;
    std::lock_guard<std::mutex> lock(mu_);
    manifested_[d] = next;
  }
}

Status Pipeline::SubmitWrite(size_t slot, size_t d) {
  Slot& s = slots_[slot];
  const uint64_t done = s.done[d];
  const uint64_t remaining = s.length - done;
  // The file queues it with O_DIRECT when aligned; a short last chunk, or the rest of a
  // short write, goes through its buffered descriptor.
  Status st = ring_.Write(targets_[d].destination->file(), s.buffer.data() + done, remaining,
                          s.chunk * config_.chunk_size + done, Tag(kTagWrite, slot, d));
  if (st.ok()) ++writes_in_flight_[d];
  return st;
}

void Pipeline::PublishDurable() {
  uint64_t lowest = UINT64_MAX;
  for (uint64_t v : durable_) lowest = std::min(lowest, v);
  if (progress_ != nullptr) {
    progress_->durable_bytes = std::min(config_.pad_size, lowest * config_.chunk_size);
  }
}

void Pipeline::HandleCompletion(const IoRing::Completion& c) {
  const uint64_t kind = TagKind(c.tag);
  if (kind == kTagWake) {
    wake_armed_ = false;
    return;
  }
  const size_t d = TagDest(c.tag);
  if (kind == kTagSync) {
    const int res = c.result;
    sync_in_flight_[d] = false;
    if (res < 0) {
      dest_failed_[d] = true;  // never retry a failed fdatasync
      Fail(Status::IOError(Label(d) + ": fdatasync of " + PadPath(d) +
                           " failed: " + ErrnoText(-res) +
                           "; the pad is resumable: fix the drive and re-run with --resume"));
      return;
    }
    synced_[d] = sync_target_[d];
    {
      std::lock_guard<std::mutex> lock(mu_);
      durable_[d] = sync_target_[d];
      PublishDurable();
    }
    manifest_cv_.notify_all();
    return;
  }
  // A write.
  --writes_in_flight_[d];
  const size_t slot = TagSlot(c.tag);
  Slot& s = slots_[slot];
  const uint64_t offset = s.chunk * config_.chunk_size + s.done[d];
  const int res = c.result;
  bool finished = false;
  if (res < 0 || (res == 0 && s.done[d] < s.length)) {
    dest_failed_[d] = true;
    std::string why = res < 0 ? ErrnoText(-res) : "the write made no progress";
    Status st = res == -ENOSPC || res == -EDQUOT
                    ? Status::NoSpace(Label(d) + ": writing " + PadPath(d) + " at offset " +
                                      std::to_string(offset) + " failed: " + why +
                                      "; free some space and re-run with --resume")
                    : Status::IOError(Label(d) + ": writing " + PadPath(d) + " at offset " +
                                      std::to_string(offset) + " failed: " + why +
                                      "; the pad is resumable: fix the drive and re-run with "
                                      "--resume");
    Fail(std::move(st));
    finished = true;
  } else {
    s.done[d] += static_cast<uint64_t>(res);
    if (s.done[d] < s.length) {
      bool stop;
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop = io_failed_;
      }
      if (!stop) {
        Status st = SubmitWrite(slot, d);
        if (st.ok()) return;
        Fail(st);
      }
      finished = true;
    } else {
      finished = true;
      written_[d][s.chunk] = 1;
      while (contiguous_[d] < chunk_count_ && written_[d][contiguous_[d]]) ++contiguous_[d];
    }
  }
  if (finished && --s.pending == 0) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_slots_.push_back(slot);
    }
    free_cv_.notify_one();
  }
}

Status Pipeline::Prepare() {
  const size_t dests = targets_.size();
  if (dests == 0) return Status::InvalidArgument("no destinations");
  if (config_.chunk_size == 0 || config_.pad_size == 0) {
    return Status::InvalidArgument("pad size and chunk size must be positive");
  }
  const size_t depth = std::max<size_t>(1, config_.queue_depth);
  Status s = ring_.Init(static_cast<unsigned>(depth * dests + dests + 8));
  if (!s.ok()) return s;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::FromErrno(errno, "eventfd");

  digests_.resize(chunk_count_);
  slots_.resize(depth);
  for (size_t i = 0; i < depth; ++i) {
    slots_[i].buffer.Resize(config_.chunk_size);
    slots_[i].done.assign(dests, 0);
    free_slots_.push_back(i);
  }
  next_chunk_ = config_.start_chunk;
  fill_turn_ = config_.start_chunk;
  durable_.assign(dests, config_.start_chunk);
  manifested_.assign(dests, config_.start_chunk);
  written_.assign(dests, std::vector<uint8_t>(chunk_count_, 0));
  for (auto& w : written_) std::fill(w.begin(), w.begin() + config_.start_chunk, 1);
  contiguous_.assign(dests, config_.start_chunk);
  synced_.assign(dests, config_.start_chunk);
  sync_target_.assign(dests, config_.start_chunk);
  sync_in_flight_.assign(dests, false);
  dest_failed_.assign(dests, false);
  writes_in_flight_.assign(dests, 0);
  PublishDurable();
  return Status::Ok();
}

// Cancellation (Ctrl-C): stop taking new chunks, finish what is in flight.
void Pipeline::CancelIfAsked() {
  if (!cancel_.load() || cancelled_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    stopping_ = true;
  }
  free_cv_.notify_all();
  fill_cv_.notify_all();
  source_.Stop();
}

void Pipeline::SubmitWrites(const std::deque<size_t>& ready, bool* failed) {
  const size_t dests = targets_.size();
  for (size_t slot : ready) {
    if (*failed) {  // do not start new writes after a failure; just recycle the buffer
      std::lock_guard<std::mutex> lock(mu_);
      free_slots_.push_back(slot);
      continue;
    }
    Slot& sl = slots_[slot];
    sl.pending = dests;
    std::fill(sl.done.begin(), sl.done.end(), 0);
    for (size_t d = 0; d < dests; ++d) {
      Status ws = SubmitWrite(slot, d);
      if (!ws.ok()) {
        Fail(ws);
        *failed = true;
        sl.pending -= dests - d;  // the rest were never submitted
        break;
      }
    }
    if (sl.pending == 0) {
      std::lock_guard<std::mutex> lock(mu_);
      free_slots_.push_back(slot);
    }
  }
  if (*failed) free_cv_.notify_all();
}

bool Pipeline::ScheduleSyncs() {
  bool sync_needed = false;
  bool finishing;
  bool source_bound;  // a buffer waits for the source: the disks have time to spare
  {
    std::lock_guard<std::mutex> lock(mu_);
    finishing = stopping_ || fillers_running_ == 0;
    source_bound = !free_slots_.empty();
  }
  for (size_t d = 0; d < targets_.size(); ++d) {
    if (dest_failed_[d] || sync_in_flight_[d] || contiguous_[d] <= synced_[d]) continue;
    const uint64_t threshold = targets_[d].destination->direct()
                                   ? std::max(config_.sync_bytes, config_.chunk_size)
                                   : config_.chunk_size;
    const bool due = (contiguous_[d] - synced_[d]) * config_.chunk_size >= threshold ||
                     (writes_in_flight_[d] == 0 && source_bound) || finishing;
    if (!due) continue;
    sync_needed = true;
    Status ss = ring_.DataSync(targets_[d].destination->file(), Tag(kTagSync, 0, d));
    if (!ss.ok()) {
      Fail(ss);
      dest_failed_[d] = true;
      continue;
    }
    sync_in_flight_[d] = true;
    sync_target_[d] = contiguous_[d];
  }
  return sync_needed;
}

// Lets the wake read complete so the ring owns no pointer into this object.
void Pipeline::DrainWake() {
  if (!wake_armed_) return;
  Wake();
  while (wake_armed_) {
    Result<std::optional<IoRing::Completion>> c = ring_.Wait(std::chrono::milliseconds(100));
    if (!c.ok()) break;
    if (*c) HandleCompletion(**c);
  }
}

Result<PipelineResult> Pipeline::Finish() {
  PipelineResult result;
  result.cancelled = cancelled_;
  result.chunks_durable = *std::min_element(manifested_.begin(), manifested_.end());
  if (!error_.ok()) return error_;
  if (result.chunks_durable == chunk_count_) {
    for (size_t d = 0; d < targets_.size(); ++d) {
      Result<Digest128> id = targets_[d].manifest->Finish();
      if (!id.ok()) return id.status().WithContext(Label(d) + ": finishing the manifest");
      if (d == 0) {
        result.pad_id = *id;
      } else if (*id != result.pad_id) {
        return Status::Internal("destinations ended with different pad ids");
      }
    }
    result.complete = true;
  }
  return result;
}

Result<PipelineResult> Pipeline::Run() {
  Status s = Prepare();
  if (!s.ok()) return s;
  const size_t dests = targets_.size();
  std::vector<std::thread> manifest_threads;
  for (size_t d = 0; d < dests; ++d) manifest_threads.emplace_back([this, d] { ManifestLoop(d); });
  const size_t fillers = std::max<size_t>(1, source_.PreferredFillers());
  fillers_running_ = fillers;
  std::vector<std::thread> filler_threads;
  for (size_t i = 0; i < fillers; ++i) filler_threads.emplace_back([this] { FillerLoop(); });

  while (true) {
    CancelIfAsked();
    std::deque<size_t> ready;
    bool fillers_done;
    bool failed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready.swap(ready_slots_);
      fillers_done = fillers_running_ == 0;
      failed = io_failed_;
    }
    SubmitWrites(ready, &failed);
    const bool sync_needed = ScheduleSyncs();
    if (fillers_done && ready.empty() && !sync_needed) {
      bool busy = ring_.in_flight() > (wake_armed_ ? 1u : 0u);
      if (!busy) break;
    }
    if (!wake_armed_) {
      Status ws = ring_.ReadRaw(wake_fd_, &wake_value_, sizeof wake_value_, Tag(kTagWake, 0, 0));
      if (!ws.ok()) {
        Fail(ws);
      } else {
        wake_armed_ = true;
      }
    }
    Status ss = ring_.Submit();
    if (!ss.ok()) {
      Fail(ss);
      break;  // cannot talk to the ring: in-flight requests are cancelled when it closes
    }
    Result<std::optional<IoRing::Completion>> c = ring_.Wait(std::chrono::milliseconds(100));
    if (!c.ok()) {
      Fail(c.status());
      break;
    }
    if (*c) HandleCompletion(**c);
    while (auto more = ring_.Peek()) HandleCompletion(*more);
  }

  DrainWake();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    shutdown_ = true;
  }
  free_cv_.notify_all();
  manifest_cv_.notify_all();
  fill_cv_.notify_all();
  for (auto& t : filler_threads) t.join();
  for (auto& t : manifest_threads) t.join();
  return Finish();
}

}  // namespace

Result<PipelineResult> RunPipeline(const PipelineConfig& config, PadSource& source,
                                   const std::vector<Transform*>& transforms,
                                   const RawObserver& observer,
                                   const std::vector<PipelineTarget>& targets,
                                   PipelineProgress* progress, const std::atomic<bool>& cancel) {
  Pipeline pipeline(config, source, transforms, observer, targets, progress, cancel);
  return pipeline.Run();
}

}  // namespace otc::padgen
