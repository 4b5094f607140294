// The client's outbox file (chat/client/outbox_format.h) from hostile bytes, two ways:
//
//  - the input as a whole file: ParseOutbox never fails, and every entry it returns
//    encodes to a record that parses back to that entry;
//  - the input as a script that builds a valid outbox (queued and done records made by the
//    format's own encoders) and then damages at most one byte: undamaged, the parse gives
//    exactly the pending entries in order; damaged, it never returns an entry that was
//    not written, and every record the damage did not touch is still found.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chat/client/outbox_format.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using otc::client::OutboxEntry;
using otc::fuzz::FuzzCheck;

// What the client writes: uids and base64 packages. Neither holds a 0x00 byte, which every
// record's length field has, so a record cannot hide inside another one's payload (with
// arbitrary payload bytes a resync after damage could find one there).
constexpr std::string_view kUidAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

bool Same(const OutboxEntry& a, const OutboxEntry& b) {
  return a.id == b.id && a.to == b.to && a.index == b.index && a.queued_unix == b.queued_unix &&
         a.package_b64 == b.package_b64;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool more() const { return at_ < size_; }
  uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | Byte();
    return v;
  }
  // Up to `max` characters of `alphabet`.
  std::string Text(size_t max, std::string_view alphabet) {
    std::string s;
    for (size_t n = Byte() % (max + 1); n > 0 && more(); --n)
      s += alphabet[Byte() % alphabet.size()];
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

void WholeFile(const uint8_t* data, size_t size) {
  const otc::client::ParsedOutbox parsed = otc::client::ParseOutbox(otc::fuzz::AsText(data, size));
  for (const OutboxEntry& entry : parsed.pending) {
    std::string file(otc::client::kOutboxMagic);
    file += otc::client::EncodeQueuedRecord(entry);
    const otc::client::ParsedOutbox again = otc::client::ParseOutbox(file);
    FuzzCheck(
        again.pending.size() == 1 && Same(again.pending[0], entry) && again.damaged_bytes == 0,
        "a parsed entry re-encodes to itself");
  }
}

void Scripted(const uint8_t* data, size_t size) {
  Reader in(data, size);
  std::string file(otc::client::kOutboxMagic);
  std::vector<OutboxEntry> written;
  std::map<uint64_t, bool> done;
  std::vector<std::pair<size_t, size_t>> record_spans;  // [begin, end) of each record
  std::vector<uint64_t> record_entry;                   // the entry id a record is about
  while (in.more() && written.size() < 64) {
    const size_t begin = file.size();
    if (in.Byte() % 4 != 0 || written.empty()) {
      OutboxEntry e;
      e.id = written.size() + 1;  // distinct, as the random ids are in practice
      e.to = in.Text(16, kUidAlphabet);
      e.index = in.U64();
      e.queued_unix = static_cast<int64_t>(in.U64());
      e.package_b64 = in.Text(200, kBase64Alphabet);
      file += otc::client::EncodeQueuedRecord(e);
      written.push_back(e);
      record_entry.push_back(e.id);
    } else {
      const uint64_t id = written[in.Byte() % written.size()].id;
      file += otc::client::EncodeDoneRecord(id, in.U64());
      done[id] = true;
      record_entry.push_back(id);
    }
    record_spans.emplace_back(begin, file.size());
  }
  const bool damage = in.Byte() % 2 == 1 && file.size() > otc::client::kOutboxMagic.size();
  size_t damaged_at = 0;
  if (damage) {
    damaged_at = otc::client::kOutboxMagic.size() +
                 in.U64() % (file.size() - otc::client::kOutboxMagic.size());
    file[damaged_at] = static_cast<char>(file[damaged_at] ^ (1 + in.Byte() % 255));
  }
  const otc::client::ParsedOutbox parsed = otc::client::ParseOutbox(file);

  std::vector<OutboxEntry> pending;
  for (const OutboxEntry& e : written)
    if (!done.count(e.id)) pending.push_back(e);
  if (!damage) {
    FuzzCheck(parsed.damaged_bytes == 0 && !parsed.bad_magic, "an intact file has no damage");
    FuzzCheck(parsed.pending.size() == pending.size(), "an intact file keeps every pending entry");
    for (size_t i = 0; i < pending.size(); ++i) {
      FuzzCheck(Same(parsed.pending[i], pending[i]), "pending entries in the order written");
    }
    return;
  }
  FuzzCheck(parsed.damaged_bytes > 0, "a flipped byte is seen as damage");
  // Every entry returned was written, and none whose `done` record is intact comes back.
  size_t damaged_record = record_spans.size();
  for (size_t r = 0; r < record_spans.size(); ++r) {
    if (damaged_at >= record_spans[r].first && damaged_at < record_spans[r].second) {
      damaged_record = r;
    }
  }
  const uint64_t hit_entry =
      damaged_record < record_entry.size() ? record_entry[damaged_record] : 0;
  for (const OutboxEntry& got : parsed.pending) {
    bool known = false;
    for (const OutboxEntry& e : written) known = known || Same(e, got);
    FuzzCheck(known, "no entry that was not written");
    FuzzCheck(!done.count(got.id) || got.id == hit_entry,
              "an entry whose done record is intact stays done");
  }
  // Every pending entry whose records the damage missed is still found.
  for (const OutboxEntry& e : pending) {
    if (e.id == hit_entry) continue;
    bool found = false;
    for (const OutboxEntry& got : parsed.pending) found = found || Same(e, got);
    FuzzCheck(found, "records the damage did not touch are still read");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    WholeFile(data + 1, size - 1);
  } else {
    Scripted(data + 1, size - 1);
  }
  return 0;
}
