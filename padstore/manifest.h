// Pad manifest: the per-chunk digests that let anyone verify a pad file, and the pad id.
//
// padgen writes one manifest beside every copy of a pad, in step with the data, so that a
// multi-week run can resume after a crash; padstore keeps it in each contact entry and
// `padstore fsck` verifies unused pad against it.
//
// File format (all integers little-endian; CRC = CRC32C, see crc32c.h):
//
//   header := magic[8] = "OTCPADM1"
//             version    u32 = 1
//             ext_len    u32          length of the extension bytes that follow
//             pad_size   u64          total pad bytes
//             chunk_size u64          bytes per chunk (the last chunk may be shorter)
//             ext        ext_len bytes (opaque to the manifest: e.g. padgen's extractor
//                        parameters and Toeplitz seed as a tagged blob; see padgen docs)
//             crc        u32          CRC of every header byte before it
//   record := kind       u8           1 = chunk digest, 2 = final (whole-pad digest)
//             reserved   u8[7]        zero
//             index      u64          chunk number (kind 1); chunk count (kind 2)
//             digest     u8[16]       XXH3-128 in canonical (big-endian) byte order
//             crc        u32          CRC of the 32 record bytes before it
//   file   := header record{chunk 0} record{chunk 1} ... [record{final}]
//
// Chunk records appear in chunk order with no gaps. A manifest is *complete* when every
// chunk has its record and the final record follows. The whole-pad digest is XXH3-128
// over the concatenation of all chunk digests (a hash list), so it can be computed
// incrementally across a resumed run; it is the pad id.
//
// A record that is cut short or fails its CRC ends the readable prefix: ReadManifest
// returns the chunks before it (with `complete == false` and `torn_tail == true`) so
// padgen can truncate there and resume.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace otc::padstore {

using Digest128 = std::array<uint8_t, 16>;

// XXH3-128 of `data`, canonical byte order.
Digest128 ChunkDigest(std::span<const uint8_t> data);
// XXH3-128 over the concatenation of `chunk_digests`.
Digest128 WholePadDigest(std::span<const Digest128> chunk_digests);

inline constexpr uint64_t kDefaultChunkSize = uint64_t{4} << 20;  // 4 MiB
inline constexpr size_t kManifestRecordSize = 36;

struct Manifest {
  uint64_t pad_size = 0;
  uint64_t chunk_size = kDefaultChunkSize;
  std::vector<uint8_t> extension;
  std::vector<Digest128> chunks;  // chunks[i] digests pad bytes [i*chunk_size, ...)
  bool complete = false;          // all chunks present and the final record verified
  bool torn_tail = false;         // bytes after the last good record were ignored
  uint64_t valid_bytes = 0;       // file length up to the end of the last good record
  Digest128 pad_id{};             // whole-pad digest, valid when complete

  uint64_t ChunkCount() const { return (pad_size + chunk_size - 1) / chunk_size; }
  // Length of chunk `i` (the last may be short).
  uint64_t ChunkLength(uint64_t i) const;
};

// Reads and validates a manifest. A bad header is Corruption; a torn or bad record
// ends the prefix (see above). A final record whose digest does not match the chunk
// digests is Corruption.
Result<Manifest> ReadManifest(Env& env, const std::string& path);

// Serializes a complete manifest (all chunk digests known) in one buffer.
std::vector<uint8_t> SerializeManifest(const Manifest& manifest);

// Writes a manifest incrementally, for padgen. Every Append/Finish is followed by
// DataSync so that the manifest never claims a chunk that is not durable in the
// manifest file itself (padgen syncs the pad data before appending its digest).
class ManifestWriter {
 public:
  // Creates `path` (fails if it exists) and writes the header.
  static Result<std::unique_ptr<ManifestWriter>> Create(Env& env, const std::string& path,
                                                        uint64_t pad_size, uint64_t chunk_size,
                                                        std::span<const uint8_t> extension);
  // Reopens a partial manifest for resume: truncates a torn tail and continues after the
  // last good chunk record. `pad_size`/`chunk_size` must match the header.
  static Result<std::unique_ptr<ManifestWriter>> Resume(Env& env, const std::string& path,
                                                        uint64_t pad_size, uint64_t chunk_size);

  // Appends the digest of the next chunk (chunks_written()) and syncs.
  Status AppendChunk(const Digest128& digest);
  // Appends the digests of the next digests.size() chunks with one write and one sync
  // (padgen's group commit when several chunks became durable at once).
  Status AppendChunks(std::span<const Digest128> digests);
  // Appends the final record after the last chunk and syncs; returns the pad id.
  Result<Digest128> Finish();

  uint64_t chunks_written() const { return digests_.size(); }
  const std::vector<Digest128>& digests() const { return digests_; }

 private:
  ManifestWriter(std::unique_ptr<File> file, uint64_t pad_size, uint64_t chunk_size,
                 uint64_t offset, std::vector<Digest128> digests);
  Status AppendRecord(uint8_t kind, uint64_t index, const Digest128& digest);

  std::unique_ptr<File> file_;
  uint64_t pad_size_;
  uint64_t chunk_size_;
  uint64_t offset_;
  std::vector<Digest128> digests_;
  bool failed_ = false;
};

}  // namespace otc::padstore
