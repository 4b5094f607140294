#include "padstore/recovery.h"

#include <algorithm>

namespace otc::padstore {
namespace {

// The geometry checks that depend on the split ledger, on the folded state.
Status CheckAgainstSplit(const RecoveredState& rec, const PadLayout& layout,
                         const std::string& what) {
  const SplitGrants grants{layout.OwnHalf().size(), layout.PeerHalf().size(), rec.split.given,
                           rec.split.received};
  const std::string ledger = " (split moved: given " + std::to_string(grants.given) +
                             ", received " + std::to_string(grants.received) + ")";
  if (!grants.Consistent()) {
    return Status::Corruption(what + ": split totals do not fit the pad" + ledger);
  }
  if (rec.state.own_mark > grants.OwnCapacity()) {
    return Status::Corruption(what + ": mark " + std::to_string(rec.state.own_mark) +
                              " is past the own capacity " + std::to_string(grants.OwnCapacity()) +
                              ledger);
  }
  const IndexRange peer_stream =
      layout.StreamToIndices(layout.peer_direction(), 0, grants.PeerCapacity());
  for (const IndexRange& d : rec.state.decrypted.Intervals()) {
    if (!peer_stream.Contains(d)) {
      return Status::Corruption(what + ": decrypted range " + ToString(d) +
                                " is outside the peer's part of the pad " + ToString(peer_stream) +
                                ledger);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RecoveredState> RecoverJournal(const JournalScan& scan, const PadLayout& layout,
                                      const std::string& what) {
  auto corrupt = [&](const JournalRecord& r, const std::string& why) {
    return Status::Corruption(what + ": record seq " + std::to_string(r.seq) + " at offset " +
                              std::to_string(r.offset) + ": " + why);
  };
  RecoveredState out;
  bool have_snapshot = false;
  const IndexRange whole{0, layout.pad_size()};
  for (const JournalRecord& r : scan.records) {
    out.next_seq = std::max(out.next_seq, r.seq + 1);
    out.state.last_activity = std::max(out.state.last_activity, r.time);
    switch (r.type) {
      case RecordType::kMeta:
        if (!out.meta_bytes)
          out.meta_bytes = r.payload;
        else if (*out.meta_bytes != r.payload)
          return corrupt(r, "two different meta copies");
        break;
      case RecordType::kSnapshot: {
        Result<Snapshot> s = DecodeSnapshot(r.payload);
        if (!s.ok()) return corrupt(r, s.status().message());
        for (const IndexRange& b : s->burned.Intervals()) {
          if (!whole.Contains(b)) return corrupt(r, "burned range outside the pad");
          out.state.burned.Insert(b);
        }
        for (const IndexRange& d : s->decrypted.Intervals()) out.state.decrypted.Insert(d);
        out.state.own_mark = std::max(out.state.own_mark, s->own_mark);
        out.state.last_activity = std::max(out.state.last_activity, s->last_activity);
        have_snapshot = true;
        break;
      }
      case RecordType::kMark: {
        uint64_t mark;
        if (!DecodeU64(r.payload, &mark)) return corrupt(r, "malformed mark");
        out.state.own_mark = std::max(out.state.own_mark, mark);
        break;
      }
      case RecordType::kDecrypt: {
        IndexRange range;
        if (!DecodeRange(r.payload, &range)) return corrupt(r, "malformed decrypt range");
        out.state.decrypted.Insert(range);
        break;
      }
      case RecordType::kBurn: {
        IndexRange range;
        if (!DecodeRange(r.payload, &range)) return corrupt(r, "malformed burn range");
        if (!whole.Contains(range)) return corrupt(r, "burn range outside the pad");
        out.state.burned.Insert(range);
        break;
      }
      case RecordType::kIdentity: {
        FileIdentity id;
        if (!DecodeIdentity(r.payload, &id)) return corrupt(r, "malformed identity");
        if (out.identity && !(*out.identity == id)) out.identity_conflict = true;
        out.identity = id;
        break;
      }
      case RecordType::kCopyState: {
        CopyState c;
        if (!DecodeCopyState(r.payload, &c)) return corrupt(r, "malformed copy state");
        out.copies.Merge(c);
        break;
      }
      case RecordType::kSplit: {
        SplitTotals t;
        if (!DecodeSplitTotals(r.payload, &t)) return corrupt(r, "malformed split totals");
        out.split.Merge(t);
        break;
      }
      default:
        return corrupt(r, "unknown record type " + std::to_string(static_cast<int>(r.type)));
    }
  }
  if (!have_snapshot) {
    return Status::Corruption(what + ": no valid snapshot record (both copies damaged or missing)");
  }
  if (Status s = CheckAgainstSplit(out, layout, what); !s.ok()) return s;
  return out;
}

}  // namespace otc::padstore
