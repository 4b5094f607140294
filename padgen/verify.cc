#include "padgen/verify.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "common/io_ring.h"
#include "common/secret_buffer.h"

namespace otc::padgen {
namespace {

struct Source {
  DestinationSpec spec;
  padstore::Manifest manifest;
  std::unique_ptr<BulkFile> file;
  uint32_t align = 1;  // reads are whole multiples of this (O_DIRECT)
  uint64_t next_chunk = 0;
};

struct ReadSlot {
  SecretBuffer buffer;
  size_t dest = 0;
  uint64_t chunk = 0;
  uint64_t want = 0;  // bytes to request (aligned up for O_DIRECT)
  uint64_t need = 0;  // pad bytes in this chunk
  uint64_t done = 0;
};

std::string Range(uint64_t start, uint64_t length) {
  return std::to_string(start) + ".." + std::to_string(start + length - 1);
}

// Opens every target's manifest and pad, checking that they all describe the same pad.
Result<std::vector<Source>> OpenSources(Env& env, const std::vector<DestinationSpec>& targets) {
  std::vector<Source> sources(targets.size());
  for (size_t d = 0; d < targets.size(); ++d) {
    Source& src = sources[d];
    src.spec = targets[d];
    Result<padstore::Manifest> m = padstore::ReadManifest(env, src.spec.manifest_path);
    if (!m.ok()) return m.status().WithContext("verifying " + src.spec.label);
    if (!m->complete) {
      return Status::Corruption(
          "verifying " + src.spec.label + ": manifest " + src.spec.manifest_path +
          " is incomplete (" + std::to_string(m->chunks.size()) + " of " +
          std::to_string(m->ChunkCount()) + " chunks); re-run with --resume to finish the pad");
    }
    src.manifest = std::move(*m);
    if (d > 0 && src.manifest.pad_id != sources[0].manifest.pad_id) {
      return Status::Corruption("verifying: " + src.spec.label + " and " + sources[0].spec.label +
                                " hold different pads (their manifests' pad ids differ)");
    }
    if (d > 0 && (src.manifest.pad_size != sources[0].manifest.pad_size ||
                  src.manifest.chunk_size != sources[0].manifest.chunk_size)) {
      return Status::Corruption("verifying: manifests of " + src.spec.label + " and " +
                                sources[0].spec.label + " disagree on the pad size");
    }
    // O_DIRECT so the data comes from the drive, not the page cache; a buffered file
    // drops its cached pages instead.
    BulkOpenOptions bo;
    bo.direct_unit = src.manifest.chunk_size;
    bo.drop_cache = true;
    Result<std::unique_ptr<BulkFile>> file = env.OpenBulkFile(src.spec.pad_path, bo);
    if (!file.ok()) return file.status().WithContext("verifying " + src.spec.label);
    src.file = std::move(*file);
    src.align = src.file->offset_align();
  }
  return sources;
}

// Reads every source chunk by chunk through one IoRing, `queue_depth` reads in flight per
// source, and compares each chunk with its manifest digest. The first failure stops new reads.
class ChunkVerifier {
 public:
  ChunkVerifier(std::vector<Source>& sources, const VerifyOptions& options)
      : sources_(sources),
        options_(options),
        chunk_size_(sources[0].manifest.chunk_size),
        depth_(std::max<size_t>(1, options.queue_depth)) {}

  Status Init() {
    slots_.resize(depth_ * sources_.size());
    for (auto& slot : slots_) slot.buffer.Resize(chunk_size_);
    return ring_.Init(static_cast<unsigned>(depth_ * sources_.size() + 4));
  }

  // The first read error, short pad or digest mismatch; Ok when every chunk read matched.
  Status Run() {
    size_t active = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Result<bool> started = Start(i, i % sources_.size());
      if (!started.ok()) return started.status();
      if (*started) ++active;
    }
    while (active > 0) {
      Status s = ring_.Submit();
      if (!s.ok()) return s;
      Result<std::optional<IoRing::Completion>> c = ring_.Wait(std::chrono::milliseconds(1000));
      if (!c.ok()) return c.status();
      if (!*c) continue;
      const size_t i = (*c)->tag;
      Result<bool> chunk_done = Complete(i, (*c)->result);
      if (!chunk_done.ok()) return chunk_done.status();
      if (!*chunk_done) continue;
      ReadSlot& slot = slots_[i];
      if (failure_.ok() && slot.done >= slot.need) CheckChunk(slot);
      --active;
      if (failure_.ok()) {
        Result<bool> started = Start(i, slot.dest);
        if (!started.ok()) return started.status();
        if (*started) ++active;
      }
    }
    return failure_;
  }

