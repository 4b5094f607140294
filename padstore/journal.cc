#include "padstore/journal.h"

#include <cstring>

#include "common/coding.h"
#include "padstore/crc32c.h"

namespace otc::padstore {
namespace {

// Checks for a valid record at `pos`; returns its total size or 0.
size_t ValidRecordAt(const uint8_t* data, size_t size, size_t pos) {
  if (size - pos < kRecordHeaderSize) return 0;
  const uint8_t* h = data + pos;
  if (DecodeFixed32(h) != kJournalMagic) return 0;
  uint32_t length = DecodeFixed32(h + 8);
  if (length > kMaxPayload || size - pos - kRecordHeaderSize < length) return 0;
  if (h[13] > 1 || h[14] != 0 || h[15] != 0) return 0;
  uint32_t crc = Crc32c({h + 8, kRecordHeaderSize - 8 + length});
  if (crc != DecodeFixed32(h + 4)) return 0;
  return kRecordHeaderSize + length;
}

}  // namespace

std::vector<uint8_t> EncodeRecord(RecordType type, uint8_t copy, uint64_t seq, uint64_t time,
                                  std::span<const uint8_t> payload) {
  std::vector<uint8_t> r(kRecordHeaderSize + payload.size());
  EncodeFixed32(&r[0], kJournalMagic);
  EncodeFixed32(&r[8], static_cast<uint32_t>(payload.size()));
  r[12] = static_cast<uint8_t>(type);
  r[13] = copy;
  EncodeFixed64(&r[16], seq);
  EncodeFixed64(&r[24], time);
  if (!payload.empty()) std::memcpy(&r[kRecordHeaderSize], payload.data(), payload.size());
  EncodeFixed32(&r[4], Crc32c({&r[8], r.size() - 8}));
  return r;
}

Result<JournalScan> ScanJournal(Env& env, const std::string& path) {
  Result<std::string> contents = ReadFileToString(env, path);
  if (!contents.ok()) return contents.status();
  const auto* data = reinterpret_cast<const uint8_t*>(contents->data());
  const size_t size = contents->size();
  JournalScan scan;
  scan.file_size = size;
  size_t pos = 0;
  while (pos < size) {
    size_t n = ValidRecordAt(data, size, pos);
    if (n > 0) {
      const uint8_t* h = data + pos;
      JournalRecord rec;
      rec.type = static_cast<RecordType>(h[12]);
      rec.copy = h[13];
      rec.seq = DecodeFixed64(h + 16);
      rec.time = DecodeFixed64(h + 24);
      rec.offset = pos;
      rec.payload.assign(h + kRecordHeaderSize, h + n);
      scan.records.push_back(std::move(rec));
      pos += n;
      scan.valid_end = pos;
      continue;
    }
    // Damage: resynchronise on the next magic that starts a valid record.
    size_t bad_start = pos;
    size_t next = size;
    for (size_t p = pos + 1; p + 4 <= size; ++p) {
      const void* hit = std::memchr(data + p, 'O', size - p);
      if (hit == nullptr) break;
      p = static_cast<const uint8_t*>(hit) - data;
      if (p + 4 <= size && DecodeFixed32(data + p) == kJournalMagic &&
          ValidRecordAt(data, size, p) > 0) {
        next = p;
        break;
      }
    }
    scan.damage.push_back({bad_start, next});
    pos = next;
  }
  return scan;
}

Result<std::unique_ptr<JournalWriter>> JournalWriter::Create(Env& env, const std::string& path,
                                                             uint64_t first_seq, uint64_t time,
                                                             std::span<const uint8_t> meta,
                                                             std::span<const uint8_t> snapshot,
                                                             const CopyState& copies,
                                                             const SplitTotals& split) {
  const std::string tmp = path + ".tmp";
  Result<std::unique_ptr<File>> tmp_file =
      env.OpenFile(tmp, {.write = true, .create = true, .truncate = true, .mode = 0600});
  if (!tmp_file.ok()) return tmp_file.status();
  // The identity is the new file's own, so it must be read before the contents are
  // written; rename keeps it. An Env that cannot tell it gets no copy detection.
  Result<FileIdentity> identity = (*tmp_file)->Identity();

  std::vector<uint8_t> buf;
  uint64_t seq = first_seq;
  auto add = [&](RecordType type, std::span<const uint8_t> payload) {
    for (uint8_t copy = 0; copy < 2; ++copy) {
      auto r = EncodeRecord(type, copy, seq, time, payload);
      buf.insert(buf.end(), r.begin(), r.end());
    }
    ++seq;
  };
  add(RecordType::kMeta, meta);
  add(RecordType::kSnapshot, snapshot);
  if (identity.ok()) add(RecordType::kIdentity, EncodeIdentity(*identity));
  if (!copies.empty()) add(RecordType::kCopyState, EncodeCopyState(copies));
  if (!split.empty()) add(RecordType::kSplit, EncodeSplitTotals(split));
  {
    Status s = WriteFully(**tmp_file, 0, buf);
    if (s.ok()) s = (*tmp_file)->Sync();
    if (!s.ok()) return s;
    tmp_file->reset();
  }
  if (Status s = env.RenameFile(tmp, path); !s.ok()) return s;
  if (Status s = env.SyncDir(DirName(path)); !s.ok()) return s;
  Result<std::unique_ptr<File>> file = env.OpenFile(path, {.write = true});
  if (!file.ok()) return file.status();
  return std::unique_ptr<JournalWriter>(new JournalWriter(std::move(*file), buf.size(), seq));
}

Status JournalWriter::Append(RecordType type, uint64_t time, std::span<const uint8_t> payload) {
  if (failed_) return Status::Failed("journal " + file_->path() + " failed earlier; not writing");
  std::vector<uint8_t> buf = EncodeRecord(type, 0, next_seq_, time, payload);
  std::vector<uint8_t> second = EncodeRecord(type, 1, next_seq_, time, payload);
  buf.insert(buf.end(), second.begin(), second.end());
  Status s = WriteFully(*file_, offset_, buf);
  if (!s.ok()) return Fail(s.WithContext("appending to the journal"));
  offset_ += buf.size();
  ++next_seq_;
  return Status::Ok();
}

Status JournalWriter::Sync() {
  if (failed_) return Status::Failed("journal " + file_->path() + " failed earlier; not syncing");
  Status s = file_->DataSync();
  if (!s.ok()) return Fail(s.WithContext("syncing the journal"));
  return s;
}

}  // namespace otc::padstore
