#include "chat/client/outbox_format.h"

#include <isa-l/crc.h>

#include <optional>
#include <set>

namespace otc::client {

namespace {

enum RecordType : uint8_t { kQueued = 1, kDone = 2 };

void PutU16(std::string& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetLe(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(s[at + i])} << (8 * i);
  return v;
}

std::string Frame(RecordType type, const std::string& payload) {
  std::string body;
  body.push_back(static_cast<char>(type));
  body += payload;
  std::string out;
  PutU32(out, OutboxCrc32c(body));
  PutU32(out, static_cast<uint32_t>(payload.size()));
  out += body;
  return out;
}

// Reads fields from a payload; any read past its end makes the reader fail.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view p) : p_(p) {}
  uint64_t Int(int bytes) {
    if (!ok_ || p_.size() - at_ < static_cast<size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = GetLe(p_, at_, bytes);
    at_ += bytes;
    return v;
  }
  std::string Bytes(uint64_t n) {
    if (!ok_ || p_.size() - at_ < n) {
      ok_ = false;
      return "";
    }
    std::string s(p_.substr(at_, n));
    at_ += n;
    return s;
  }
  bool done() const { return ok_ && at_ == p_.size(); }

 private:
  std::string_view p_;
  size_t at_ = 0;
  bool ok_ = true;
};

struct Record {
  RecordType type;
  std::string_view payload;
  size_t size;  // header + payload
};

// The intact record at `at`, if there is one.
std::optional<Record> RecordAt(std::string_view bytes, size_t at) {
  if (bytes.size() - at < kOutboxRecordHeader) return std::nullopt;
  uint32_t crc = static_cast<uint32_t>(GetLe(bytes, at, 4));
  uint64_t length = GetLe(bytes, at + 4, 4);
  if (length > kOutboxMaxPayload || bytes.size() - at - kOutboxRecordHeader < length) {
    return std::nullopt;
  }
  std::string_view body = bytes.substr(at + 8, 1 + length);
  if (OutboxCrc32c(body) != crc) return std::nullopt;
  uint8_t type = static_cast<uint8_t>(body[0]);
  if (type != kQueued && type != kDone) return std::nullopt;
  return Record{static_cast<RecordType>(type), body.substr(1), kOutboxRecordHeader + length};
}

}  // namespace

uint32_t OutboxCrc32c(std::string_view data) {
  // crc32_iscsi works on the register without the final inversion.
  uint32_t reg = crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(data.data())),
                             static_cast<int>(data.size()), 0xFFFFFFFFu);
  return reg ^ 0xFFFFFFFFu;
}

std::string EncodeQueuedRecord(const OutboxEntry& e) {
  std::string p;
  PutU64(p, e.id);
  PutU64(p, static_cast<uint64_t>(e.queued_unix));
  PutU64(p, e.index);
  PutU16(p, static_cast<uint16_t>(e.to.size()));
  p += e.to;
  PutU32(p, static_cast<uint32_t>(e.package_b64.size()));
  p += e.package_b64;
  return Frame(kQueued, p);
}

std::string EncodeDoneRecord(uint64_t id, uint64_t ref) {
  std::string p;
  PutU64(p, id);
  PutU64(p, ref);
  return Frame(kDone, p);
}

ParsedOutbox ParseOutbox(std::string_view bytes) {
  ParsedOutbox out;
  size_t at = 0;
  if (bytes.substr(0, kOutboxMagic.size()) == kOutboxMagic) {
    at = kOutboxMagic.size();
  } else if (!bytes.empty()) {
    out.bad_magic = true;
  }
  std::vector<OutboxEntry> queued;
  std::set<uint64_t> done;
  while (at < bytes.size()) {
    std::optional<Record> r = RecordAt(bytes, at);
    bool used = false;
    if (r) {
      PayloadReader in(r->payload);
      if (r->type == kQueued) {
        OutboxEntry e;
        e.id = in.Int(8);
        e.queued_unix = static_cast<int64_t>(in.Int(8));
        e.index = in.Int(8);
        e.to = in.Bytes(in.Int(2));
        e.package_b64 = in.Bytes(in.Int(4));
        if (in.done()) {
          queued.push_back(std::move(e));
          used = true;
        }
      } else {
        uint64_t id = in.Int(8);
        in.Int(8);  // the ref: kept for a person reading the file
        if (in.done()) {
          done.insert(id);
          ++out.done_records;
          used = true;
        }
      }
    }
    if (used) {
      at += r->size;
    } else {
      ++out.damaged_bytes;
      ++at;
    }
  }
  for (OutboxEntry& e : queued) {
    if (!done.contains(e.id)) out.pending.push_back(std::move(e));
  }
  return out;
}

}  // namespace otc::client