 private:
  Status Submit(size_t i) {
    ReadSlot& slot = slots_[i];
    Source& src = sources_[slot.dest];
    return ring_.Read(*src.file, slot.buffer.data() + slot.done, slot.want - slot.done,
                      slot.chunk * chunk_size_ + slot.done, i);
  }

  // Starts reading the next chunk of `dest` into slot i; false when dest is done.
  Result<bool> Start(size_t i, size_t dest) {
    Source& src = sources_[dest];
    if (src.next_chunk >= src.manifest.ChunkCount()) return false;
    if (options_.cancel != nullptr && options_.cancel->load()) return false;
    ReadSlot& slot = slots_[i];
    slot.dest = dest;
    slot.chunk = src.next_chunk++;
    slot.need = src.manifest.ChunkLength(slot.chunk);
    slot.want = (slot.need + src.align - 1) / src.align * src.align;
    slot.done = 0;
    Status st = Submit(i);
    if (!st.ok()) return st;
    return true;
  }

  // Accounts one completed read into slot i; false when a short read was resubmitted and
  // the chunk is still being read.
  Result<bool> Complete(size_t i, int res) {
    ReadSlot& slot = slots_[i];
    Source& src = sources_[slot.dest];
    const uint64_t offset = slot.chunk * chunk_size_ + slot.done;
    if (res < 0) {
      if (failure_.ok()) {
        failure_ = Status::IOError("verifying " + src.spec.label + ": reading " +
                                   src.spec.pad_path + " at offset " + std::to_string(offset) +
                                   " failed: " + std::strerror(-res));
      }
    } else if (res == 0) {
      if (slot.done < slot.need && failure_.ok()) {
        failure_ = Status::Corruption("verifying " + src.spec.label + ": " + src.spec.pad_path +
                                      " ends at offset " + std::to_string(offset) +
                                      ", before the end of the pad (" +
                                      std::to_string(src.manifest.pad_size) + " bytes)");
      }
    } else {
      slot.done += static_cast<uint64_t>(res);
      if (slot.done < slot.want && failure_.ok()) {
        Status s = Submit(i);  // short read: continue where it stopped
        if (!s.ok()) return s;
        return false;
      }
    }
    return true;
  }

  void CheckChunk(const ReadSlot& slot) {
    const Source& src = sources_[slot.dest];
    padstore::Digest128 digest = padstore::ChunkDigest({slot.buffer.data(), slot.need});
    if (digest != src.manifest.chunks[slot.chunk]) {
      failure_ =
          Status::Corruption("verification failed: " + src.spec.label + " (" + src.spec.pad_path +
                             ") differs from its manifest in chunk " + std::to_string(slot.chunk) +
                             " at offset " + Range(slot.chunk * chunk_size_, slot.need) +
                             "; the drive returned different data than was written");
    } else if (options_.bytes_verified != nullptr) {
      *options_.bytes_verified += slot.need;
    }
  }

  std::vector<Source>& sources_;
  const VerifyOptions& options_;
  const uint64_t chunk_size_;
  const size_t depth_;
  std::vector<ReadSlot> slots_;
  IoRing ring_;  // after the buffers: torn down first
  Status failure_;
};

}  // namespace

Result<padstore::Digest128> VerifyPads(Env& env, const std::vector<DestinationSpec>& targets,
                                       const VerifyOptions& options) {
  if (targets.empty()) return Status::InvalidArgument("nothing to verify");
  Result<std::vector<Source>> sources = OpenSources(env, targets);
  if (!sources.ok()) return sources.status();
  ChunkVerifier verifier(*sources, options);
  Status s = verifier.Init();
  if (!s.ok()) return s;
  s = verifier.Run();
  if (!s.ok()) return s;
  if (options.cancel != nullptr && options.cancel->load()) {
    return Status::Failed("verification interrupted");
  }
  return (*sources)[0].manifest.pad_id;
}

}  // namespace otc::padgen
