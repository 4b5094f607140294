#include "padgen/verify.h"

#include <cstring>
#include <memory>

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

}  // namespace

Result<padstore::Digest128> VerifyPads(Env& env, const std::vector<DestinationSpec>& targets,
                                       const VerifyOptions& options) {
  if (targets.empty()) return Status::InvalidArgument("nothing to verify");
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

  const uint64_t chunk_size = sources[0].manifest.chunk_size;
  const size_t depth = std::max<size_t>(1, options.queue_depth);
  std::vector<ReadSlot> slots(depth * sources.size());
  for (auto& slot : slots) slot.buffer.Resize(chunk_size);
  IoRing ring;  // after the buffers: torn down first
  Status s = ring.Init(static_cast<unsigned>(depth * sources.size() + 4));
  if (!s.ok()) return s;

  auto submit = [&](size_t i) -> Status {
    ReadSlot& slot = slots[i];
    Source& src = sources[slot.dest];
    return ring.Read(*src.file, slot.buffer.data() + slot.done, slot.want - slot.done,
                     slot.chunk * chunk_size + slot.done, i);
  };
  // Starts reading the next chunk of `dest` into slot i; false when dest is done.
  auto start = [&](size_t i, size_t dest) -> Result<bool> {
    Source& src = sources[dest];
    if (src.next_chunk >= src.manifest.ChunkCount()) return false;
    if (options.cancel != nullptr && options.cancel->load()) return false;
    ReadSlot& slot = slots[i];
    slot.dest = dest;
    slot.chunk = src.next_chunk++;
    slot.need = src.manifest.ChunkLength(slot.chunk);
    slot.want = (slot.need + src.align - 1) / src.align * src.align;
    slot.done = 0;
    Status st = submit(i);
    if (!st.ok()) return st;
    return true;
  };

  Status failure;
  size_t active = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    Result<bool> started = start(i, i % sources.size());
    if (!started.ok()) return started.status();
    if (*started) ++active;
  }
  while (active > 0) {
    s = ring.Submit();
    if (!s.ok()) return s;
    Result<std::optional<IoRing::Completion>> c = ring.Wait(std::chrono::milliseconds(1000));
    if (!c.ok()) return c.status();
    if (!*c) continue;
    const size_t i = (*c)->tag;
    ReadSlot& slot = slots[i];
    Source& src = sources[slot.dest];
    const uint64_t offset = slot.chunk * chunk_size + slot.done;
    const int res = (*c)->result;
    bool chunk_done = false;
    if (res < 0) {
      if (failure.ok()) {
        failure = Status::IOError("verifying " + src.spec.label + ": reading " + src.spec.pad_path +
                                  " at offset " + std::to_string(offset) +
                                  " failed: " + std::strerror(-res));
      }
      chunk_done = true;
    } else if (res == 0) {
      if (slot.done < slot.need && failure.ok()) {
        failure = Status::Corruption("verifying " + src.spec.label + ": " + src.spec.pad_path +
                                     " ends at offset " + std::to_string(offset) +
                                     ", before the end of the pad (" +
                                     std::to_string(src.manifest.pad_size) + " bytes)");
      }
      chunk_done = true;
    } else {
      slot.done += static_cast<uint64_t>(res);
      if (slot.done >= slot.want) {
        chunk_done = true;
      } else if (failure.ok()) {
        s = submit(i);  // short read: continue where it stopped
        if (!s.ok()) return s;
        continue;
      } else {
        chunk_done = true;
      }
    }
    if (chunk_done && failure.ok() && slot.done >= slot.need) {
      padstore::Digest128 digest = padstore::ChunkDigest({slot.buffer.data(), slot.need});
      if (digest != src.manifest.chunks[slot.chunk]) {
        failure = Status::Corruption("verification failed: " + src.spec.label + " (" +
                                     src.spec.pad_path + ") differs from its manifest in chunk " +
                                     std::to_string(slot.chunk) + " at offset " +
                                     Range(slot.chunk * chunk_size, slot.need) +
                                     "; the drive returned different data than was written");
      } else if (options.bytes_verified != nullptr) {
        *options.bytes_verified += slot.need;
      }
    }
    --active;
    if (failure.ok()) {
      Result<bool> started = start(i, slot.dest);
      if (!started.ok()) return started.status();
      if (*started) ++active;
    }
  }
  if (!failure.ok()) return failure;
  if (options.cancel != nullptr && options.cancel->load()) {
    return Status::Failed("verification interrupted");
  }
  return sources[0].manifest.pad_id;
}

}  // namespace otc::padgen
