#include "padstore/manifest.h"

#include <xxhash.h>

#include <cstring>

#include "common/coding.h"
#include "padstore/crc32c.h"

namespace otc::padstore {
namespace {

constexpr char kMagic[8] = {'O', 'T', 'C', 'P', 'A', 'D', 'M', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedHeaderSize = 8 + 4 + 4 + 8 + 8;  // before ext and crc
constexpr uint8_t kChunkRecord = 1;
constexpr uint8_t kFinalRecord = 2;
constexpr uint32_t kMaxExtension = 1u << 20;

Digest128 Canonical(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  Digest128 d;
  std::memcpy(d.data(), c.digest, d.size());
  return d;
}

std::vector<uint8_t> EncodeHeader(uint64_t pad_size, uint64_t chunk_size,
                                  std::span<const uint8_t> extension) {
  std::vector<uint8_t> h(kFixedHeaderSize + extension.size() + 4);
  std::memcpy(h.data(), kMagic, 8);
  EncodeFixed32(&h[8], kVersion);
  EncodeFixed32(&h[12], static_cast<uint32_t>(extension.size()));
  EncodeFixed64(&h[16], pad_size);
  EncodeFixed64(&h[24], chunk_size);
  if (!extension.empty()) std::memcpy(&h[kFixedHeaderSize], extension.data(), extension.size());
  size_t body = kFixedHeaderSize + extension.size();
  EncodeFixed32(&h[body], Crc32c({h.data(), body}));
  return h;
}

std::array<uint8_t, kManifestRecordSize> EncodeRecord(uint8_t kind, uint64_t index,
                                                      const Digest128& digest) {
  std::array<uint8_t, kManifestRecordSize> r{};
  r[0] = kind;
  EncodeFixed64(&r[8], index);
  std::memcpy(&r[16], digest.data(), 16);
  EncodeFixed32(&r[32], Crc32c({r.data(), 32}));
  return r;
}

}  // namespace

Digest128 ChunkDigest(std::span<const uint8_t> data) {
  return Canonical(XXH3_128bits(data.data(), data.size()));
}

Digest128 WholePadDigest(std::span<const Digest128> chunk_digests) {
  return Canonical(XXH3_128bits(chunk_digests.data(), chunk_digests.size() * sizeof(Digest128)));
}

uint64_t Manifest::ChunkLength(uint64_t i) const {
  uint64_t start = i * chunk_size;
  return std::min(chunk_size, pad_size - start);
}

std::vector<uint8_t> SerializeManifest(const Manifest& manifest) {
  std::vector<uint8_t> out =
      EncodeHeader(manifest.pad_size, manifest.chunk_size, manifest.extension);
  for (uint64_t i = 0; i < manifest.chunks.size(); ++i) {
    auto r = EncodeRecord(kChunkRecord, i, manifest.chunks[i]);
    out.insert(out.end(), r.begin(), r.end());
  }
  auto final_record =
      EncodeRecord(kFinalRecord, manifest.chunks.size(), WholePadDigest(manifest.chunks));
  out.insert(out.end(), final_record.begin(), final_record.end());
  return out;
}

Result<Manifest> ReadManifest(Env& env, const std::string& path) {
  Result<std::string> contents = ReadFileToString(env, path);
  if (!contents.ok()) return contents.status();
  const auto* data = reinterpret_cast<const uint8_t*>(contents->data());
  const size_t size = contents->size();
  auto corrupt = [&](const std::string& why) {
    return Status::Corruption("manifest " + path + ": " + why);
  };
  if (size < kFixedHeaderSize + 4 || std::memcmp(data, kMagic, 8) != 0) {
    return corrupt("not a pad manifest (bad magic or too short)");
  }
  if (DecodeFixed32(data + 8) != kVersion) {
    return Status::Unsupported("manifest " + path + ": version " +
                               std::to_string(DecodeFixed32(data + 8)) + " is not supported");
  }
  uint32_t ext_len = DecodeFixed32(data + 12);
  if (ext_len > kMaxExtension || size < kFixedHeaderSize + ext_len + 4) {
    return corrupt("header extension length is invalid");
  }
  size_t header_body = kFixedHeaderSize + ext_len;
  if (Crc32c({data, header_body}) != DecodeFixed32(data + header_body)) {
    return corrupt("header checksum mismatch");
  }
  Manifest m;
  m.pad_size = DecodeFixed64(data + 16);
  m.chunk_size = DecodeFixed64(data + 24);
  if (m.pad_size == 0 || m.chunk_size == 0) return corrupt("pad size or chunk size is zero");
  m.extension.assign(data + kFixedHeaderSize, data + header_body);
  size_t pos = header_body + 4;
  m.valid_bytes = pos;
  const uint64_t chunk_count = m.ChunkCount();
  while (pos < size) {
    if (size - pos < kManifestRecordSize) {
      m.torn_tail = true;
      break;
    }
    const uint8_t* r = data + pos;
    if (Crc32c({r, 32}) != DecodeFixed32(r + 32)) {
      m.torn_tail = true;
      break;
    }
    uint64_t index = DecodeFixed64(r + 8);
    Digest128 digest;
    std::memcpy(digest.data(), r + 16, 16);
    if (r[0] == kChunkRecord) {
      if (index != m.chunks.size() || index >= chunk_count) {
        return corrupt("chunk record " + std::to_string(index) + " out of order");
      }
      m.chunks.push_back(digest);
    } else if (r[0] == kFinalRecord) {
      if (index != chunk_count || m.chunks.size() != chunk_count) {
        return corrupt("final record before all chunk digests");
      }
      if (WholePadDigest(m.chunks) != digest) return corrupt("whole-pad digest mismatch");
      m.pad_id = digest;
      m.complete = true;
      pos += kManifestRecordSize;
      m.valid_bytes = pos;
      if (pos != size) m.torn_tail = true;  // trailing bytes after a final record
      break;
    } else {
      return corrupt("unknown record kind " + std::to_string(r[0]));
    }
    pos += kManifestRecordSize;
    m.valid_bytes = pos;
  }
  return m;
}

ManifestWriter::ManifestWriter(std::unique_ptr<File> file, uint64_t pad_size, uint64_t chunk_size,
                               uint64_t offset, std::vector<Digest128> digests)
    : file_(std::move(file)),
      pad_size_(pad_size),
      chunk_size_(chunk_size),
      offset_(offset),
      digests_(std::move(digests)) {}

Result<std::unique_ptr<ManifestWriter>> ManifestWriter::Create(Env& env, const std::string& path,
                                                               uint64_t pad_size,
                                                               uint64_t chunk_size,
                                                               std::span<const uint8_t> extension) {
  if (pad_size == 0 || chunk_size == 0) {
    return Status::InvalidArgument("manifest needs a positive pad size and chunk size");
  }
  if (extension.size() > kMaxExtension)
    return Status::InvalidArgument("manifest extension too large");
  OpenOptions options;
  options.write = options.create = options.exclusive = true;
  Result<std::unique_ptr<File>> file = env.OpenFile(path, options);
  if (!file.ok()) return file.status();
  std::vector<uint8_t> header = EncodeHeader(pad_size, chunk_size, extension);
  Status s = WriteFully(**file, 0, header);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = env.SyncDir(DirName(path));
  if (!s.ok()) return s;
  return std::unique_ptr<ManifestWriter>(
      new ManifestWriter(std::move(*file), pad_size, chunk_size, header.size(), {}));
}

Result<std::unique_ptr<ManifestWriter>> ManifestWriter::Resume(Env& env, const std::string& path,
                                                               uint64_t pad_size,
                                                               uint64_t chunk_size) {
  Result<Manifest> m = ReadManifest(env, path);
  if (!m.ok()) return m.status();
  if (m->pad_size != pad_size || m->chunk_size != chunk_size) {
    return Status::InvalidArgument("manifest " + path + " is for a pad of " +
                                   std::to_string(m->pad_size) + " bytes in chunks of " +
                                   std::to_string(m->chunk_size) +
                                   "; resume with the same --size and chunk size");
  }
  if (m->complete) return Status::AlreadyExists("manifest " + path + " is already complete");
  OpenOptions options;
  options.write = true;
  Result<std::unique_ptr<File>> file = env.OpenFile(path, options);
  if (!file.ok()) return file.status();
  Status s = (*file)->Truncate(m->valid_bytes);
  if (s.ok()) s = (*file)->Sync();
  if (!s.ok()) return s;
  return std::unique_ptr<ManifestWriter>(new ManifestWriter(std::move(*file), pad_size, chunk_size,
                                                            m->valid_bytes, std::move(m->chunks)));
}

Status ManifestWriter::AppendRecord(uint8_t kind, uint64_t index, const Digest128& digest) {
  if (failed_) return Status::Failed("manifest " + file_->path() + " failed earlier; not writing");
  auto record = EncodeRecord(kind, index, digest);
  Status s = WriteFully(*file_, offset_, record);
  if (s.ok()) s = file_->DataSync();
  if (!s.ok()) {
    failed_ = true;  // fail-stop: never retry after a failed write or fsync
    return s;
  }
  offset_ += record.size();
  return Status::Ok();
}

Status ManifestWriter::AppendChunk(const Digest128& digest) {
  uint64_t count = (pad_size_ + chunk_size_ - 1) / chunk_size_;
  if (digests_.size() >= count) {
    return Status::InvalidArgument("manifest " + file_->path() + " already has all " +
                                   std::to_string(count) + " chunks");
  }
  Status s = AppendRecord(kChunkRecord, digests_.size(), digest);
  if (s.ok()) digests_.push_back(digest);
  return s;
}

Status ManifestWriter::AppendChunks(std::span<const Digest128> digests) {
  if (failed_) return Status::Failed("manifest " + file_->path() + " failed earlier; not writing");
  uint64_t count = (pad_size_ + chunk_size_ - 1) / chunk_size_;
  if (digests.size() > count - digests_.size()) {
    return Status::InvalidArgument("manifest " + file_->path() + " has room for " +
                                   std::to_string(count - digests_.size()) + " more chunks, not " +
                                   std::to_string(digests.size()));
  }
  if (digests.empty()) return Status::Ok();
  std::vector<uint8_t> records;
  records.reserve(digests.size() * kManifestRecordSize);
  for (size_t i = 0; i < digests.size(); ++i) {
    auto r = EncodeRecord(kChunkRecord, digests_.size() + i, digests[i]);
    records.insert(records.end(), r.begin(), r.end());
  }
  Status s = WriteFully(*file_, offset_, records);
  if (s.ok()) s = file_->DataSync();
  if (!s.ok()) {
    failed_ = true;  // fail-stop, as in AppendRecord
    return s;
  }
  offset_ += records.size();
  digests_.insert(digests_.end(), digests.begin(), digests.end());
  return Status::Ok();
}

Result<Digest128> ManifestWriter::Finish() {
  uint64_t count = (pad_size_ + chunk_size_ - 1) / chunk_size_;
  if (digests_.size() != count) {
    return Status::InvalidArgument("manifest " + file_->path() + " has " +
                                   std::to_string(digests_.size()) + " of " +
                                   std::to_string(count) + " chunks");
  }
  Digest128 id = WholePadDigest(digests_);
  Status s = AppendRecord(kFinalRecord, count, id);
  if (!s.ok()) return s;
  return id;
}

}  // namespace otc::padstore
